import { ptsAdd, ptsDistance } from "./timestamps.js";

/** What the sink remembers about the last chunk it wrote, to judge whether the next one follows on. */
export interface ContinuityPoint {
  /** seq of the last chunk written. */
  lastSeq: number;
  /** Where the next chunk's firstPts should be: last firstPts + durationTicks, mod 2^33. */
  nextPts: number;
}

/** The point after writing `chunk`. */
export function continuityAfter(chunk: { seq: number; firstPts: number; durationTicks: number }): ContinuityPoint {
  return { lastSeq: chunk.seq, nextPts: ptsAdd(chunk.firstPts, chunk.durationTicks) };
}

/**
 * Whether a chunk breaks continuity with `prev`: its seq is not `prev.lastSeq + 1`, or its
 * firstPts is further than `toleranceTicks` (either way, across the 2^33 wrap) from where the
 * previous chunk ended. Either means a player must reset its decoder timeline.
 */
export function breaksContinuity(
  prev: ContinuityPoint,
  chunk: { seq: number; firstPts: number },
  toleranceTicks: number,
): boolean {
  if (chunk.seq !== prev.lastSeq + 1) return true;
  return Math.abs(ptsDistance(prev.nextPts, chunk.firstPts)) > toleranceTicks;
}
