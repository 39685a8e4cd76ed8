import { runSubscriber } from "@ec/subscriber";
import type { SubscriberStats } from "@ec/subscriber";
import { parseWatchListen, startWatchServer } from "@ec/subscriber/http";
import type { WatchServer } from "@ec/subscriber/http";
import { MAX_OBJECT_BYTES } from "@ec/stream-rules";
import { UsageError } from "../flags.js";
import { CommandError, LOG_FLAGS, SECRET_FLAGS, checkEndpointArgs, ensureOutputDir, loggerFrom, onStopSignal, parseTrustedKey, streamSecretFrom, validateStreamId } from "../common.js";
import { defineCommand } from "../command.js";

export const moqSubscribe = defineCommand({
  name: "moq-subscribe",
  summary: [
    "Subscribe to a stream, verify every object against signed manifests, and write HLS.",
    "Manifests come from one peer, encrypted objects from another (or several, with failover).",
    "An object is decrypted and written to HLS only when a verified manifest from a trusted signer lists its hash.",
    "Exit 0 once --stop-after of verified media is written (or on SIGINT/SIGTERM); non-zero with the reason otherwise.",
    "--serve-http serves a page that plays the HLS and shows the live counters; its URL is printed on stdout.",
    "An ecmoqs:// peer listens with TLS: it is dialed over wss:// and its certificate checked against Node's",
    "CAs (NODE_EXTRA_CA_CERTS=<ca.pem> adds a private CA or a self-signed certificate).",
  ].join("\n"),
  usage: "ec-node moq-subscribe --remote <EndpointAddr> [--remote-manifests <EndpointAddr>] --stream-id <id> --trusted-key <hex> --hls-dir <dir> [--stop-after 30s] [--serve-http 127.0.0.1:8080]",
  flags: {
    remote: { kind: "string", value: "<EndpointAddr>", help: "object peer; repeat for failover across relays (a dead, silent or stalled one is left within 1–1.5 chunk durations and retried later; see docs/USAGE.md)", repeatable: true },
    "remote-manifests": { kind: "string", value: "<EndpointAddr>", help: "manifest peer (default: the first --remote)" },
    "insecure-remote": { kind: "boolean", help: "accept plain host:port remotes with NO identity check", default: false },
    "stream-id": { kind: "string", value: "<id>", help: "the stream to subscribe to", required: true },
    "subscribe-manifests": { kind: "boolean", help: "subscribe to the manifests track", default: true },
    "require-manifest": { kind: "boolean", help: "accept only objects a verified manifest vouches for (turning it off prints a warning)", default: true },
    "trusted-key": { kind: "string", value: "<hex>", help: "pinned leader public key (none = trust on first use, loudly)", repeatable: true },
    ...SECRET_FLAGS,
    "hls-dir": { kind: "string", value: "<dir>", help: "where index.m3u8 and segments go", required: true },
    "hls-window": { kind: "int", value: "<segments>", help: "live playlist length; 0 keeps every segment", default: 10 },
    backfill: { kind: "int", value: "<segments>", help: "joining a running stream: start this many segments before the live edge", default: 3 },
    "stop-after": { kind: "duration", value: "<dur>", help: "exit 0 after this much verified media (e.g. 30s, 2m)" },
    timeout: { kind: "duration", value: "<dur>", help: "give up if --stop-after is not reached by then (default 2 x stop-after + 30s)" },
    "stats-json": { kind: "string", value: "<path>", help: "counters (accepted, rejected by reason, per peer), rewritten every second" },
    epoch: { kind: "string", value: "<id>", help: "with --require-manifest=false: the epoch to open objects with" },
    "chunk-ms": { kind: "int", value: "<ms>", help: "with --require-manifest=false: nominal segment length", default: 2000 },
    "max-object-bytes": { kind: "int", value: "<bytes>", help: "largest object taken from a relay (default: one sealed 32 MiB chunk); bigger frames are refused unread and count as junk", default: MAX_OBJECT_BYTES },
    "junk-threshold": { kind: "int", value: "<n>", help: "rejected objects from one relay before it is dropped (the first demotes it)", default: 3 },
    "serve-http": { kind: "string", value: "<host:port>", help: "serve the HLS and a live page (player + counters) here; a bare port binds 127.0.0.1, other interfaces must be named" },
    "relay-stats": { kind: "string", value: "<path>", help: "with --serve-http: show this ec-node relay's --stats-json on the page as a relay hop", repeatable: true },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "moq-subscribe");
    const remotes = flags.remote;
    if (remotes.length === 0) throw new UsageError("missing --remote <EndpointAddr>");
    const allowInsecure = flags["insecure-remote"];
    checkEndpointArgs([...remotes, ...(flags["remote-manifests"] ? [flags["remote-manifests"]] : [])], { allowInsecure });
    const serveHttp = flags["serve-http"];
    if (serveHttp !== undefined) {
      try {
        parseWatchListen(serveHttp);
      } catch (err) {
        throw new UsageError(`--serve-http: ${(err as Error).message}`);
      }
    }
    // Every flag is checked before anything starts or is printed: a bad value is exit 2 and one line
    // (a usage error), never a runtime failure (exit 1) discovered halfway through.
    const streamId = validateStreamId(flags["stream-id"]);
    const streamSecret = streamSecretFrom(flags);
    if (flags["relay-stats"].length > 0 && serveHttp === undefined) throw new UsageError("--relay-stats goes with --serve-http (it shows relay hops on the watch page)");
    const requireManifest = flags["require-manifest"];
    const subscribeManifests = flags["subscribe-manifests"];
    if (requireManifest && !subscribeManifests) throw new UsageError("--require-manifest needs manifests: drop --subscribe-manifests=false");
    if (!requireManifest && !flags.epoch) throw new UsageError("--require-manifest=false needs --epoch <id> to open objects");
    const trustedKeys = flags["trusted-key"].map(parseTrustedKey);
    const stopAfterMs = flags["stop-after"];
    const timeoutMs = flags.timeout ?? (stopAfterMs !== undefined ? stopAfterMs * 2 + 30_000 : undefined);
    const hlsWindow = flags["hls-window"];
    if (hlsWindow < 0) throw new UsageError("--hls-window must be >= 0");
    if (flags.backfill < 1) throw new UsageError("--backfill must be >= 1");
    if (flags["max-object-bytes"] < 1024) throw new UsageError("--max-object-bytes must be >= 1024");
    if (flags["junk-threshold"] < 1) throw new UsageError("--junk-threshold must be >= 1");
    const hlsDir = flags["hls-dir"];
    ensureOutputDir(hlsDir, "hls-dir");
    if (!requireManifest) process.stderr.write("WARNING: --require-manifest=false: objects are written without a signed manifest vouching for them\n");
    if (requireManifest && trustedKeys.length === 0) {
      process.stderr.write("WARNING: no --trusted-key: the first manifest signer seen will be trusted (trust on first use)\n");
    }
    const stop = onStopSignal();
    let live: SubscriberStats | undefined;
    let watch: WatchServer | undefined;
    if (serveHttp !== undefined) {
      try {
        watch = await startWatchServer({ listen: serveHttp, hlsDir, stats: () => live, log, relayStatsFiles: flags["relay-stats"] });
      } catch (err) {
        throw new CommandError((err as Error).message);
      }
      // stdout carries what a script reads: the page's URL.
      process.stdout.write(watch.url + "\n");
      log.info("watch page", { url: watch.url });
    }
    let res;
    try {
      res = await runSubscriber({
        remotes,
        remoteManifests: flags["remote-manifests"],
        allowInsecure,
        streamId,
        subscribeManifests,
        requireManifest,
        trustedKeys,
        streamSecret,
        hlsDir,
        hlsWindow,
        stopAfterMs,
        timeoutMs,
        statsJson: flags["stats-json"],
        backfill: flags.backfill,
        epoch: flags.epoch,
        chunkMs: flags["chunk-ms"],
        maxObjectBytes: flags["max-object-bytes"],
        junkThreshold: flags["junk-threshold"],
        log,
        signal: stop.signal,
        onStats: (s) => (live = s),
      });
    } catch (err) {
      throw new CommandError((err as Error).message);
    } finally {
      await watch?.close();
    }
    const s = res.stats;
    const summary = {
      segments: s.segments,
      mediaSeconds: Math.round(s.mediaSeconds * 10) / 10,
      objectsAccepted: s.objects.accepted,
      objectsRejected: s.objects.rejected,
      manifestsAccepted: s.manifests.accepted,
      manifestsRejected: s.manifests.rejected,
      receiveBuffersReused: s.receiveBuffers.reused,
    };
    if (!res.ok) {
      log.error("subscriber failed", { reason: res.reason, ...summary });
      throw new CommandError(res.reason);
    }
    log.info("done", { reason: res.reason, ...summary });
    return 0;
  },
});
