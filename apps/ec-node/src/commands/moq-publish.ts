import { existsSync } from "node:fs";
import { publicKeyToHex } from "@ec/manifest";
import type { SigningKey } from "@ec/manifest";
import { parseAdvertiseAddr } from "@ec/moq-transport";
import { FollowError, startPublisher } from "@ec/publisher";
import type { FollowOptions, PublisherSource } from "@ec/publisher";
import { UsageError, defineFlags } from "../flags.js";
import type { Flags } from "../flags.js";
import { CommandError, LOG_FLAGS, SECRET_FLAGS, addrFlag, checkEndpointArgs, loggerFrom, onStopSignal, parseTrustedKey, readKeyFile, streamSecretFrom, validateEpoch, validateStreamId, writeFileAtomic } from "../common.js";
import { defineCommand } from "../command.js";
import { pageObjectPeers, SERVE_WEB_FLAGS, serveWebFrom, startPeerPage } from "../serve-web.js";
import type { PeerPageConfig, ServeWebPlan } from "../serve-web.js";
import { TLS_FLAGS, tlsFrom } from "../tls-flags.js";

const FLAGS = defineFlags({
  input: { kind: "string", value: "<file.ts>", help: "a TS recording (paced in real time unless --as-fast-as-possible)" },
  "as-fast-as-possible": { kind: "boolean", help: "with --input: do not pace", default: false },
  speed: { kind: "number", value: "<x>", help: "with --input: pacing speed factor", default: 1 },
  hdhr: { kind: "string", value: "<host[:port]>", help: "capture live from this HDHomeRun (or hdhr-sim)" },
  channel: { kind: "string", value: "<GuideNumber>", help: "with --hdhr: the channel" },
  duration: { kind: "duration", value: "<dur>", help: "with --hdhr: stop after this long" },
  "stall-timeout": { kind: "duration", value: "<dur>", help: "with --hdhr: no data for this long is a stall; the stream is reopened with backoff", default: "10s" },
  "stream-id": { kind: "string", value: "<id>", help: "stream id (default hdhr-<DeviceID>-<GuideNumber> or the file name)" },
  listen: { kind: "string", value: "<host:port>", help: "moq-lite listen address", default: "127.0.0.1:0" },
  advertise: { kind: "string", value: "<host:port>", help: "host:port written into the EndpointAddr (when listening on 0.0.0.0 or behind a port forward)" },
  "endpoint-file": { kind: "string", value: "<path>", help: "also write this node's EndpointAddr here" },
  "node-key": { kind: "string", value: "<path>", help: "node identity key file (default: a fresh identity each start)" },
  ...TLS_FLAGS,
  ...SERVE_WEB_FLAGS,
  "chunk-ms": { kind: "int", value: "<ms>", help: "target chunk length", default: 2000 },
  ...SECRET_FLAGS,
  "publish-chunks": { kind: "boolean", help: "serve the encrypted chunk objects", default: true },
  "publish-manifests": { kind: "boolean", help: "sign and serve manifests (needs --signing-key)", default: false },
  "signing-key": { kind: "string", value: "<path>", help: "leader key file from ec-node keygen" },
  "startup-delay-ms": { kind: "int", value: "<ms>", help: "wait before ingesting (lets subscribers connect)", default: 0 },
  epoch: { kind: "string", value: "<id>", help: "override the content-derived epoch" },
  follow: { kind: "string", value: "<EndpointAddr>", help: "follow this leader: serve its objects from our own capture, only those whose hash it signed (needs --trusted-key, --stream-id)" },
  "trusted-key": { kind: "string", value: "<hex>", help: "with --follow: the leader's public key", repeatable: true },
  "insecure-remote": { kind: "boolean", help: "with --follow: accept a plain host:port leader with NO identity check", default: false },
  "follow-timeout": { kind: "duration", value: "<dur>", help: "with --follow: fail if no leader manifest verifies by then", default: "20s" },
  "dump-chunks": { kind: "string", value: "<dir>", help: "debug: write each captured chunk's plaintext to <dir>/<seq>-<firstPts>.ts" },
  "stats-json": { kind: "string", value: "<path>", help: "counters (chunks, follower matches and mismatches by reason), rewritten every second" },
  window: { kind: "int", value: "<chunks>", help: "entries per manifest and groups kept per track", default: 32 },
  "manifest-ttl": { kind: "duration", value: "<dur>", help: "manifest lifetime", default: "2m" },
  "exit-when-done": { kind: "boolean", help: "exit once the input is published (default: keep serving until SIGINT/SIGTERM)", default: false },
  ...LOG_FLAGS,
});

