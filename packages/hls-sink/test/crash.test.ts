import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HlsSink } from "../src/index.js";
import { parseSegmentName } from "../src/segment-name.js";
import { listed, parseWithM3u8Parser } from "./helpers/playlist.js";
import { CRASH_CHUNK_SCALE, checkSyntheticChunk } from "./helpers/synthetic-ts.js";
import { rng, runAndKill } from "./helpers/kill-child.js";
import { tempDir } from "./helpers/tmp.js";

const WRITER = join(import.meta.dirname, "crash-writer.ts");
const ROUNDS = 8;

/**
 * What a reader may rely on at any instant: the playlist parses; every segment it names exists,
 * is complete and is the chunk the numbering says; no temp file is named; and every file with a
 * segment name is complete (only whole files are ever renamed in).
 */
async function checkConsistent(dir: string, context: string): Promise<{ lastListed: number; lastSeq: number }> {
  const files = await readdir(dir);
  expect(files, context).toContain("index.m3u8");
  const m = await parseWithM3u8Parser(join(dir, "index.m3u8"));
  const uris = listed(m);
  expect(uris.length, context).toBeGreaterThan(0);
  let prevSeq = -1;
  for (const [i, uri] of uris.entries()) {
    expect(parseSegmentName(uri), `${context}: ${uri}`).toBe(m.mediaSequence! + i);
    expect(files, `${context}: ${uri} listed but missing`).toContain(uri);
    const got = checkSyntheticChunk(new Uint8Array(await readFile(join(dir, uri))), CRASH_CHUNK_SCALE);
    expect(got, `${context}: ${uri}`).toHaveProperty("seq");
    const seq = (got as { seq: number }).seq;
    expect(seq, `${context}: seq order at ${uri}`).toBeGreaterThan(prevSeq);
    prevSeq = seq;
  }
  for (const f of files) {
    if (parseSegmentName(f) === undefined) continue;
    const got = checkSyntheticChunk(new Uint8Array(await readFile(join(dir, f))), CRASH_CHUNK_SCALE);
    expect(got, `${context}: unlisted ${f} is incomplete`).toHaveProperty("seq");
  }
  return { lastListed: m.mediaSequence! + uris.length - 1, lastSeq: prevSeq };
}

describe("crash consistency", () => {
  it("SIGKILL at random points never leaves a playlist and files that disagree", async () => {
    const seed = Number(process.env.HLS_SINK_CRASH_SEED ?? Date.now() % 0xffff_ffff);
    const random = rng(seed);
    const { path: dir, cleanup } = await tempDir("hls-sink-crash-");
    try {
      let nextSeq = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const context = `seed ${seed}, round ${round}`;
        const writes = 1 + Math.floor(random() * 6);
        const delayMs = Math.floor(random() * 20);
        // Every third restart skips some seqs, so restarts with and without a gap are both covered.
        const firstSeq = round % 3 === 2 ? nextSeq + 7 : nextSeq;
        const { lastReported } = await runAndKill(WRITER, [dir, String(firstSeq)], writes, delayMs);
        const { lastListed, lastSeq } = await checkConsistent(dir, context);
        if (process.env.HLS_SINK_CRASH_DEBUG) console.log(context, writes, delayMs, lastReported, lastListed, await readdir(dir));
        // A write that resolved is published; at most the one in flight got further.
        expect(lastReported, context).toBeDefined();
        expect(lastListed, context).toBeGreaterThanOrEqual(lastReported!.mediaSequence);
        expect(lastListed, context).toBeLessThanOrEqual(lastReported!.mediaSequence + 1);
        nextSeq = lastSeq + 1;
      }

      // A final open cleans up after the last crash and continues the sequence.
      const before = await checkConsistent(dir, `seed ${seed}, final`);
      const sink = await HlsSink.open({ dir, windowSegments: 5 });
      const left = await readdir(dir);
      expect(left.filter((f) => f.endsWith(".tmp")), `seed ${seed}`).toEqual([]);
      expect(
        left.filter((f) => (parseSegmentName(f) ?? -1) > before.lastListed),
        `seed ${seed}: orphan segments survived open`,
      ).toEqual([]);
      await sink.close();
      const m = await parseWithM3u8Parser(join(dir, "index.m3u8"));
      expect(m.endList).toBe(true);
      expect(parseSegmentName(listed(m).at(-1)!)).toBe(before.lastListed);
    } finally {
      await cleanup();
    }
  });
});
