/**
 * Replays chunks on the wall clock: chunk n is released once the media time of chunks
 * 0..n-1 (the sum of their durations) has elapsed since chunk 0 was released. Used to publish
 * a recording as if it were live.
 */
import { TICKS_PER_SECOND } from "@ec/stream-rules";
import type { TsChunk } from "./ts-chunker.js";

/** Options of `pacedChunks`. */
export interface PacedChunksOptions {
  /** Media seconds per wall-clock second: 1 = real time, 10 = ten times faster. Default 1. */
  speed?: number;
  /** Stops waiting and ends the generator by throwing the signal's reason. */
  signal?: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Releases each chunk when its media time has elapsed on the wall clock since the first one. */
export async function* pacedChunks(
  chunks: AsyncIterable<TsChunk>,
  opts: PacedChunksOptions = {},
): AsyncGenerator<TsChunk, void, undefined> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
  const signal = opts.signal;
  let startMs = -1;
  let mediaTicks = 0;
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    if (startMs < 0) {
      startMs = performance.now();
    } else {
      const dueMs = startMs + (mediaTicks * 1000) / TICKS_PER_SECOND / speed;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) await sleep(waitMs, signal);
    }
    yield chunk;
    mediaTicks += chunk.durationTicks;
  }
}
