/**
 * Puts chunks back in sequence order before they become HLS segments. I/O-free (no timers, no
 * Node built-ins): the caller passes the time to every call that needs it, so a test drives it
 * with a fake clock and {@link SegmentWriter} drives it with one timer set for
 * {@link SegmentOrderer.nextDeadline}.
 *
 * Objects can arrive out of order (a late manifest releases several at once; a failover replays a
 * window). The owner says where the stream starts ({@link SegmentOrderer.startAt}: the first
 * manifest's backfill decision, or the resume point of a restarted run); the orderer then waits
 * for exactly that seq. A missing seq is waited for up to `gapTimeoutMs` (from the moment a later
 * chunk is held), or until `maxBuffered` later chunks pile up, then skipped: the next released
 * chunk is marked as a discontinuity. Chunks below the write position are refused. A chunk of a
 * new epoch starts a new sequence (with a discontinuity); an epoch once left never comes back.
 */

/** A verified, decrypted chunk as the orderer takes it. */
export interface OrderedChunk {
  /** Sequence number within `epoch`. */
  seq: number;
  /** The capture run the seq belongs to (the manifest epoch). */
  epoch: string;
  /** PTS of the first frame, 90 kHz, in [0, 2^33). */
  firstPts: number;
  /** Media duration, 90 kHz ticks, > 0. */
  durationTicks: number;
  /** Whole MPEG-TS packets; must not be modified until written. */
  bytes: Uint8Array;
  /** Wall clock of the chunk start, ms since the Unix epoch (the sink's `#EXT-X-PROGRAM-DATE-TIME`); default: when written. */
  programDateTimeMs?: number;
  /**
   * Called by SegmentWriter once it no longer reads `bytes`, e.g. to give their memory back to a
   * pool: after the chunk's segment is written (or its write failed), or at once when the chunk
   * is refused (duplicate, late, old epoch, writer closed or failed). A chunk dropped unwritten
   * (discarded behind a gap at close, left by an epoch change) is not released: its memory goes
   * to the garbage collector. The orderer itself never calls it.
   */
  release?: () => void;
}

/** A chunk the orderer released for writing, in order. */
export interface ReleasedChunk extends OrderedChunk {
  /** True when a skipped gap or an epoch change precedes this chunk. */
  discontinuity: boolean;
}

/**
 * What {@link SegmentOrderer.add} did with a chunk:
 * - `accepted`: taken; it is released once every seq before it is released or skipped.
 * - `duplicate`: that seq of that epoch is already held or was already released.
 * - `late`: below the write position but never released: before the start, or in a gap that
 *   was already skipped.
 * - `old-epoch`: from an epoch the orderer has left (epochs never come back).
 */
export type OfferVerdict = "accepted" | "duplicate" | "late" | "old-epoch";

/** A run of seqs given up on by {@link SegmentOrderer.release} or jumped over by {@link SegmentOrderer.startAt}. */
export interface SkippedGap {
  epoch: string;
  /** The first missing seq. */
  from: number;
  /** The seq released after the gap (exclusive end of the gap). */
  to: number;
}

export interface SegmentOrdererOptions {
  /** How long to wait for a missing seq (ms), counted from when a later chunk is held. */
  gapTimeoutMs: number;
  /** Held chunks at which a missing seq is skipped at once. At least 1. */
  maxBuffered: number;
}

// Epochs remembered as left, so a straggler of an old capture cannot switch the writer back.
const LEFT_EPOCHS_KEPT = 16;
// Skipped ranges remembered per epoch, only to tell `late` from `duplicate`.
const SKIPPED_RANGES_KEPT = 64;

