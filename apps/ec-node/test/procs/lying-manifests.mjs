// A lying manifest peer, built on the BUILT @ec/moq-transport and @ec/manifest: it subscribes to
// an honest leader's `manifests` and re-serves them per --mode. Prints its EndpointAddr on stdout.
//
//   node lying-manifests.mjs --upstream <EndpointAddr> --stream-id <id> --mode <mode> --key-file <path>
//
// --key-file (from `ec-node keygen`) is the key it signs forgeries with: another key (untrusted) or, to model a
// leader's own key misused or old signed material, the trusted one.
// modes:
//   untrusted     every manifest re-signed with --key (not the pinned one)
//   expired       every manifest re-signed with --key, issued 10 min ago, expired 5 min ago
//   replay        the first manifest received, served again at every later group
//   fork          each honest manifest, then a second one for the same seq with other entries
//   broken-chain  honest manifests, every other one re-signed with a wrong prevHash
//   stale         honest manifests until the first, then that window re-signed with seq+1, never advancing
//   previous-run  the leader's previous run replayed (signed with --key, still unexpired): another epoch, issued a
//                 minute ago, vouching for other objects at the same seqs (other hashes; odd seqs 1 byte smaller);
//                 with --switch-after <n>, honest manifests after the first n
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { MoqNode, subscribeTrack } from "@ec/moq-transport";
import { decodeKeyFile, decodeManifest, signManifest } from "@ec/manifest";

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const streamId = args.get("stream-id");
const mode = args.get("mode");
const upstream = args.get("upstream");
const MODES = ["untrusted", "expired", "replay", "fork", "broken-chain", "stale", "previous-run"];
const switchAfter = args.has("switch-after") ? Number(args.get("switch-after")) : Infinity;
if (!streamId || !upstream || !MODES.includes(mode) || !args.get("key-file")) {
  process.stderr.write(`lying-manifests: need --upstream, --stream-id, --key-file <path> and --mode (${MODES.join("|")})\n`);
  process.exit(2);
}
const key = decodeKeyFile(readFileSync(args.get("key-file"), "utf8"));

const node = await MoqNode.listen({ listen: "127.0.0.1:0" });
const server = node.serve(streamId, { chunks: false, manifests: true, window: { maxGroups: 64 } });
process.stdout.write(node.endpoint + "\n");
const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { stop.abort(); void node.close().finally(() => process.exit(0)); });

const bodyOf = (m) => ({ streamId: m.streamId, epoch: m.epoch, seq: m.seq, prevHash: m.prevHash, issuedAtMs: m.issuedAtMs, expiresAtMs: m.expiresAtMs, entries: m.entries });
// What it serves goes out one group every 150 ms, starting once someone subscribes: the lie is
// paced like a live leader whatever the timing of the processes around it.
let group = 0;
const queue = [];
const publish = (bytes) => queue.push(bytes);
void (async () => {
  while (node.stats.subscriptions === 0) await new Promise((r) => setTimeout(r, 50));
  for (;;) {
    const next = queue.shift();
    if (next) server.publish("manifests", group++, next);
    await new Promise((r) => setTimeout(r, 150));
  }
})();
let first;
let staleHead;
let previous;
let seen = 0;
try {
  for await (const { bytes } of subscribeTrack({ remote: upstream, streamId, track: "manifests", fromSeq: 0, signal: stop.signal })) {
    const m = decodeManifest(bytes);
    first ??= bytes;
    switch (mode) {
      case "untrusted":
        publish(signManifest(bodyOf(m), key).bytes);
        break;
      case "expired": {
        const now = Date.now();
        publish(signManifest({ ...bodyOf(m), issuedAtMs: now - 600_000, expiresAtMs: now - 300_000 }, key).bytes);
        break;
      }
      case "replay":
        publish(first);
        break;
      case "fork": {
        publish(bytes);
        const entries = m.entries.map((e) => ({ ...e, objectHash: new Uint8Array(randomBytes(32)) }));
        // Queued after the honest one it contradicts, so it lands second.
        publish(signManifest({ ...bodyOf(m), entries }, key).bytes);
        break;
      }
      case "broken-chain":
        publish(m.seq % 2 === 1 ? signManifest({ ...bodyOf(m), prevHash: new Uint8Array(randomBytes(32)) }, key).bytes : bytes);
        break;
      case "previous-run": {
        if (++seen > switchAfter) {
          publish(bytes);
          break;
        }
        // What the previous run vouched for at the same seqs: the same entry every time a seq is listed.
        const entries = m.entries.map((e) => ({
          ...e,
          objectHash: new Uint8Array(createHash("sha256").update(`previous-run ${e.seq}`).digest()),
          objectSize: e.seq % 2 === 1 ? e.objectSize - 1 : e.objectSize,
        }));
        const issuedAtMs = m.issuedAtMs - 60_000;
        previous = signManifest({ ...bodyOf(m), epoch: `prev-${m.epoch}`.slice(0, 64), prevHash: previous?.hash ?? m.prevHash, issuedAtMs, expiresAtMs: issuedAtMs + 110_000, entries }, key);
        publish(previous.bytes);
        break;
      }
      case "stale": {
        if (!staleHead) {
          staleHead = m;
          publish(bytes);
        } else {
          const now = Date.now();
          staleHead = signManifest({ ...bodyOf(staleHead), seq: staleHead.seq + 1, prevHash: staleHead.hash, issuedAtMs: now, expiresAtMs: now + 120_000 }, key);
          publish(staleHead.bytes);
        }
        break;
      }
    }
  }
} catch (err) {
  if (!stop.signal.aborted) process.stderr.write(`lying-manifests: upstream failed: ${err.message}\n`);
}
await new Promise(() => {});
