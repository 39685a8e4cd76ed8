import { validateChunk } from "./chunk.js";
import { systemClock, type WriterClock } from "./clock.js";
import { HlsSinkError } from "./errors.js";
import { nodeFs } from "./fs.js";
import { RESUME_FILE, matchResumeRecord, readResumeRecord, type ResumePoint, type ResumeRecord } from "./resume-point.js";
import { SegmentOrderer, type OfferVerdict, type OrderedChunk, type ReleasedChunk } from "./segment-orderer.js";
import { HlsSink, type HlsSinkOptions } from "./sink.js";

/** Options for {@link SegmentWriter.open}: the sink's, plus ordering and resume. */
export interface SegmentWriterOptions extends HlsSinkOptions {
  /** The stream being written; recorded in the resume point, and a record of another stream is not trusted. */
  streamId: string;
  /** How long a missing seq (or an unknown start) is waited for, ms (default 6000). */
  gapTimeoutMs?: number;
  /** Chunks held behind a missing seq before it is skipped at once (default 16). */
  maxBuffered?: number;
  /** Time source for gap timeouts (default: `performance.now` and `setTimeout`). */
  clock?: WriterClock;
  /** Called after each segment is published (playlist in place), in order. Must not throw. */
  onSegment?: (segment: WrittenSegment) => void;
  /**
   * Called once, with the first write failure; the writer then stops writing (see
   * {@link SegmentWriter.failure}). Without it the failure is only in `failure`: never an
   * unhandled rejection.
   */
  onError?: (error: HlsSinkError) => void;
}

/** A verified, decrypted chunk for {@link SegmentWriter.push}: what the orderer takes. */
export type WriterChunk = OrderedChunk;

/** A segment the writer published. */
export interface WrittenSegment {
  epoch: string;
  seq: number;
  /** File name in the output directory, e.g. `"00042.ts"`. */
  segmentName: string;
  mediaSequence: number;
  /** Whether `#EXT-X-DISCONTINUITY` precedes it (a gap, an epoch change, a PTS jump, a restart). */
  discontinuity: boolean;
  durationTicks: number;
  bytes: number;
  /** Wall clock (`Date.now()`) when it was published. */
  writtenAtMs: number;
}

/** What this writer did, in integers (media in 90 kHz ticks). */
export interface SegmentWriterCounters {
  segmentsWritten: number;
  /** Segment bytes (playlists and the resume record not included). */
  bytesWritten: number;
  /** Sum of the written segments' durations, 90 kHz ticks. */
  mediaTicksWritten: number;
  /** `#EXT-X-DISCONTINUITY` tags this writer's segments got. */
  discontinuities: number;
  /**
   * Runs of missing seqs given up on (after the gap timeout, or with too many chunks held), or
   * jumped over by a later {@link SegmentWriter.startAt} in an epoch already being written.
   */
  gapsSkipped: number;
  /** Seqs in those runs. */
  seqsSkipped: number;
  /** Chunks refused because that seq of that epoch was already held or written. */
  duplicates: number;
  /** Chunks refused because their place had passed (before the start, or in a skipped gap). */
  late: number;
  /** Chunks refused because their epoch was already left. */
  oldEpoch: number;
  /** Times the epoch changed after something was written or held. */
  epochChanges: number;
  /**
   * Chunks accepted but never written: held when their epoch was left, below a later start, or
   * still behind a gap at close.
   */
  discarded: number;
}

/**
 * What {@link SegmentWriter.push} did with a chunk: the orderer's verdict, or `closed` (after
 * `close()`) or `failed` (after a write failure).
 */
export type PushVerdict = OfferVerdict | "closed" | "failed";

const DEFAULT_GAP_TIMEOUT_MS = 6000;
const DEFAULT_MAX_BUFFERED = 16;

/**
 * Turns verified, decrypted chunks arriving in any order into a crash-safe HLS stream: orders
 * them ({@link SegmentOrderer}), writes them through one {@link HlsSink} one at a time, records a
 * resume point before each segment, and counts what it did.
 *
 * The owner says where the stream starts ({@link startAt}, usually from {@link chooseStart});
 * the writer waits for that seq (up to the gap timeout) instead of starting at whatever arrives
 * first. Gap timeouts run on the writer's own timer, set for the one deadline that matters (no
 * polling). A write failure stops the writer and is reported once, typed, through `onError` and
 * {@link failure}.
 *
 * @example
 * const writer = await SegmentWriter.open({ dir: "out/hls", streamId: "ch-7", onSegment: (s) => log(s) });
 * const start = chooseStart({ epoch, firstSeq, lastSeq }, { backfill: 3, resume: writer.resumePoint });
 * writer.startAt(start.epoch, start.seq);
 * // for each verified object: if (!writer.has(epoch, seq)) writer.push({ seq, epoch, firstPts, durationTicks, bytes });
 * await writer.close({ endList: true });
 */
