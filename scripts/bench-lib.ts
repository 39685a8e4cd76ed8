/**
 * The shared bench harness. Every package puts benchmarks in `bench/*.bench.ts`, each
 * exporting `default async function (): Promise<BenchRow[]>`. A row is a figure beside a
 * baseline measured in the same process, so the ratio is what means something across machines.
 * Nothing here judges speed: `pnpm bench` fails only when a benchmark throws.
 */
export interface BenchRow {
  /** What is measured, e.g. "open 2 MiB chunks". */
  name: string;
  /** Our figure. */
  value: number;
  /** Unit of value and baseline, e.g. "MB/s", "ops/s". */
  unit: string;
  /** What the baseline is, e.g. "node:crypto chacha20-poly1305". */
  baselineName?: string;
  baseline?: number;
  /** Goal for value/baseline, printed for the reader; never enforced. */
  goalRatio?: number;
  /** A goal that is not a ratio, e.g. "p99 < 50 ms"; printed for the reader, never enforced. */
  goal?: string;
  note?: string;
  /** Extra figures behind the row (percentiles, counts, samples), kept in the `--json` output. */
  detail?: Record<string, number | string | boolean>;
}

/**
 * True for a shorter run (`pnpm bench --quick` or `EC_BENCH_QUICK=1`): benches that take
 * minutes scale their durations down and say so in their notes.
 */
export function quickRun(): boolean {
  const v = process.env.EC_BENCH_QUICK;
  return v !== undefined && v !== "" && v !== "0";
}

/**
 * The p-th percentile (0..100) of `values` by the nearest-rank method: always one of the
 * measured values, never an interpolation between two. NaN for an empty list.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export interface Measured {
  /** Operations per second. */
  opsPerSec: number;
  /** Megabytes (10^6) per second, when bytesPerOp was given. */
  mbPerSec: number;
  iterations: number;
  elapsedMs: number;
}

/**
 * Runs `fn` repeatedly for at least `minMs` after a short warm-up and reports its rate.
 * `fn` may be sync or async; `bytesPerOp` turns the rate into MB/s.
 */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: { bytesPerOp?: number; minMs?: number; warmupMs?: number } = {},
): Promise<Measured> {
  const minMs = opts.minMs ?? 1000;
  const warmupMs = opts.warmupMs ?? 200;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) await fn();
  let iterations = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    await fn();
    iterations++;
    now = performance.now();
  }
  const elapsedMs = now - start;
  const opsPerSec = (iterations * 1000) / elapsedMs;
  return {
    opsPerSec,
    mbPerSec: opts.bytesPerOp ? (opsPerSec * opts.bytesPerOp) / 1e6 : 0,
    iterations,
    elapsedMs,
  };
}

/** Deterministic pseudo-random bytes (xorshift32) so benches need no entropy and are repeatable. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
