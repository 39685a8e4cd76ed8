// The baseline publisher: raw @moq/lite, no chunking, no crypto, no manifests, no window store.
// argv[2] is JSON, one of:
//   { mode: "file", streamId, file, frameBytes }  on the first subscription, read `file` and publish
//       it as fast as possible in groups of one `frameBytes` frame (the last one shorter).
//   { mode: "paced", streamId, frameBytes, intervalMs }  after a "go" line on stdin, every intervalMs,
//       one frame of frameBytes to every subscribed track (a live stream at frameBytes / intervalMs);
//       prints {type:"first"} with the first frame.
// Prints {type:"ready", port}, then for "file" {type:"start"} and {type:"published", frames, bytes}.
import { createReadStream } from "node:fs";
import { emit, exitWithParent, publishFrame, rawServer } from "./raw-moq.mjs";

const o = JSON.parse(process.argv[2]);
exitWithParent();
const tracks = new Set();

if (o.mode === "file") {
  let started = false;
  const port = await rawServer(o.streamId, (track) => {
    tracks.add(track);
    if (started) return;
    started = true;
    void pump().catch((err) => {
      emit({ type: "error", message: String(err?.message ?? err) });
      process.exit(1);
    });
  });
  emit({ type: "ready", port });

  async function pump() {
    emit({ type: "start" });
    let frames = 0;
    let bytes = 0;
    // Pieces are gathered and copied once per frame, as the chunker copies each byte once.
    let pieces = [];
    let have = 0;
    const send = (frame) => {
      for (const t of tracks) publishFrame(t, frame);
      frames++;
      bytes += frame.length;
    };
    // The same read size as the publisher's file source (apps/publisher: 256 KiB).
    for await (const piece of createReadStream(o.file, { highWaterMark: 256 * 1024 })) {
      pieces.push(piece);
      have += piece.length;
      if (have < o.frameBytes) continue;
      let buf = Buffer.concat(pieces, have);
      while (buf.length >= o.frameBytes) {
        send(buf.subarray(0, o.frameBytes));
        buf = buf.subarray(o.frameBytes);
      }
      pieces = buf.length ? [buf] : [];
      have = buf.length;
    }
    if (have) send(Buffer.concat(pieces, have));
    emit({ type: "published", frames, bytes });
  }
} else if (o.mode === "paced") {
  const frame = new Uint8Array(o.frameBytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < frame.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    frame[i] = x & 0xff;
  }
  const port = await rawServer(o.streamId, (track) => tracks.add(track));
  const tick = () => {
    for (const t of tracks) if (!publishFrame(t, frame)) tracks.delete(t);
  };
  let going = false;
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => {
    if (going || !d.includes("go")) return;
    going = true;
    tick();
    emit({ type: "first" });
    setInterval(tick, o.intervalMs);
  });
  emit({ type: "ready", port });
} else {
  emit({ type: "error", message: `unknown mode ${o.mode}` });
  process.exit(2);
}
