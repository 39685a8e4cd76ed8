/** Time for {@link SegmentWriter}: the system clock by default, a manual one in tests. */
export interface WriterClock {
  /** Milliseconds on a monotonic clock, for gap timeouts (`performance.now` by default). */
  now(): number;
  /** Calls `fn` once after `delayMs`; returns a function that cancels it. */
  setTimer(delayMs: number, fn: () => void): () => void;
}

/** `performance.now` and `setTimeout`; the timer does not keep the process alive. */
export const systemClock: WriterClock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    (t as { unref?: () => void }).unref?.();
    return () => clearTimeout(t);
  },
};
