// The baseline subscriber: one raw @moq/lite client, none of our code (no identity check, no
// manifests, no hash check, no decryption, no HLS). argv[2] is JSON:
//   { port, streamId, track, mode: "write", outDir, frames }  write each frame to outDir/<seq>.bin
//       (plain writeFile: no fsync, no rename) and print {type:"done", frames, bytes} after `frames`.
//   { port, streamId, track, mode: "stamp" }  print {type:"frame", seq, bytes} as each frame arrives.
//   { port, streamId, track, mode: "first" }  print {type:"first", seq, bytes} on the first frame, exit.
// Every record carries ts = Date.now() on arrival. `rotateAfter: 64` when the peer is one of our
// nodes (they end each subscription after 64 groups; see raw-moq.mjs).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { emit, exitWithParent, rawConnect, rawFrames } from "./raw-moq.mjs";

const o = JSON.parse(process.argv[2]);
exitWithParent();
const conn = await rawConnect(o.port);
emit({ type: "connected" });
let frames = 0;
let bytes = 0;
await rawFrames(
  conn,
  o.streamId,
  o.track,
  async (seq, frame) => {
    frames++;
    bytes += frame.length;
    if (o.mode === "first") {
      emit({ type: "first", seq, bytes: frame.length });
      process.exit(0);
    } else if (o.mode === "stamp") {
      emit({ type: "frame", seq, bytes: frame.length });
    } else {
      await writeFile(join(o.outDir, `${seq}.bin`), frame);
      if (frames >= o.frames) {
        emit({ type: "done", frames, bytes });
        process.exit(0);
      }
    }
  },
  () => false,
  o.rotateAfter ?? Infinity,
);