export class SegmentOrderer {
  readonly #gapTimeoutMs: number;
  readonly #maxBuffered: number;
  #epoch: string | undefined;
  /** The next seq to release; undefined until the start is known. */
  #next: number | undefined;
  /** First seq of the current epoch's run (below it: `late`). */
  #start: number | undefined;
  readonly #held = new Map<number, OrderedChunk>();
  /** When the current wait began (for a missing seq, or for an unknown start). */
  #waitingSince: number | undefined;
  #pendingDiscontinuity = false;
  /** Whether anything was released in the current epoch. */
  #releasedInEpoch = false;
  /** Whether anything was released at all (an epoch change then needs a discontinuity). */
  #releasedEver = false;
  readonly #leftEpochs: string[] = [];
  #skipped: Array<[from: number, to: number]> = [];
  #gaps: SkippedGap[] = [];

  constructor(opts: SegmentOrdererOptions) {
    if (!Number.isFinite(opts.gapTimeoutMs) || opts.gapTimeoutMs < 0) throw new RangeError("gapTimeoutMs must be a number >= 0");
    if (!Number.isSafeInteger(opts.maxBuffered) || opts.maxBuffered < 1) throw new RangeError("maxBuffered must be an integer >= 1");
    this.#gapTimeoutMs = opts.gapTimeoutMs;
    this.#maxBuffered = opts.maxBuffered;
  }

  /** The next seq needed in the current epoch: the start, or one past the last released or skipped. */
  get nextSeq(): number | undefined {
    return this.#next;
  }

  get currentEpoch(): string | undefined {
    return this.#epoch;
  }

  get heldCount(): number {
    return this.#held.size;
  }

