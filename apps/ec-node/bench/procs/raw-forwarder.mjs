// The baseline relay hop: a raw @moq/lite forwarder, none of our code. It subscribes to one of our
// nodes' `chunks` (plain client, resubscribing every 64 groups as our nodes require) and re-publishes
// each frame, as received, to every subscriber of its own raw server: no manifest, no hash check,
// no window store, no identity, no per-peer limits. argv[2] is JSON: { upstreamPort, streamId }.
// Prints {type:"ready", port} once listening and {type:"frame", seq, bytes} per frame forwarded.
import { emit, exitWithParent, publishFrameAt, rawConnect, rawFrames, rawServer } from "./raw-moq.mjs";

const o = JSON.parse(process.argv[2]);
exitWithParent();
const tracks = new Set();
const port = await rawServer(o.streamId, (track) => {
  tracks.add(track);
  void track.closed?.then?.(() => tracks.delete(track), () => tracks.delete(track));
});
emit({ type: "ready", port });
const conn = await rawConnect(o.upstreamPort);
await rawFrames(
  conn,
  o.streamId,
  "chunks",
  (seq, frame) => {
    for (const t of tracks) if (!publishFrameAt(t, seq, frame)) tracks.delete(t);
    emit({ type: "frame", seq, bytes: frame.length });
  },
  () => false,
  64,
);
