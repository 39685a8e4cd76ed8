/**
 * Where a writer starts in a live stream: decided once per epoch from the first verified
 * manifest's window, or from the resume point of a restarted run. I/O-free.
 */
import type { ResumePoint } from "./resume-point.js";

/** The chunk seqs a verified manifest vouches for in `epoch`: `firstSeq..lastSeq`. */
export interface LiveWindow {
  epoch: string;
  firstSeq: number;
  lastSeq: number;
}

/** Where to start, and why. */
export interface StartDecision {
  epoch: string;
  seq: number;
  /** True when `seq` is right after the resume point: the playlist continues with no gap. */
  resumed: boolean;
}

/**
 * The start for a window: the last `backfill` seqs of it (what HLS players like to buffer), or,
 * when `resume` is in the same epoch and its next seq is still in the window (or is the very next
 * one to come), right after it. Pass `resume` only for the first window a run sees.
 * @throws RangeError for a malformed window or backfill < 1.
 */
export function chooseStart(window: LiveWindow, opts: { backfill: number; resume?: ResumePoint }): StartDecision {
  const { epoch, firstSeq, lastSeq } = window;
  if (!Number.isSafeInteger(firstSeq) || !Number.isSafeInteger(lastSeq) || firstSeq < 0 || lastSeq < firstSeq) {
    throw new RangeError(`window must be seqs firstSeq <= lastSeq, got ${String(firstSeq)}..${String(lastSeq)}`);
  }
  if (!Number.isSafeInteger(opts.backfill) || opts.backfill < 1) throw new RangeError("backfill must be an integer >= 1");
  const r = opts.resume;
  if (r && r.epoch === epoch && r.seq + 1 >= firstSeq && r.seq + 1 <= lastSeq + 1) {
    return { epoch, seq: r.seq + 1, resumed: true };
  }
  return { epoch, seq: Math.max(firstSeq, lastSeq - opts.backfill + 1), resumed: false };
}
