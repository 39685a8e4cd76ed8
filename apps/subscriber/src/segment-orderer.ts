/**
 * Puts verified, decrypted chunks back in sequence order before they become HLS segments.
 *
 * Objects can arrive out of order (a late manifest releases several at once; a failover replays a
 * window). A missing seq is waited for up to `gapTimeoutMs`, or until `maxBuffered` later chunks
 * pile up, then skipped: the next segment is marked as a discontinuity. Chunks below the write
 * position (duplicates, stragglers) are refused. An epoch change starts a new sequence.
 */

export interface OrderedChunk {
  seq: number;
  epoch: string;
  firstPts: number;
  durationTicks: number;
  bytes: Uint8Array;
}

export interface ReleasedChunk extends OrderedChunk {
  /** True when a gap or an epoch change precedes this chunk. */
  discontinuity: boolean;
}

export class SegmentOrderer {
  private epoch: string | undefined;
  private next: number | undefined;
  private readonly held = new Map<number, OrderedChunk>();
  private gapSince: number | undefined;
  private pendingDiscontinuity = false;

  constructor(
    private readonly opts: { gapTimeoutMs: number; maxBuffered: number; now?: () => number },
  ) {}

  /** The next seq the writer needs in the current epoch (undefined before the first chunk). */
  get nextSeq(): number | undefined {
    return this.next;
  }

  get currentEpoch(): string | undefined {
    return this.epoch;
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** True when `seq` in `epoch` is already written or held: a duplicate not worth verifying. */
  has(epoch: string | undefined, seq: number): boolean {
    if (epoch !== undefined && epoch !== this.epoch) return false;
    return (this.next !== undefined && seq < this.next) || this.held.has(seq);
  }

  /**
   * Offers a chunk; returns false when it is a duplicate or from behind the write position.
   * Call {@link release} afterwards to take whatever became writable.
   */
  add(chunk: OrderedChunk): boolean {
    if (chunk.epoch !== this.epoch) {
      if (this.epoch !== undefined) this.pendingDiscontinuity = true;
      this.epoch = chunk.epoch;
      this.next = undefined;
      this.held.clear();
      this.gapSince = undefined;
    }
    if (this.next !== undefined && chunk.seq < this.next) return false;
    if (this.held.has(chunk.seq)) return false;
    this.held.set(chunk.seq, chunk);
    return true;
  }

  /** Takes the chunks that can be written now, in order. */
  release(): ReleasedChunk[] {
    const now = (this.opts.now ?? Date.now)();
    const out: ReleasedChunk[] = [];
    if (this.next === undefined) {
      if (this.held.size === 0) return out;
      this.next = Math.min(...this.held.keys());
    }
    for (;;) {
      const c = this.held.get(this.next!);
      if (c) {
        this.held.delete(this.next!);
        out.push({ ...c, discontinuity: this.pendingDiscontinuity });
        this.pendingDiscontinuity = false;
        this.next = this.next! + 1;
        this.gapSince = undefined;
        continue;
      }
      if (this.held.size === 0) break;
      // A gap: something later is held but `next` is missing.
      this.gapSince ??= now;
      if (now - this.gapSince >= this.opts.gapTimeoutMs || this.held.size >= this.opts.maxBuffered) {
        this.next = Math.min(...this.held.keys());
        this.pendingDiscontinuity = true;
        this.gapSince = undefined;
        continue;
      }
      break;
    }
    return out;
  }
}
