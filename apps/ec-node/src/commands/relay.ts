import { ManifestVerifier, ObjectGate, publicKeyToHex } from "@ec/manifest";
import { createVerifyingRelay, parseAdvertiseAddr, parseListenAddr } from "@ec/moq-transport";
import type { VerifyingRelay } from "@ec/moq-transport";
import { UsageError } from "../flags.js";
import { CommandError, LOG_FLAGS, addrFlag, checkEndpointArgs, loggerFrom, onStopSignal, parseTrustedKey, readKeyFile, validateStreamId, writeFileAtomic } from "../common.js";
import { defineCommand } from "../command.js";
import { formatCounts } from "../counts.js";
import { pageObjectPeers, SERVE_WEB_FLAGS, serveWebFrom, startPeerPage } from "../serve-web.js";
import { TLS_FLAGS, tlsFrom } from "../tls-flags.js";

export const relay = defineCommand({
  name: "relay",
  summary: [
    "Relay a stream without a tuner: take manifests and encrypted objects from upstream peers, forward only what verifies.",
    "Every manifest is checked against the --trusted-key signers and every object against a verified manifest before it is",
    "stored or served; objects that arrive first wait (bounded) for their manifest. Serves `manifests` (verbatim, only verified",
    "ones) and `chunks` to anyone downstream, late joiners from its window. Needs no stream secret (it checks ciphertext hashes).",
    "All --remote peers are subscribed at once; the first verified copy of each seq is kept; a peer that serves objects a",
    "current manifest refutes is demoted, then dropped after --junk-threshold. Prints this relay's EndpointAddr on stdout.",
    "With no current trusted manifest it serves nothing and says why (log + stats state); it exits 1 only when it can never",
    "serve: the manifest source fails its identity check or does not serve manifests, or every --remote was dropped.",
    "--tls-cert/--tls-key listen with TLS (an ecmoqs:// EndpointAddr) so https pages can connect; --serve-web",
    "serves the browser verifying page pointed at this relay (URL on a second stdout line). ecmoqs:// upstreams",
    "are dialed over wss:// and their certificates checked against Node's CAs (NODE_EXTRA_CA_CERTS adds one).",
  ].join("\n"),
  usage:
    "ec-node relay --stream-id <id> --remote <EndpointAddr>... [--remote-manifests <EndpointAddr>] --trusted-key <hex>... [--listen host:port] [--advertise host:port] [--endpoint-file f] [--stats-json f] [--tls-cert f --tls-key f] [--serve-web [host:]port]",
  flags: {
    "stream-id": { kind: "string", value: "<id>", help: "the stream to relay", required: true },
    remote: { kind: "string", value: "<EndpointAddr>", help: "upstream object peer (a relay or publisher serving chunks); repeat for redundancy", repeatable: true },
    "remote-manifests": { kind: "string", value: "<EndpointAddr>", help: "upstream manifest peer (default: the first --remote)" },
    "trusted-key": { kind: "string", value: "<hex>", help: "leader public key whose manifests are trusted (at least one)", repeatable: true },
    listen: { kind: "string", value: "<host:port>", help: "moq-lite listen address", default: "127.0.0.1:0" },
    advertise: { kind: "string", value: "<host:port>", help: "host:port written into the EndpointAddr (when listening on 0.0.0.0 or behind a port forward)" },
    "endpoint-file": { kind: "string", value: "<path>", help: "also write this relay's EndpointAddr here" },
    "node-key": { kind: "string", value: "<path>", help: "node identity key file (default: a fresh identity each start)" },
    ...TLS_FLAGS,
    ...SERVE_WEB_FLAGS,
    "stats-json": { kind: "string", value: "<path>", help: "counters (state, forwarded, rejected by reason, per upstream), rewritten every second" },
    window: { kind: "int", value: "<groups>", help: "groups kept per track for late joiners", default: 32 },
    "junk-threshold": { kind: "int", value: "<n>", help: "refuted objects from one upstream before it is dropped (the first demotes it)", default: 3 },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "relay");
    const streamId = validateStreamId(flags["stream-id"]);
    const remotes = flags.remote;
    if (remotes.length === 0) throw new UsageError("missing --remote <EndpointAddr>");
    const manifestSource = flags["remote-manifests"] ?? remotes[0]!;
    checkEndpointArgs([...remotes, manifestSource]);
    const trustedKeys = flags["trusted-key"].map(parseTrustedKey);
    // A relay vouches for what it forwards to many subscribers: it never trusts on first use.
    if (trustedKeys.length === 0) throw new UsageError("missing --trusted-key <hex> (the leader's public key; a relay never trusts on first use)");
    const listen = flags.listen;
    const advertise = flags.advertise;
    addrFlag("listen", listen, parseListenAddr);
    addrFlag("advertise", advertise, parseAdvertiseAddr);
    const window = flags.window;
    if (window < 1 || window > 1024) throw new UsageError("--window must be between 1 and 1024");
    const junkThreshold = flags["junk-threshold"];
    if (junkThreshold < 1) throw new UsageError("--junk-threshold must be >= 1");
    const identity = flags["node-key"] ? readKeyFile(flags["node-key"], "node-key") : undefined;
    const statsPath = flags["stats-json"];
    const tls = tlsFrom(flags);
    const web = serveWebFrom(flags);

    const stop = onStopSignal();
    let r: VerifyingRelay;
    try {
      r = await createVerifyingRelay({
        streamId,
        gate: new ObjectGate({ verifier: new ManifestVerifier({ streamId, trustedKeys }) }),
        manifests: manifestSource,
        objects: remotes,
        window: { maxGroups: window },
        dropAfter: junkThreshold,
        listen,
        advertise,
        identity,
        tls,
        log,
      });
    } catch (err) {
      throw new CommandError(`cannot start: ${(err as Error).message}`);
    }
    // The page starts before anything is printed or written: if it cannot, the relay did not start either.
    let page;
    if (web) {
      // The relay re-serves verified manifests and vouched objects: the page takes both from it.
      const config = { streamId, manifestPeer: r.endpoint, objectPeers: pageObjectPeers(r.endpoint, web), trustedKeys: trustedKeys.map(publicKeyToHex) };
      try {
        page = await startPeerPage(web, config, tls, log, advertise);
      } catch (err) {
        await r.close();
        throw err;
      }
    }
    const writeStats = () => {
      if (statsPath) writeFileAtomic(statsPath, JSON.stringify({ endpoint: r.endpoint, ...r.stats, node: r.node.stats }, null, 2) + "\n");
    };
    writeStats();
    const timer = setInterval(writeStats, 1000);
    if (flags["endpoint-file"]) writeFileAtomic(flags["endpoint-file"], r.endpoint + "\n");
    process.stdout.write(r.endpoint + "\n");
    if (page) process.stdout.write(page.url + "\n");
    log.info("relaying", { endpoint: r.endpoint, streamId, manifests: manifestSource, objects: remotes.join(" ") });

    let failed: Error | undefined;
    await Promise.race([
      r.done.catch((err: Error) => {
        failed = err;
      }),
      new Promise<void>((res) => stop.signal.addEventListener("abort", () => res(), { once: true })),
    ]);
    clearInterval(timer);
    writeStats();
    await page?.close();
    await r.close();
    const s = r.stats;
    const summary = { manifestsForwarded: s.manifestsForwarded, objectsForwarded: s.objectsForwarded, rejected: formatCounts(s.gate.objects.rejected) };
    if (failed) {
      log.error("relay stopped", { reason: failed.message, ...summary });
      throw new CommandError(failed.message);
    }
    log.info("stopped", summary);
    return 0;
  },
});

