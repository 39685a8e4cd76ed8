/**
 * Child process for crash-segment-writer.test.ts: a restartable subscriber's writer. Opens a
 * SegmentWriter on <dir>, starts where chooseStart says (after the resume point, else seq 0), and
 * pushes chunks in a scrambled order (each batch of three backwards), printing
 * `wrote <mediaSequence> <seq>` after each published segment, until the parent SIGKILLs it.
 * Usage: node --import tsx crash-segment-writer.ts <dir>
 */
import { SegmentWriter, chooseStart } from "../src/index.js";
import { CRASH_CHUNK_SCALE, syntheticChunkBytes } from "./helpers/synthetic-ts.js";

const MAX_WRITES = 2000;
const EPOCH = "e1";

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) throw new Error("usage: crash-segment-writer <dir>");
  const writer = await SegmentWriter.open({
    dir,
    streamId: "crash",
    windowSegments: 0,
    onSegment: (s) => process.stdout.write(`wrote ${s.mediaSequence} ${s.seq}\n`),
    onError: (e) => {
      process.stderr.write(`crash-segment-writer: ${e.code}: ${e.message}\n`);
      process.exit(1);
    },
  });
  // A manifest window vouching for everything from 0: start at 0, or right after the resume point.
  const start = chooseStart({ epoch: EPOCH, firstSeq: 0, lastSeq: 1_000_000 }, { backfill: 1_000_001, resume: writer.resumePoint });
  writer.startAt(start.epoch, start.seq);
  process.stdout.write(`start ${start.seq} ${start.resumed}\n`);
  for (let seq = start.seq; seq < start.seq + MAX_WRITES; seq += 3) {
    for (const s of [seq + 2, seq + 1, seq]) {
      writer.push({ seq: s, epoch: EPOCH, firstPts: (s * 180_000) % 2 ** 33, durationTicks: 180_000, bytes: syntheticChunkBytes(s, CRASH_CHUNK_SCALE) });
    }
    await writer.idle();
  }
  await writer.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-segment-writer: ${(err as Error).message}\n`);
  process.exit(1);
});
