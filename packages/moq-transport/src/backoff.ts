/**
 * The package's one sleep and one backoff rule. Every wait is interruptible by an AbortSignal
 * (so a shutdown or a `restart()` never waits out a delay), and every retry delay has jitter (so
 * many subscribers that lost the same relay do not come back in lockstep).
 */

/** Thrown by {@link sleep} when its signal aborts. */
export class Aborted extends Error {
  constructor() {
    super("aborted");
    this.name = "Aborted";
  }
}

/** Waits `ms`; rejects with {@link Aborted} as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Aborted());
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(new Aborted());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => undefined);
}

/** Exponential backoff: `minMs · 2^(attempt-1)`, capped at `maxMs`. */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Extra random delay, as a fraction of the delay (default 0.25: up to +25 %). */
  jitter?: number;
}

/**
 * The delay before retry number `attempt` (1 = the first retry), jittered upwards.
 * `random` is injectable for tests.
 */
export function backoffDelay(attempt: number, p: BackoffPolicy, random: () => number = Math.random): number {
  const min = Math.max(1, p.minMs);
  const base = Math.min(min * 2 ** Math.max(0, attempt - 1), Math.max(min, p.maxMs));
  return Math.round(base + base * (p.jitter ?? 0.25) * random());
}