  /**
   * True when the orderer will not take `seq` of `epoch`: it is held, below the write position
   * (released, skipped or before the start), or of an epoch the orderer has left. A caller skips
   * verifying such an object. `epoch` undefined means the current one.
   */
  has(epoch: string | undefined, seq: number): boolean {
    if (epoch !== undefined && epoch !== this.#epoch) return this.#leftEpochs.includes(epoch);
    return (this.#next !== undefined && seq < this.#next) || this.#held.has(seq);
  }

  /**
   * Where the stream starts in `epoch`: the orderer waits for `seq` (with the normal gap timeout)
   * instead of starting at whatever arrives first. A new epoch switches to it (with a
   * discontinuity if anything was released before). In the current epoch it only moves forward:
   * a start at or below the write position is ignored; one above it skips ahead (held chunks
   * below it are dropped, and a discontinuity follows if anything was released in the epoch).
   * Returns how many held chunks it dropped (below the start, or of the epoch it left).
   */
  startAt(epoch: string, seq: number): number {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`start seq must be a non-negative integer, got ${String(seq)}`);
    let dropped = 0;
    if (epoch !== this.#epoch) {
      if (this.#leftEpochs.includes(epoch)) return 0;
      dropped += this.#switchEpoch(epoch);
    } else if (this.#next !== undefined && seq <= this.#next) {
      return 0;
    }
    if (this.#next !== undefined && this.#releasedInEpoch) {
      // Skipping ahead in a run already written: a gap the playlist must show.
      this.#pendingDiscontinuity = true;
      this.#noteSkipped(this.#next, seq);
      this.#gaps.push({ epoch, from: this.#next, to: seq });
    } else {
      this.#start = seq;
    }
    this.#next = seq;
    this.#waitingSince = undefined;
    for (const s of [...this.#held.keys()]) {
      if (s < seq) {
        this.#held.delete(s);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Offers a chunk (see {@link OfferVerdict}). A chunk of an epoch other than the current one
   * (and not one already left) switches to that epoch, dropping what was held of the old one; until {@link startAt} names its start,
   * the orderer waits `gapTimeoutMs` from the first chunk for lower seqs, then starts at the
   * lowest held. Call {@link release} afterwards to take whatever became writable.
   */
  add(chunk: OrderedChunk): OfferVerdict {
    if (chunk.epoch !== this.#epoch) {
      if (this.#leftEpochs.includes(chunk.epoch)) return "old-epoch";
      this.#switchEpoch(chunk.epoch);
    }
    const seq = chunk.seq;
    if (this.#next !== undefined && seq < this.#next) return this.#wasReleased(seq) ? "duplicate" : "late";
    if (this.#held.has(seq)) return "duplicate";
    this.#held.set(seq, chunk);
    return "accepted";
  }

  /** Takes the chunks that can be written at time `now` (ms), in order. */
  release(now: number): ReleasedChunk[] {
    const out: ReleasedChunk[] = [];
    if (this.#next === undefined) {
      // Start unknown: give lower seqs the gap timeout to arrive before starting at the lowest.
      if (this.#held.size === 0) return out;
      this.#waitingSince ??= now;
      if (now - this.#waitingSince < this.#gapTimeoutMs && this.#held.size < this.#maxBuffered) return out;
      this.#next = lowest(this.#held);
      this.#start ??= this.#next;
      this.#waitingSince = undefined;
    }
    for (;;) {
      const next: number = this.#next!;
      const c = this.#held.get(next);
      if (c) {
        this.#held.delete(next);
        out.push({ ...c, discontinuity: this.#pendingDiscontinuity });
        this.#pendingDiscontinuity = false;
        this.#releasedInEpoch = true;
        this.#releasedEver = true;
        this.#next = next + 1;
        this.#waitingSince = undefined;
        continue;
      }
      if (this.#held.size === 0) break;
      // A gap: something later is held but `next` is missing.
      this.#waitingSince ??= now;
      if (now - this.#waitingSince >= this.#gapTimeoutMs || this.#held.size >= this.#maxBuffered) {
        const to = lowest(this.#held);
        this.#noteSkipped(next, to);
        this.#gaps.push({ epoch: this.#epoch!, from: next, to });
        this.#next = to;
        this.#pendingDiscontinuity = true;
        this.#waitingSince = undefined;
        continue;
      }
      break;
    }
    return out;
  }

  /**
   * When (ms, same clock as {@link release}) the current wait expires, so that `release` then
   * skips the gap (or picks the start); undefined when nothing waits. A wait begins at the
   * `release` call that finds it, so call `release` after every `add`.
   */
  nextDeadline(): number | undefined {
    return this.#waitingSince === undefined || this.#held.size === 0 ? undefined : this.#waitingSince + this.#gapTimeoutMs;
  }

  /** Gaps skipped (by `release` or `startAt`) since the last call, each once. */
  takeSkippedGaps(): SkippedGap[] {
    const g = this.#gaps;
    this.#gaps = [];
    return g;
  }

  /** Switches to `epoch`; returns how many held chunks of the old one were dropped. */
  #switchEpoch(epoch: string): number {
    const dropped = this.#held.size;
    if (this.#epoch !== undefined) {
      this.#leftEpochs.push(this.#epoch);
      if (this.#leftEpochs.length > LEFT_EPOCHS_KEPT) this.#leftEpochs.shift();
    }
    if (this.#releasedEver) this.#pendingDiscontinuity = true;
    this.#epoch = epoch;
    this.#next = undefined;
    this.#start = undefined;
    this.#held.clear();
    this.#waitingSince = undefined;
    this.#releasedInEpoch = false;
    this.#skipped = [];
    return dropped;
  }

  #noteSkipped(from: number, to: number): void {
    if (to <= from) return;
    this.#skipped.push([from, to]);
    if (this.#skipped.length > SKIPPED_RANGES_KEPT) this.#skipped.shift();
  }

  /** Whether `seq` (below the write position) was released rather than skipped or before the start. */
  #wasReleased(seq: number): boolean {
    if (this.#start === undefined || seq < this.#start) return false;
    return !this.#skipped.some(([from, to]) => seq >= from && seq < to);
  }
}

function lowest(held: Map<number, unknown>): number {
  let min = Infinity;
  for (const s of held.keys()) if (s < min) min = s;
  return min;
}