export class SegmentWriter {
  /** The output directory. */
  readonly dir: string;
  /** Full path of the playlist file. */
  readonly playlistPath: string;
  /**
   * Where an earlier run on this directory stopped, when its record agrees with the playlist;
   * pass it to {@link chooseStart} for the first manifest window.
   */
  readonly resumePoint: ResumePoint | undefined;

  readonly #sink: HlsSink;
  readonly #opts: SegmentWriterOptions;
  readonly #clock: WriterClock;
  readonly #orderer: SegmentOrderer;
  readonly #counters: SegmentWriterCounters = {
    segmentsWritten: 0,
    bytesWritten: 0,
    mediaTicksWritten: 0,
    discontinuities: 0,
    gapsSkipped: 0,
    seqsSkipped: 0,
    duplicates: 0,
    late: 0,
    oldEpoch: 0,
    epochChanges: 0,
    discarded: 0,
  };
  /** The last segment written, by this run or (after a trusted resume) the one before. */
  #lastWritten: { epoch: string; seq: number } | undefined;
  /** The playlist continues one whose epoch is unknown: the first segment gets a discontinuity. */
  #unknownPredecessor: boolean;
  #lastSegment: WrittenSegment | undefined;
  readonly #queue: ReleasedChunk[] = [];
  #pumping: Promise<void> | undefined;
  #cancelTimer: (() => void) | undefined;
  #timerDeadline: number | undefined;
  #failure: HlsSinkError | undefined;
  #closing: Promise<void> | undefined;
  #watching: Promise<void> | undefined;

  private constructor(opts: SegmentWriterOptions, sink: HlsSink, resume: ResumePoint | undefined, orderer: SegmentOrderer) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#sink = sink;
    this.dir = sink.dir;
    this.playlistPath = sink.playlistPath;
    this.resumePoint = resume;
    this.#orderer = orderer;
    this.#lastWritten = resume ? { epoch: resume.epoch, seq: resume.seq } : undefined;
    this.#unknownPredecessor = !resume && sink.lastSeq !== undefined;
  }

  /**
   * Opens the sink on `dir` (continuing a playlist there) and reads the resume point.
   * @throws HlsSinkError from {@link HlsSink.open}, or `bad-options` for the writer's own options.
   */
  static async open(opts: SegmentWriterOptions): Promise<SegmentWriter> {
    if (typeof opts !== "object" || opts === null) throw new HlsSinkError("bad-options", "options must be an object");
    if (typeof opts.streamId !== "string" || opts.streamId === "") throw new HlsSinkError("bad-options", "streamId must be a non-empty string");
    let orderer: SegmentOrderer;
    try {
      orderer = new SegmentOrderer({
        gapTimeoutMs: opts.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS,
        maxBuffered: opts.maxBuffered ?? DEFAULT_MAX_BUFFERED,
      });
    } catch (err) {
      throw new HlsSinkError("bad-options", (err as Error).message);
    }
    // A directory written before the group commit has its resume point only in the resume file,
    // which opening the sink replaces (it becomes the commit record): read it first.
    const legacy = opts.commitFile === undefined || opts.commitFile === RESUME_FILE ? await readLegacyRecord(opts) : undefined;
    // The resume file is the sink's commit record: durable, and holding the committed playlist.
    const sink = await HlsSink.open({ ...opts, commitFile: opts.commitFile ?? RESUME_FILE });
    // The resume point travels with the playlist (its note), so it describes whatever tail the
    // reopen recovered.
    const resume = matchResumeRecord(sink.note, opts.streamId, sink.lastSeq) ?? matchResumeRecord(legacy, opts.streamId, sink.lastSeq);
    return new SegmentWriter(opts, sink, resume, orderer);
  }

  /** The next seq needed in the current epoch (to resubscribe from); undefined before the start is known. */
  get nextSeq(): number | undefined {
    return this.#orderer.nextSeq;
  }

  /** The epoch being written (or waited for). */
  get epoch(): string | undefined {
    return this.#orderer.currentEpoch;
  }

  /** A snapshot of the counters. */
  get counters(): SegmentWriterCounters {
    return { ...this.#counters };
  }

  /** The last segment this writer published. */
  get lastSegment(): WrittenSegment | undefined {
    return this.#lastSegment && { ...this.#lastSegment };
  }

  /** Chunks waiting behind a missing seq. */
  get heldCount(): number {
    return this.#orderer.heldCount;
  }

  /** Chunks released in order and waiting for the disk. */
  get queuedCount(): number {
    return this.#queue.length;
  }

  /** The write failure that stopped the writer, if any. */
  get failure(): HlsSinkError | undefined {
    return this.#failure;
  }

  /**
   * True when the writer will not take `seq` of `epoch` (held, queued, written, passed, or of an
   * epoch it left): check before verifying or decrypting an object. Counts nothing.
   */
  has(epoch: string | undefined, seq: number): boolean {
    return this.#orderer.has(epoch, seq);
  }

  /**
   * Where the stream starts in `epoch` (see {@link SegmentOrderer.startAt}): the writer waits for
   * `seq` with the gap timeout rather than starting at the first chunk to arrive. Call it once
   * per epoch, when the first manifest of the epoch is verified, before pushing its chunks.
   * @throws HlsSinkError `bad-chunk` for a malformed epoch or seq (a caller bug).
   */
  startAt(epoch: string, seq: number): void {
    checkEpoch(epoch);
    if (!Number.isSafeInteger(seq) || seq < 0) throw new HlsSinkError("bad-chunk", `start seq must be a non-negative integer, got ${String(seq)}`);
    if (this.#closing || this.#failure) return;
    const before = this.#orderer.currentEpoch;
    const held = this.#orderer.heldCount;
    this.#counters.discarded += this.#orderer.startAt(epoch, seq);
    if (before !== undefined && this.#orderer.currentEpoch !== before && (held > 0 || this.#lastSegment)) this.#counters.epochChanges++;
    this.#releaseNow();
  }

  /**
   * Offers a verified, decrypted chunk. It is written once every seq before it in its epoch is
   * written or given up on. Returns what happened to it (and counts refusals).
   * @throws HlsSinkError `bad-chunk` for a malformed chunk (a caller bug), synchronously.
   */
  push(chunk: WriterChunk): PushVerdict {
    validateChunk(chunk);
    checkEpoch(chunk.epoch);
    if (chunk.release !== undefined && typeof chunk.release !== "function") throw new HlsSinkError("bad-chunk", "release must be a function");
    if (this.#closing || this.#failure) {
      done(chunk);
      return this.#closing ? "closed" : "failed";
    }
    const before = this.#orderer.currentEpoch;
    const hadAnything = this.#orderer.heldCount > 0 || this.#lastSegment !== undefined;
    const heldBefore = this.#orderer.heldCount;
    const verdict = this.#orderer.add(chunk);
    if (before !== undefined && this.#orderer.currentEpoch !== before) {
      // The switch dropped whatever was held of the old epoch.
      this.#counters.discarded += heldBefore;
      if (hadAnything) this.#counters.epochChanges++;
    }
    if (verdict === "accepted") {
      this.#releaseNow();
      return verdict;
    }
    if (verdict === "duplicate") this.#counters.duplicates++;
    else if (verdict === "late") this.#counters.late++;
    else this.#counters.oldEpoch++;
    done(chunk);
    return verdict;
  }

  /** Resolves when every chunk released so far is written (or the writer failed). */
  async idle(): Promise<void> {
    while (this.#pumping) await this.#pumping;
  }

  /**
   * Stops taking chunks, writes those already released in order, discards those still held
   * behind a gap (counted in `discarded`), then closes the sink: `endList: true` (the
   * default) ends the playlist, `false` leaves it live for a later run to continue. Idempotent.
   * Resolves once everything written is durable (the sink's group commit).
   * @throws HlsSinkError from the final playlist write (a failure of an earlier segment write or
   *   of a background commit is reported through `onError`/`failure`, not here).
   */
  close(opts: { endList?: boolean } = {}): Promise<void> {
    this.#closing ??= (async () => {
      this.#stopTimer();
      this.#counters.discarded += this.#orderer.heldCount;
      await this.idle();
      try {
        await this.#sink.close({ endList: opts.endList ?? true });
      } catch (err) {
        // A failed background commit is a write failure: reported through onError/failure.
        if (err !== this.#sink.commitFailure) throw err;
        this.#fail(err);
      }
    })();
    return this.#closing;
  }

  /** Releases what the orderer can release now, queues it for writing, and re-arms the gap timer. */
  #releaseNow(): void {
    if (this.#failure) return;
    const released = this.#orderer.release(this.#clock.now());
    for (const gap of this.#orderer.takeSkippedGaps()) {
      this.#counters.gapsSkipped++;
      this.#counters.seqsSkipped += gap.to - gap.from;
    }
    if (released.length > 0) {
      this.#queue.push(...released);
      this.#pumping ??= this.#pump().finally(() => {
        this.#pumping = undefined;
      });
    }
    if (!this.#closing) this.#armTimer();
  }

  #armTimer(): void {
    const deadline = this.#orderer.nextDeadline();
    if (deadline === this.#timerDeadline) return;
    this.#stopTimer();
    if (deadline === undefined) return;
    this.#timerDeadline = deadline;
    this.#cancelTimer = this.#clock.setTimer(Math.max(0, deadline - this.#clock.now()), () => {
      this.#cancelTimer = undefined;
      this.#timerDeadline = undefined;
      if (!this.#closing) this.#releaseNow();
    });
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerDeadline = undefined;
  }

  /** Writes queued chunks one at a time; never rejects (a failure goes to {@link #fail}). */
  async #pump(): Promise<void> {
    while (this.#queue.length > 0 && !this.#failure) {
      const c = this.#queue.shift()!;
      try {
        await this.#writeOne(c);
      } catch (err) {
        this.#fail(err);
      } finally {
        // Written (the sink has its own copy of the bytes by now) or failed: the bytes are not read again.
        done(c);
      }
    }
  }

  async #writeOne(c: ReleasedChunk): Promise<void> {
    const prev = this.#lastWritten;
    const epochBreak = prev ? prev.epoch !== c.epoch : this.#unknownPredecessor;
    // The resume point is the playlist's own note: whatever playlist a crash or power cut leaves
    // (kill -9: this one or the previous; power cut: the reopen's recovered one), its note names
    // its last segment. The sink's commit record (the resume file) carries it durably.
    const record: ResumeRecord = {
      streamId: this.#opts.streamId,
      epoch: c.epoch,
      seq: c.seq,
      ...(prev ? { previous: prev } : {}),
    };
    const w = await this.#sink.write({
      seq: c.seq,
      firstPts: c.firstPts,
      durationTicks: c.durationTicks,
      bytes: c.bytes,
      discontinuity: c.discontinuity || epochBreak,
      ...(c.programDateTimeMs !== undefined ? { programDateTimeMs: c.programDateTimeMs } : {}),
    }, undefined, { note: { ...record } });
    // A failed background commit stops the writer like a failed write (reported once). One
    // watch at a time: it resolves whenever the commits catch up with the writes. Not flush():
    // a flush skips the commit interval, and a watch is nearly always waiting.
    this.#watching ??= this.#sink.committed().then(
      () => {
        this.#watching = undefined;
      },
      (err: unknown) => this.#fail(err),
    );
    this.#lastWritten = { epoch: c.epoch, seq: c.seq };
    this.#unknownPredecessor = false;
    const k = this.#counters;
    k.segmentsWritten++;
    k.bytesWritten += c.bytes.length;
    k.mediaTicksWritten += c.durationTicks;
    if (w.discontinuity) k.discontinuities++;
    const segment: WrittenSegment = {
      epoch: c.epoch,
      seq: c.seq,
      segmentName: w.segmentName,
      mediaSequence: w.mediaSequence,
      discontinuity: w.discontinuity,
      durationTicks: c.durationTicks,
      bytes: c.bytes.length,
      writtenAtMs: Date.now(),
    };
    this.#lastSegment = segment;
    if (this.#opts.onSegment) callHook(this.#opts.onSegment, { ...segment });
  }

  #fail(err: unknown): void {
    if (this.#failure) return;
    this.#failure =
      err instanceof HlsSinkError ? err : new HlsSinkError("io-error", `write failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    for (const c of this.#queue.splice(0)) done(c);
    this.#stopTimer();
    if (this.#opts.onError) callHook(this.#opts.onError, this.#failure);
  }
}

/** The writer is done with `chunk`'s bytes: its `release`, if any (a throwing one is the caller's bug, not the writer's failure). */
function done(chunk: WriterChunk): void {
  try {
    chunk.release?.();
  } catch {
    // ignored: see above
  }
}

/** The resume file's content when it is a record from before the group commit (no playlist in it). */
async function readLegacyRecord(opts: SegmentWriterOptions): Promise<unknown> {
  try {
    const v = await readResumeRecord(opts.fs ?? nodeFs, opts.dir);
    return typeof v === "object" && v !== null && !("playlist" in v) ? v : undefined;
  } catch {
    return undefined; // the sink's open reports an unreadable directory, typed
  }
}

// What a resume record can hold (resume-point.ts reads no longer epoch back).
const MAX_EPOCH_CHARS = 256;

function checkEpoch(epoch: unknown): asserts epoch is string {
  if (typeof epoch !== "string" || epoch.length === 0 || epoch.length > MAX_EPOCH_CHARS) {
    throw new HlsSinkError("bad-chunk", `epoch must be a string of 1 to ${MAX_EPOCH_CHARS} characters`);
  }
}

/**
 * Calls an owner's hook. A hook that throws is the owner's bug: its error is rethrown outside the
 * write loop (as an uncaught exception, like a throwing EventTarget listener) rather than being
 * taken for a write failure or swallowed.
 */
function callHook<T>(hook: (v: T) => void, value: T): void {
  try {
    hook(value);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
