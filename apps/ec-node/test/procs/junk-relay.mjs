// A hostile availability relay, built on the BUILT @ec/moq-transport: it subscribes to an honest
// relay's `chunks` and re-serves every object mutated per --mode. Prints its EndpointAddr on stdout.
//
//   node junk-relay.mjs --upstream <EndpointAddr> --stream-id <id> --mode <mode>
//        [--upstream-stream <id>] [--oversize-bytes <n>]
//
// modes: flip (one bit flipped), truncate (last 100 bytes cut), pad (64 bytes appended),
//   other-stream (objects of --upstream-stream served under --stream-id), other-seq (seq s carries
//   the object of s+1), replay (seq s carries the old object of seq s-2), random (random bytes of
//   the right length), oversize (a frame of --oversize-bytes).
import { randomBytes } from "node:crypto";
import { MoqNode, subscribeTrack } from "@ec/moq-transport";

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const streamId = args.get("stream-id");
const mode = args.get("mode");
const upstream = args.get("upstream");
const upstreamStream = args.get("upstream-stream") ?? streamId;
const oversizeBytes = Number(args.get("oversize-bytes") ?? 2 * 1024 * 1024);
const MODES = ["flip", "truncate", "pad", "other-stream", "other-seq", "replay", "random", "oversize", "unvouched"];
const floodCount = Number(args.get("flood-count") ?? 100);
const floodBytes = Number(args.get("flood-bytes") ?? 64 * 1024);
let floodSeq = 100_000;
if (!streamId || !upstream || !MODES.includes(mode)) {
  process.stderr.write(`junk-relay: need --upstream, --stream-id and --mode (${MODES.join("|")})\n`);
  process.exit(2);
}

const node = await MoqNode.listen({ listen: "127.0.0.1:0" });
const server = node.serve(streamId, { chunks: true, manifests: false, window: { maxGroups: 64 } });
process.stdout.write(node.endpoint + "\n");

const stop = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { stop.abort(); void node.close().finally(() => process.exit(0)); });

const seen = new Map();
let served = 0;
const publish = (seq, bytes) => {
  if (server.publish("chunks", seq, bytes)) served++;
};
try {
  for await (const { seq, bytes } of subscribeTrack({ remote: upstream, streamId: upstreamStream, track: "chunks", fromSeq: 0, signal: stop.signal })) {
    seen.set(seq, bytes);
    switch (mode) {
      case "flip": {
        const b = bytes.slice();
        b[b.length >> 1] ^= 0x10;
        publish(seq, b);
        break;
      }
      case "truncate":
        publish(seq, bytes.slice(0, Math.max(1, bytes.length - 100)));
        break;
      case "pad": {
        const b = new Uint8Array(bytes.length + 64);
        b.set(bytes);
        publish(seq, b);
        break;
      }
      case "other-stream":
        publish(seq, bytes);
        break;
      case "other-seq":
        // The object of seq s goes out as s - 1: a real object, at the wrong place.
        if (seq > 0) publish(seq - 1, bytes);
        break;
      case "replay": {
        const old = seen.get(seq - 2);
        if (old) publish(seq, old);
        break;
      }
      case "random":
        publish(seq, new Uint8Array(randomBytes(bytes.length)));
        break;
      case "oversize":
        publish(seq, new Uint8Array(oversizeBytes));
        break;
      case "unvouched":
        for (let i = 0; i < floodCount; i++) publish(floodSeq++, new Uint8Array(randomBytes(floodBytes)));
        break;
    }
    process.stderr.write(`junk-relay ${mode}: seq ${seq} served ${served}\n`);
  }
} catch (err) {
  if (!stop.signal.aborted) process.stderr.write(`junk-relay: upstream failed: ${err.message}\n`);
}
// Keep serving the window until killed.
await new Promise(() => {});
