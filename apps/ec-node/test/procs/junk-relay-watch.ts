/**
 * A hostile availability relay for the watch E2E: it serves the stream's `chunks` track with the
 * right seqs and sizes but random bytes, mirrored from an honest relay so its window covers exactly
 * the seqs the leader's manifests vouch for. A subscriber must reject every one (hash-mismatch),
 * drop this peer and fail over; the watch page must show it.
 *
 *     node --import tsx junk-relay-watch.ts <upstream EndpointAddr> <stream id>
 *
 * Prints its own EndpointAddr on stdout; runs until SIGTERM/SIGINT.
 */
import { randomBytes } from "node:crypto";
import { MoqNode, subscribeTrack } from "@ec/moq-transport";

const [upstream, streamId] = process.argv.slice(2);
if (!upstream || !streamId) {
  process.stderr.write("usage: junk-relay-watch <upstream EndpointAddr> <stream id>\n");
  process.exit(2);
}

const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());
process.once("SIGINT", () => stop.abort());

const node = await MoqNode.listen({ listen: "127.0.0.1:0" });
const served = node.serve(streamId, { manifests: false, chunks: true, window: { maxGroups: 64 } });
process.stdout.write(node.endpoint + "\n");

let junk = 0;
try {
  for await (const { seq, bytes } of subscribeTrack({
    remote: upstream,
    streamId,
    track: "chunks",
    fromSeq: 0,
    signal: stop.signal,
    reconnect: { minDelayMs: 100, maxDelayMs: 1000 },
  })) {
    // Same seq, same size, wrong bytes: only the manifest's hash can tell.
    served.publish("chunks", seq, randomBytes(bytes.length));
    junk++;
  }
} catch (err) {
  if (!stop.signal.aborted) process.stderr.write(`junk-relay-watch: upstream failed: ${(err as Error).message}\n`);
}
await new Promise<void>((r) => (stop.signal.aborted ? r() : stop.signal.addEventListener("abort", () => r(), { once: true })));
process.stderr.write(`junk-relay-watch: served ${junk} junk objects\n`);
await node.close();
process.exit(0);
