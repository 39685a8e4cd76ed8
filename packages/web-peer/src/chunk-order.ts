/**
 * Puts verified chunks back in order for the player. A verified source hands chunks out in the
 * order they were verified (a late manifest releases several at once; a failover replays a
 * window); MSE wants them in sequence. This is the page's consumer position: it orders with
 * `@ec/hls-sink`'s SegmentOrderer (the HLS writer's own), starts `backfill` chunks before the live
 * edge, skips a missing chunk after `gapTimeoutMs` (the player then jumps the hole), and tells the
 * source what it already has so nothing is verified twice.
 */
import { chooseStart, SegmentOrderer } from "@ec/hls-sink/order";
import type { LiveWindow } from "@ec/hls-sink/order";
import type { AcceptedChunk } from "./watch.js";

export interface ChunkOrderOptions {
  /** Chunks before the live edge to start with (default 3, as the Node subscriber's --backfill). */
  backfill?: number;
  /** How long a missing chunk is waited for once a later one is held (ms; default 4000). */
  gapTimeoutMs?: number;
  /** Later chunks held at which a missing one is skipped at once (default 8). */
  maxBuffered?: number;
  /** Monotonic ms clock (default performance.now). */
  now?: () => number;
}

export interface ChunkOrderCounters {
  offered: number;
  released: number;
  duplicate: number;
  late: number;
  oldEpoch: number;
  /** Missing seqs given up on. */
  skippedSeqs: number;
}

export class ChunkOrder implements AsyncIterable<AcceptedChunk> {
  readonly counters: ChunkOrderCounters = { offered: 0, released: 0, duplicate: 0, late: 0, oldEpoch: 0, skippedSeqs: 0 };
  readonly #orderer: SegmentOrderer;
  readonly #backfill: number;
  readonly #now: () => number;
  readonly #peers = new Map<string, string>();
  #ready: AcceptedChunk[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: ChunkOrderOptions = {}) {
    this.#orderer = new SegmentOrderer({ gapTimeoutMs: opts.gapTimeoutMs ?? 4000, maxBuffered: opts.maxBuffered ?? 8 });
    this.#backfill = opts.backfill ?? 3;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Where to start in a new epoch's first window: the last `backfill` chunks. */
  start = (window: LiveWindow): { seq: number } => ({ seq: chooseStart(window, { backfill: this.#backfill }).seq });

  /** A new epoch starts at `seq`: the orderer waits for exactly that chunk. */
  startAt = (s: { epoch: string; seq: number }): void => {
    this.#orderer.startAt(s.epoch, s.seq);
    this.#release();
  };

  /** What the source asks before verifying an object: do we have it, and which seq comes next. */
  readonly position = {
    has: (epoch: string | undefined, seq: number): boolean => this.#orderer.has(epoch, seq),
    nextSeq: (epoch: string): number | undefined => (this.#orderer.currentEpoch === epoch ? this.#orderer.nextSeq : undefined),
  };

  /** Chunks held, waiting for a missing one before them. */
  get held(): number {
    return this.#orderer.heldCount;
  }

  /** A verified chunk, in any order. */
  offer(c: AcceptedChunk): void {
    if (this.#ended) return;
    this.counters.offered++;
    const v = this.#orderer.add({ seq: c.seq, epoch: c.epoch, firstPts: c.firstPts, durationTicks: c.durationTicks, bytes: c.plaintext });
    if (v === "accepted") this.#peers.set(`${c.epoch}/${c.seq}`, c.peer);
    else if (v === "duplicate") this.counters.duplicate++;
    else if (v === "late") this.counters.late++;
    else this.counters.oldEpoch++;
    this.#release();
  }

  /** No more chunks: the iteration ends once the ready ones are taken. */
  end(): void {
    this.#ended = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#wake?.();
  }

  #release(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const out = this.#orderer.release(this.#now());
    for (const g of this.#orderer.takeSkippedGaps()) this.counters.skippedSeqs += g.to - g.from;
    for (const r of out) {
      const key = `${r.epoch}/${r.seq}`;
      const peer = this.#peers.get(key) ?? "?";
      this.#peers.delete(key);
      this.counters.released++;
      this.#ready.push({ epoch: r.epoch, seq: r.seq, firstPts: r.firstPts, durationTicks: r.durationTicks, plaintext: r.bytes, peer });
    }
    if (this.#ready.length) this.#wake?.();
    const deadline = this.#orderer.nextDeadline();
    if (deadline !== undefined && !this.#ended) this.#timer = setTimeout(() => this.#release(), Math.max(0, deadline - this.#now()) + 5);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AcceptedChunk> {
    for (;;) {
      const c = this.#ready.shift();
      if (c) {
        yield c;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}