export const moqPublish = defineCommand({
  name: "moq-publish",
  summary: [
    "Serve a stream over moq-lite: signed manifests (leader/signer) and/or encrypted chunk objects (relay).",
    "Captures (or reads a recording), chunks at keyframes, encrypts per stream, and serves signed manifests",
    "(--publish-manifests, the leader/signer), chunk objects (--publish-chunks, an availability relay), or both.",
    "Prints this node's EndpointAddr on stdout; subscribers pass it to --remote / --remote-manifests.",
    "--tls-cert/--tls-key listen with TLS (an ecmoqs:// EndpointAddr) so https pages can connect;",
    "--serve-web serves the browser verifying page for this stream and prints its URL on a second line.",
  ].join("\n"),
  usage: "ec-node moq-publish (--input rec.ts | --hdhr <host> --channel <n>) --stream-id <id> [--publish-manifests --signing-key leader.key] [--publish-chunks=false] [--follow <leader EndpointAddr> --trusted-key <hex>] [--tls-cert f --tls-key f] [--serve-web [host:]port]",
  flags: FLAGS,
  async run(flags) {
    const log = loggerFrom(flags, "moq-publish");
    const source = sourceFrom(flags);
    const publishManifests = flags["publish-manifests"];
    const publishChunks = flags["publish-chunks"];
    if (!publishManifests && !publishChunks) throw new UsageError("--publish-chunks=false without --publish-manifests publishes nothing");
    if (publishManifests && !flags["signing-key"]) throw new UsageError("--publish-manifests needs --signing-key <path> (make one with ec-node keygen)");
    const signingKey = flags["signing-key"] ? readKeyFile(flags["signing-key"], "signing-key") : undefined;
    const identity = flags["node-key"] ? readKeyFile(flags["node-key"], "node-key") : undefined;
    const streamId = validateStreamId(
      flags["stream-id"] ??
        (source.kind === "hdhr" ? `hdhr-${source.host.replace(/[^A-Za-z0-9]/g, "-")}-${source.channel}` : defaultStreamIdFor(source.path)),
    );
    const chunkMs = flags["chunk-ms"];
    if (chunkMs < 100 || chunkMs > 60_000) throw new UsageError("--chunk-ms must be between 100 and 60000");
    const windowChunks = flags.window;
    if (windowChunks < 1 || windowChunks > 1024) throw new UsageError("--window must be between 1 and 1024");
    const epoch = validateEpoch(flags.epoch);
    const follow = followFrom(flags, publishManifests, publishChunks, epoch);
    if (follow && !flags["stream-id"]) throw new UsageError("--follow needs --stream-id <id>: the leader's stream id");
    const advertise = addrFlag("advertise", flags.advertise, parseAdvertiseAddr);
    const tls = tlsFrom(flags);
    const web = serveWebFrom(flags);
    const pageConfig = web ? pageConfigFor(web, { streamId, publishChunks, signingKey, follow }) : undefined;
    const stop = onStopSignal();
    let publisher;
    try {
      publisher = await startPublisher({
        source,
        streamId,
        listen: flags.listen,
        advertise,
        identity,
        tls,
        chunkMs,
        streamSecret: streamSecretFrom(flags),
        publishChunks,
        publishManifests,
        signingKey,
        startupDelayMs: flags["startup-delay-ms"],
        epoch,
        follow,
        dumpChunksDir: flags["dump-chunks"],
        windowChunks,
        manifestTtlMs: flags["manifest-ttl"],
        log,
        signal: stop.signal,
      });
    } catch (err) {
      throw new CommandError(`cannot start: ${(err as Error).message}`);
    }
    // The page starts before anything is printed or written: if it cannot, the node did not start either.
    let page;
    if (web && pageConfig) {
      try {
        page = await startPeerPage(web, pageConfig(publisher.endpoint), tls, log, advertise);
      } catch (err) {
        await publisher.close();
        throw err;
      }
    }
    if (flags["endpoint-file"]) writeFileAtomic(flags["endpoint-file"], publisher.endpoint + "\n");
    process.stdout.write(publisher.endpoint + "\n");
    if (page) process.stdout.write(page.url + "\n");
    log.info("serving", {
      endpoint: publisher.endpoint,
      streamId,
      manifests: publishManifests,
      chunks: publishChunks,
      source: source.kind === "file" ? source.path : `${source.host} ch ${source.channel}`,
    });
    const statsJson = flags["stats-json"];
    const writeStats = () => {
      if (!statsJson) return;
      try {
        writeFileAtomic(statsJson, JSON.stringify(publisher.stats, null, 2) + "\n");
      } catch (err) {
        log.warn("cannot write stats file", { error: (err as Error).message });
      }
    };
    const statsTimer = statsJson ? setInterval(writeStats, 1000) : undefined;
    let failed: Error | undefined;
    await publisher.done.catch((err: Error) => {
      failed = err;
    });
    writeStats();
    if (failed && (!stop.signal.aborted || failed instanceof FollowError)) {
      clearInterval(statsTimer);
      await page?.close();
      await publisher.close();
      throw new CommandError(failed instanceof FollowError ? failed.message : `source failed: ${failed.message}`);
    }
    if (!stop.signal.aborted && !flags["exit-when-done"]) {
      log.info("input published; still serving the window until SIGINT/SIGTERM", { chunks: publisher.stats.chunks });
      await new Promise<void>((r) => stop.signal.addEventListener("abort", () => r(), { once: true }));
    }
    clearInterval(statsTimer);
    await page?.close();
    await publisher.close();
    writeStats();
    log.info("stopped", { ...publisher.stats, follow: undefined });
    return 0;
  },
});

