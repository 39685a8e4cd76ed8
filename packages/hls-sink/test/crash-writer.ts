/**
 * Child process for crash.test.ts: opens (or continues) an HLS directory and writes synthetic
 * chunks as fast as it can, printing `wrote <mediaSequence> <seq>` after each write resolves,
 * until the parent SIGKILLs it. Bounded so a lost parent cannot leave it running for long.
 * Usage: node --import tsx crash-writer.ts <dir> <firstSeq>
 */
import { HlsSink } from "../src/index.js";
import { CRASH_CHUNK_SCALE, syntheticChunkBytes } from "./helpers/synthetic-ts.js";
const MAX_WRITES = 2000;

async function main(): Promise<void> {
  const [dir, first] = process.argv.slice(2);
  if (!dir || first === undefined) throw new Error("usage: crash-writer <dir> <firstSeq>");
  const sink = await HlsSink.open({ dir, windowSegments: 5, retainRemovedSegments: 2 });
  process.stdout.write("open\n");
  for (let seq = Number(first), n = 0; n < MAX_WRITES; seq++, n++) {
    const r = await sink.write({
      seq,
      firstPts: (seq * 180_000) % 2 ** 33,
      durationTicks: 180_000,
      bytes: syntheticChunkBytes(seq, CRASH_CHUNK_SCALE),
    });
    process.stdout.write(`wrote ${r.mediaSequence} ${seq}\n`);
  }
  await sink.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-writer: ${(err as Error).message}\n`);
  process.exit(1);
});
