import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HlsSink } from "../src/index.js";
import { parseSegmentName } from "../src/segment-name.js";
import { listed, parseWithM3u8Parser } from "./helpers/playlist.js";
import { CRASH_CHUNK_SCALE, checkSyntheticChunk } from "./helpers/synthetic-ts.js";
import { tempDir } from "./helpers/tmp.js";

const PKG = join(import.meta.dirname, "..");
const WRITER = join(import.meta.dirname, "crash-writer.ts");
const ROUNDS = 8;

/** xorshift32: the kill points vary from run to run, and the seed in a failure message replays them. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

interface RoundResult {
  /** The last write the child reported as resolved, if any. */
  lastReported?: { mediaSequence: number; seq: number };
}

/**
 * Starts a writer on `dir` from `firstSeq`, lets it report `writes` resolved writes, waits
 * `delayMs` more (so the kill lands anywhere inside the next write), then SIGKILLs it.
 */
async function runAndKill(dir: string, firstSeq: number, writes: number, delayMs: number): Promise<RoundResult> {
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, dir, String(firstSeq)], {
    cwd: PKG,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const result: RoundResult = {};
  let stderr = "";
  let buffered = "";
  let reported = 0;
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^wrote (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        result.lastReported = { mediaSequence: Number(m[1]), seq: Number(m[2]) };
        if (++reported === writes) {
          setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
          }, delayMs);
        }
      }
    });
    void exited.then((code) => reject(new Error(`writer exited by itself (code ${code}): ${stderr}`)));
  });
  await exited;
  return result;
}

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
        const { lastReported } = await runAndKill(dir, firstSeq, writes, delayMs);
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