function sourceFrom(flags: Flags<typeof FLAGS>): PublisherSource {
  const input = flags.input;
  const hdhr = flags.hdhr;
  if (input && hdhr) throw new UsageError("give --input or --hdhr, not both");
  if (input) {
    if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    if (flags.channel !== undefined || flags.duration !== undefined) throw new UsageError("--channel and --duration go with --hdhr, not --input");
    const speed = flags.speed;
    if (!(speed > 0)) throw new UsageError("--speed must be > 0");
    return { kind: "file", path: input, realtime: !flags["as-fast-as-possible"], speed };
  }
  if (hdhr) {
    const channel = flags.channel;
    if (!channel) throw new UsageError("--hdhr needs --channel <GuideNumber>");
    const durationMs = flags.duration;
    const stallTimeoutMs = flags["stall-timeout"];
    if (!(stallTimeoutMs >= 100)) throw new UsageError("--stall-timeout must be at least 100ms");
    return { kind: "hdhr", host: hdhr, channel, durationS: durationMs === undefined ? undefined : Math.ceil(durationMs / 1000), stallTimeoutMs };
  }
  throw new UsageError("missing a source: --input <file.ts> or --hdhr <host> --channel <n>");
}

function followFrom(flags: Flags<typeof FLAGS>, publishManifests: boolean, publishChunks: boolean, epoch: string | undefined): FollowOptions | undefined {
  const leader = flags.follow;
  const keys = flags["trusted-key"];
  if (leader === undefined) {
    if (keys.length) throw new UsageError("--trusted-key goes with --follow");
    return undefined;
  }
  if (publishManifests) throw new UsageError("--follow publishes the leader's objects: it cannot also --publish-manifests");
  if (!publishChunks) throw new UsageError("--follow serves objects: drop --publish-chunks=false");
  if (epoch !== undefined) throw new UsageError("--follow learns the epoch from the leader: drop --epoch");
  if (keys.length === 0) throw new UsageError("--follow needs --trusted-key <hex>: the leader's public key");
  checkEndpointArgs([leader], { allowInsecure: flags["insecure-remote"] });
  const timeout = flags["follow-timeout"];
  if (!(timeout >= 1000)) throw new UsageError("--follow-timeout must be at least 1s");
  return { leader, trustedKeys: keys.map(parseTrustedKey), allowInsecure: flags["insecure-remote"], firstManifestTimeoutMs: timeout };
}

function defaultStreamIdFor(path: string): string {
  const base = path.split("/").pop()!.replace(/\.[^.]*$/, "");
  return base.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "stream";
}

/**
 * What the browser page needs to reach this node's mesh, decided before anything starts (a node
 * with no manifests to point the page at is a usage error); the node's own EndpointAddr is filled in
 * once it listens. A leader is the page's manifest peer and pins its own signing key; a follower
 * points the page at its leader for manifests and pins the leader's --trusted-key.
 */
function pageConfigFor(
  web: ServeWebPlan,
  o: { streamId: string; publishChunks: boolean; signingKey: SigningKey | undefined; follow: FollowOptions | undefined },
): (self: string) => PeerPageConfig {
  if (o.follow) {
    const leader = o.follow.leader;
    const trustedKeys = o.follow.trustedKeys.map(publicKeyToHex);
    const insecure = !leader.includes("://");
    return (self) => ({ streamId: o.streamId, manifestPeer: leader, objectPeers: pageObjectPeers(self, web), trustedKeys, ...(insecure ? { allowInsecure: true as const } : {}) });
  }
  const key = o.signingKey;
  if (!key) throw new UsageError("--serve-web needs manifests for the page: use it on the leader (--publish-manifests), a follower (--follow) or an ec-node relay");
  if (!o.publishChunks && web.extraObjectPeers.length === 0) {
    throw new UsageError("--serve-web on a manifests-only leader needs --web-object-peer <EndpointAddr> (a node serving the chunks)");
  }
  const trustedKeys = [publicKeyToHex(key.publicKey)];
  return (self) => ({ streamId: o.streamId, manifestPeer: self, objectPeers: pageObjectPeers(o.publishChunks ? self : undefined, web), trustedKeys });
}
