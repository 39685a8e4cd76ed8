/**
 * Not a bench (not run by scripts/bench.ts): `SegmentWriter` per-segment latency of two versions of
 * @ec/hls-sink in one process, interleaved segment by segment, so both see the same moments of a
 * shared disk (whose fsync times swing by 2-3x between runs minutes apart). Used for round 2's
 * before/after (docs/PERFORMANCE.md):
 *   pnpm tsx apps/ec-node/bench/hls-sink-ab.mts <old-commit> [segments=150] [bytes=261320] [paceMs=0]
 * With paceMs (e.g. 250), a pair of segments starts every paceMs, as a live subscriber writes them
 * (and both writers commit at most once a second, as the subscriber does); with 0, back to back.
 * The old version's src is taken from git and bundled with esbuild into a temp dir; the new one
 * is the working tree's src.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { importPackageVersions } from "./lib/package-versions.js";

const [oldCommit, nArg, sizeArg, paceArg] = process.argv.slice(2);
if (!oldCommit) {
  console.error("usage: hls-sink-ab.mts <old-commit> [segments] [bytes]");
  process.exit(2);
}
const N = Number(nArg ?? 150);
const SIZE = Number(sizeArg ?? 188 * 1390);
const PACE_MS = Number(paceArg ?? 0);
if (!(N > 0) || !(SIZE > 0) || SIZE % 188 !== 0 || !(PACE_MS >= 0)) {
  console.error("segments must be > 0, bytes a positive multiple of 188, paceMs >= 0");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "hls-ab-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));

type Sink = typeof import("../../../packages/hls-sink/src/index.js");
const { Old, New } = await importPackageVersions<Sink>("hls-sink", oldCommit, work);

const bytes = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 188) bytes[i] = 0x47;

async function writer(mod: typeof New) {
  const dir = mkdtempSync(join(work, "out-"));
  let written: () => void = () => {};
  const w = await mod.SegmentWriter.open({
    dir,
    streamId: "ab",
    windowSegments: 6,
    ...(PACE_MS > 0 ? { commitIntervalMs: 1000 } : {}),
    onSegment: () => written(),
    onError: (e: Error) => {
      console.error(`writer failed: ${e.message}`);
      process.exit(1);
    },
  });
  w.startAt("e", 0);
  let seq = 0;
  return {
    w,
    async one(): Promise<number> {
      const done = new Promise<void>((r) => (written = r));
      const t0 = performance.now();
      w.push({ seq, epoch: "e", firstPts: seq * 22_500, durationTicks: 22_500, bytes });
      seq++;
      // A timer keeps the loop alive while the write is pending (and names a stuck write).
      let t: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((_, j) => (t = setTimeout(() => j(new Error(`segment ${seq - 1} not written in 30 s`)), 30_000)))]);
      clearTimeout(t);
      return performance.now() - t0;
    },
  };
}

const a = await writer(Old);
const b = await writer(New);
const ta: number[] = [];
const tb: number[] = [];
const start = performance.now();
for (let i = 0; i < N; i++) {
  const wait = start + i * PACE_MS - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  // Alternate which goes first, so neither always follows the other's sync.
  if (i % 2) {
    ta.push(await a.one());
    tb.push(await b.one());
  } else {
    tb.push(await b.one());
    ta.push(await a.one());
  }
}
await a.w.close();
await b.w.close();
const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const f = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(2)}  p90 ${pct(xs, 90).toFixed(2)}  p99 ${pct(xs, 99).toFixed(2)} ms`;
console.log(`${N} segments of ${SIZE} bytes, load average ${loadavg()[0]!.toFixed(2)}`);
console.log(`old (${oldCommit}): ${f(ta)}`);
console.log(`new (working tree): ${f(tb)}`);
console.log(`max: old ${Math.max(...ta).toFixed(1)} ms, new ${Math.max(...tb).toFixed(1)} ms`);
