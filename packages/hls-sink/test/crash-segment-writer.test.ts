import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listed, parseWithM3u8Parser } from "./helpers/playlist.js";
import { rng, runAndKill } from "./helpers/kill-child.js";
import { CRASH_CHUNK_SCALE, checkSyntheticChunk } from "./helpers/synthetic-ts.js";
import { tempDir } from "./helpers/tmp.js";

const WRITER = join(import.meta.dirname, "crash-segment-writer.ts");
const ROUNDS = 8;

/** Per listed segment: the chunk seq it holds and whether a discontinuity precedes it. */
async function playlistSeqs(dir: string, context: string): Promise<Array<[number, boolean]>> {
  const m = await parseWithM3u8Parser(join(dir, "index.m3u8"));
  const out: Array<[number, boolean]> = [];
  for (const [i, s] of m.segments.entries()) {
    expect(s.uri, context).toBe(listed(m)[i]);
    const got = checkSyntheticChunk(new Uint8Array(await readFile(join(dir, s.uri))), CRASH_CHUNK_SCALE);
    if ("error" in got) throw new Error(`${context}: ${s.uri}: ${got.error}`);
    out.push([got.seq, s.discontinuity === true]);
  }
  return out;
}

describe("SegmentWriter crash and restart", () => {
  it("SIGKILL at random points, then a restart on the same directory: every seq once, in order, no discontinuity", async () => {
    const seed = Number(process.env.HLS_SINK_CRASH_SEED ?? Date.now() % 0xffff_ffff);
    const random = rng(seed);
    const { path: dir, cleanup } = await tempDir("hls-writer-crash-");
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const context = `seed ${seed}, round ${round}`;
        const { lastReported } = await runAndKill(WRITER, [dir], 1 + Math.floor(random() * 6), Math.floor(random() * 20));
        const seqs = await playlistSeqs(dir, context);
        // Resumed exactly after every kill, wherever it landed (even between the resume record and
        // the playlist): the playlist is 0, 1, 2, ... with no gap, no repeat, no discontinuity.
        expect(seqs, context).toEqual(seqs.map((_, i) => [i, false]));
        // A segment reported written is listed; at most the one in flight got further.
        expect(seqs.length - 1, context).toBeGreaterThanOrEqual(lastReported!.seq);
        expect(seqs.length - 1, context).toBeLessThanOrEqual(lastReported!.seq + 1);
      }
    } finally {
      await cleanup();
    }
  });
});
