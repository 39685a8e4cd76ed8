import { join } from "node:path";
import { crc32 } from "node:zlib";
import { stageFile, syncDirectory, syncFile, tempNameFor, writeFileAtomically } from "./atomic-file.js";
import { validateChunk, type HlsChunk } from "./chunk.js";
import { DEFAULT_COMMIT_FILE, commitRecordBytes, writeCommitRecord } from "./commit-record.js";
import { breaksContinuity, continuityAfter, type ContinuityPoint } from "./continuity.js";
import { HlsSinkError, fsError } from "./errors.js";
import { nodeFs, type HlsSinkFs } from "./fs.js";
import { renderPlaylist, type MediaPlaylist, type PlaylistEntry } from "./playlist.js";
import { PublishFailure, publishFiles, startPublishThread } from "./publish-thread.js";
import { openOutputDirectory, removeFile, type RecoveryAction } from "./reopen.js";
import { TEMP_PREFIX, TEMP_SUFFIX, isTempName, parseSegmentName, segmentName } from "./segment-name.js";
import { TICKS_PER_SECOND, targetDurationFor } from "./timestamps.js";

/** Options for {@link HlsSink.open}. */
export interface HlsSinkOptions {
  /** Output directory; created if missing. One sink per directory at a time. */
  dir: string;
  /** Segments listed in the live playlist (default 6). `0` keeps every segment, like `mode: "event"`. */
  windowSegments?: number;
  /** `"live"` (default): sliding window. `"event"`: keep every segment, `#EXT-X-PLAYLIST-TYPE:EVENT`. */
  mode?: "live" | "event";
  /** Playlist file name in `dir` (default `"index.m3u8"`). */
  playlistName?: string;
  /**
   * How many segments that slid out of the window stay on disk before deletion, so a player that
   * fetched an older playlist can still download them. Default `windowSegments + 1`, which is
   * RFC 8216 §6.2.2's "segment duration plus the playlist's duration" counted in segments.
   */
  retainRemovedSegments?: number;
  /**
   * How far (90 kHz ticks) a chunk's firstPts may be from where the previous chunk ended before
   * the sink marks a discontinuity. Default 45000 (0.5 s).
   */
  ptsJumpToleranceTicks?: number;
  /** File-system implementation; default `node:fs/promises`. For fault injection and embedding. */
  fs?: HlsSinkFs;
  /**
   * Name of the commit record in `dir` (a dotfile; default `.ec-hls-sink-commit.json`): the last
   * playlist known durable. SegmentWriter uses its resume file's name.
   */
  commitFile?: string;
  /**
   * The least time between the starts of two group commits, in ms (default 0: a round starts as
   * soon as the previous one ends). A longer interval means fewer fsyncs near the live path — on
   * ext4 an fsync's journal commit can hold up a concurrent rename — and a longer tail a power cut
   * can take back (recovery trims it; nothing published is ever half-written). {@link flush} and
   * {@link close} do not wait for it.
   */
  commitIntervalMs?: number;
}

/** Options for one {@link HlsSink.write}. */
export interface HlsWriteOptions {
  /**
   * A JSON-serialisable object kept with this segment in the playlist (a `# ec-note` comment)
   * and in the commit record, so it always describes the playlist's tail: after a restart,
   * {@link HlsSink.note} is the note of the last segment the recovered playlist names. At most
   * 4 KiB of JSON.
   */
  note?: Record<string, unknown>;
}

/** Counters for what this sink instance wrote (not counting what an earlier run left in the directory). */
export interface HlsSinkStats {
  segmentsWritten: number;
  /** Segment bytes written (playlists not included). */
  bytesWritten: number;
  /** `#EXT-X-DISCONTINUITY` tags this sink added. */
  discontinuities: number;
  /** Sum of the written chunks' durations, in seconds. */
  mediaSecondsWritten: number;
}

/** What {@link HlsSink.write} published. */
export interface HlsWriteResult {
  /** File name of the segment in the output directory, e.g. `"00042.ts"`. */
  segmentName: string;
  /** Its `#EXT-X-MEDIA-SEQUENCE` number. */
  mediaSequence: number;
  /** Whether `#EXT-X-DISCONTINUITY` precedes it. */
  discontinuity: boolean;
}

const DEFAULT_WINDOW = 6;
const DEFAULT_PLAYLIST = "index.m3u8";
const DEFAULT_PTS_TOLERANCE = TICKS_PER_SECOND / 2;
// Named like a temp file so that a crash between creating and deleting it is cleaned up on open.
const PROBE_NAME = `${TEMP_PREFIX}probe${TEMP_SUFFIX}`;
const MAX_NOTE_CHARS = 4096;
/** Where a segment's CRC-32 sits in its `# ec-seg` comment (playlist.ts). */
const CRC_FIELD = " crc32=";

/**
 * Writes chunks as MPEG-TS segments plus a live HLS media playlist, crash-safely: each file goes
 * to a temp name and is renamed into place, the segment before the playlist that names it, so a
 * reader (or a restart after `kill -9`) never sees a half-written file or a playlist naming a
 * missing segment. Writes are serialised in call order.
 *
 * Durability is off the live path: a write resolves once the playlist is in place, and a
 * background group commit (one per batch of segments: fdatasync each, fsync the directory, write
 * the commit record, fsync again) makes it durable. After a power cut, reopening keeps the live
 * playlist only if every segment it names beyond the commit record is whole (length and CRC-32),
 * else puts the committed playlist back before anything is served (reopen.ts). {@link flush}
 * and {@link close} wait for the commit.
 *
 * @example
 * const sink = await HlsSink.open({ dir: "out/hls" });
 * await sink.write({ seq: 0, firstPts: 0, durationTicks: 180_000, bytes: tsChunk });
 * await sink.close(); // adds #EXT-X-ENDLIST
 */
export class HlsSink {
  /** The output directory. */
  readonly dir: string;
  /** Full path of the playlist file. */
  readonly playlistPath: string;

  readonly #fs: HlsSinkFs;
  readonly #playlistName: string;
  readonly #window: number; // 0 = keep all
  readonly #retain: number;
  readonly #tolerance: number;
  #playlist: MediaPlaylist;
  #nextMediaSequence: number;
  #continuity: ContinuityPoint | undefined;
  /** The next segment gets a discontinuity whatever its seq/PTS (after a reopen we cannot vouch for). */
  #forceDiscontinuity: boolean;
  /** Whether the playlist file on disk currently ends with #EXT-X-ENDLIST. */
  #diskEnded: boolean;
  /** Media sequence numbers no longer listed but still on disk, oldest first. */
  #retired: number[];
  readonly #commitFile: string;
  /** The text of the playlist in place (what a commit snapshots). */
  #publishedText: string | undefined;
  /** Bumped with each playlist renamed into place; the commit record holds `#committedGen`'s. */
  #publishedGen = 0;
  #committedGen = 0;
  /**
   * Segments renamed into place since the last commit started, each with its fdatasync when one
   * was started at once (a segment written by this sink; not those a reopen found).
   */
  #unsynced: Array<{ name: string; sync?: Promise<void> }> = [];
  /**
   * First media sequence number listed by the committed playlist: a retired segment below it is
   * named by no playlist a power cut can bring back, so it may be deleted.
   */
  #committedFirst: number;
  #committing: Promise<void> | undefined;
  #commitIntervalMs = 0;
  #lastCommitStartMs = Number.NEGATIVE_INFINITY;
  /** Flushes waiting (the commit loop skips the interval while any does). */
  #urgent = 0;
  /** Ends the commit loop's interval wait early (a flush). */
  #wake: (() => void) | undefined;
  /** A commit record exists in `dir` (every playlist this sink puts in place has one to fall back to). */
  #hasCommit: boolean;
  /** A failed commit: the sink is no longer durable, so it stops (every later call rejects). */
  #commitFailure: HlsSinkError | undefined;
  /** What reopening did to the playlist found in `dir`. */
  readonly recovery: RecoveryAction;
  /** Segment + playlist go to the publish thread (publish-thread.ts): with the default file system only. */
  #onThread = false;
  /** Where a segment's bytes are copied for the publish thread (shared, so not copied again); reused. */
  #shared: Uint8Array | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  readonly #stats: Omit<HlsSinkStats, "mediaSecondsWritten"> = { segmentsWritten: 0, bytesWritten: 0, discontinuities: 0 };
  // Summed in integer ticks so the seconds figure carries no accumulated float error.
  #ticksWritten = 0;

  private constructor(
    fs: HlsSinkFs,
    dir: string,
    playlistName: string,
    window: number,
    retain: number,
    tolerance: number,
    event: boolean,
    existing: MediaPlaylist | undefined,
    retired: number[],
    commitFile: string,
    recovered: { text: string | undefined; committedThrough: number; committed: boolean; recovery: RecoveryAction; unsynced: string[] },
  ) {
    this.#fs = fs;
    this.#commitFile = commitFile;
    this.recovery = recovered.recovery;
    this.#publishedText = recovered.text;
    // open() commits a playlist it found if the record did not hold it already.
    this.#hasCommit = existing !== undefined;
    this.#unsynced = recovered.unsynced.map((name) => ({ name }));
    // Committed and listing from there already, or about to be committed by open() (until then
    // nothing is deleted).
    this.#committedFirst = existing && recovered.committed ? (existing.entries[0]?.mediaSequence ?? existing.mediaSequence) : 0;
    if (existing && !recovered.committed) this.#publishedGen = 1;
    this.dir = dir;
    this.#playlistName = playlistName;
    this.playlistPath = join(dir, playlistName);
    this.#window = window;
    this.#retain = retain;
    this.#tolerance = tolerance;
    this.#retired = retired;
    if (existing) {
      const first = existing.entries[0]?.mediaSequence ?? existing.mediaSequence;
      this.#nextMediaSequence = first + existing.entries.length;
      this.#continuity = existing.continuity;
      // After a clean end we start a new run; without our comment we cannot tell what came before.
      this.#forceDiscontinuity = existing.endList || (existing.continuity === undefined && this.#nextMediaSequence > 0);
      this.#diskEnded = existing.endList;
      this.#playlist = { ...existing, event, endList: false };
    } else {
      this.#nextMediaSequence = 0;
      this.#continuity = undefined;
      this.#forceDiscontinuity = false;
      this.#diskEnded = false;
      this.#playlist = { targetDuration: 1, mediaSequence: 0, discontinuitySequence: 0, event, entries: [], endList: false };
    }
  }

  /**
   * Opens (creating if needed) an output directory. If it already holds a playlist, the sink
   * continues it: same media sequence and segment numbering, `#EXT-X-ENDLIST` removed and a
   * discontinuity before the next segment. Temp files left by a crash are deleted.
   * @throws HlsSinkError `bad-options`, `unwritable-dir`, `disk-full`, `io-error`, `corrupt-playlist`.
   */
  static async open(opts: HlsSinkOptions): Promise<HlsSink> {
    const o = checkOptions(opts);
    const existing = await openOutputDirectory(o.fs, o.dir, o.playlistName, o.commitFile);
    // Fail now, not at the first chunk, if the directory is read-only.
    await writeFileAtomically(o.fs, o.dir, PROBE_NAME, new Uint8Array(0));
    await removeFile(o.fs, o.dir, PROBE_NAME);
    const p = existing.playlist;
    // Segments named beyond the commit record are whole but maybe not on stable storage yet.
    const unsynced = p ? p.entries.filter((e) => e.mediaSequence > existing.committedThrough).map((e) => segmentName(e.mediaSequence)) : [];
    const sink = new HlsSink(
      o.fs,
      o.dir,
      o.playlistName,
      o.window,
      o.retain,
      o.tolerance,
      o.event,
      existing.playlist,
      existing.retired,
      o.commitFile,
      { text: existing.text, committedThrough: existing.committedThrough, committed: existing.committed, recovery: existing.recovery, unsynced },
    );
    sink.#commitIntervalMs = o.commitIntervalMs;
    sink.#onThread = opts.fs === undefined;
    if (sink.#onThread) startPublishThread();
    // Before anything is served or appended: what the playlist names is durable and committed.
    if (!existing.committed && p) await sink.flush();
    return sink;
  }

  /**
   * The note (see {@link HlsWriteOptions.note}) of the last segment the playlist names: written
   * by this sink, or by the run before it. Undefined when that segment had none.
   */
  get note(): unknown {
    const text = this.#playlist.note;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  /** The failed group commit that stopped this sink, if any. */
  get commitFailure(): HlsSinkError | undefined {
    return this.#commitFailure;
  }

  /**
   * Resolves once everything published so far is durable (committed); rejects with the commit's
   * failure, after which the sink refuses further writes.
   */
  async flush(): Promise<void> {
    this.#urgent++;
    try {
      await this.#untilCommitted(true);
    } finally {
      this.#urgent--;
    }
  }

  /**
   * Like {@link flush}, but without hurrying the commit: the commit interval still applies. For
   * an owner that only watches for the commit's failure (SegmentWriter), so that watching does
   * not turn every write into a commit.
   */
  async committed(): Promise<void> {
    await this.#untilCommitted(false);
  }

  async #untilCommitted(urgent: boolean): Promise<void> {
    while (this.#committedGen < this.#publishedGen || this.#committing) {
      if (this.#commitFailure) throw this.#commitFailure;
      this.#startCommit();
      if (urgent) this.#wake?.();
      await this.#committing;
    }
    if (this.#commitFailure) throw this.#commitFailure;
  }

  /**
   * The seq of the last chunk in the playlist — written by this sink or, after a reopen, by the
   * run before it (from the playlist's continuity comment) — or undefined when unknown. A writer
   * restarted on the same directory resumes after it.
   */
  get lastSeq(): number | undefined {
    return this.#continuity?.lastSeq;
  }

  /** A snapshot of this sink's counters. */
  get stats(): HlsSinkStats {
    return { ...this.#stats, mediaSecondsWritten: this.#ticksWritten / TICKS_PER_SECOND };
  }

  /**
   * Writes one chunk as the next segment and publishes the updated playlist. Resolves once both
   * are renamed into place (whole files; a reader or a `kill -9` never sees less), without
   * waiting for an fsync: the group commit makes them durable in the background ({@link flush}).
   * On rejection nothing new is published and the sink stays usable, e.g. to retry after
   * freeing disk space; after a failed commit every write rejects with that failure.
   *
   * `alongside`, when given, is started together with the segment's write and awaited before the
   * playlist is renamed; if it rejects, nothing is published. `opts.note` is kept with the
   * segment (see {@link HlsWriteOptions}).
   * @throws HlsSinkError `bad-chunk` (malformed, or seq not after the previous chunk this sink
   *   wrote, without `discontinuity: true`), `closed`, `disk-full`, `unwritable-dir`, `io-error`.
   */
  write(chunk: HlsChunk, alongside?: () => Promise<void>, opts: HlsWriteOptions = {}): Promise<HlsWriteResult> {
    if (this.#closing) return Promise.reject(new HlsSinkError("closed", "write() after close()"));
    let note: string | undefined;
    try {
      validateChunk(chunk);
      if (opts.note !== undefined) {
        note = JSON.stringify(opts.note);
        if (typeof opts.note !== "object" || opts.note === null || note.length > MAX_NOTE_CHARS) {
          throw new HlsSinkError("bad-chunk", `note must be an object of at most ${MAX_NOTE_CHARS} characters of JSON`);
        }
      }
    } catch (err) {
      return Promise.reject(err instanceof HlsSinkError ? err : new HlsSinkError("bad-chunk", `note: ${(err as Error).message}`));
    }
    const run = this.#tail.then(() => this.#writeNow(chunk, alongside, note));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Waits for queued writes, then (by default) rewrites the playlist with `#EXT-X-ENDLIST`.
   * `endList: false` leaves a live playlist for a later run to continue. Idempotent.
   * @throws HlsSinkError from the final playlist write.
   */
  close(opts: { endList?: boolean } = {}): Promise<void> {
    this.#closing ??= this.#tail.then(async () => {
      if (this.#commitFailure) throw this.#commitFailure;
      const p = this.#playlist;
      const nothing = p.entries.length === 0 && this.#nextMediaSequence === 0 && this.#publishedText === undefined;
      if (opts.endList !== false && !this.#diskEnded && !nothing) {
        await this.#publish({ ...p, endList: true });
        this.#diskEnded = true;
      }
      // The last playlist is in place; make it durable too before saying closed.
      await this.flush();
    });
    return this.#closing;
  }

  async #writeNow(chunk: HlsChunk, alongside: (() => Promise<void>) | undefined, note: string | undefined): Promise<HlsWriteResult> {
    if (this.#commitFailure) throw this.#commitFailure;
    if (!this.#hasCommit) {
      // A fresh directory: before its first playlist, a durable record of the empty one, so a
      // power cut that takes the first playlist's bytes has a playlist to fall back to. Once
      // per directory, the only fsync on the live path.
      const empty = renderPlaylist(this.#playlist);
      if (this.#onThread) {
        const record = { tempPath: join(this.dir, tempNameFor(this.#commitFile)), path: join(this.dir, this.#commitFile), sync: true };
        await publishFiles([{ ...record, data: commitRecordBytes(empty, undefined) }], { syncDir: this.dir }).catch((err: unknown) => {
          throw fsError(err, `writing ${this.#commitFile} in ${this.dir}`);
        });
      } else {
        await writeCommitRecord(this.#fs, this.dir, this.#commitFile, empty, undefined);
        await syncDirectory(this.#fs, this.dir);
      }
      this.#hasCommit = true;
    }
    const prev = this.#continuity;
    // Within one run a repeated or backwards seq is a caller bug (e.g. a duplicate from a second
    // relay). Across a reopen it is a new run restarting its numbering: a discontinuity, not an error.
    if (prev && this.#stats.segmentsWritten > 0 && !chunk.discontinuity && chunk.seq <= prev.lastSeq) {
      throw new HlsSinkError(
        "bad-chunk",
        `seq ${chunk.seq} is not after ${prev.lastSeq}; pass discontinuity: true to start a new sequence`,
      );
    }
    const hasPredecessor = this.#nextMediaSequence > 0;
    const discontinuity =
      hasPredecessor &&
      (chunk.discontinuity === true ||
        this.#forceDiscontinuity ||
        prev === undefined ||
        breaksContinuity(prev, chunk, this.#tolerance));

    const mediaSequence = this.#nextMediaSequence;
    const name = segmentName(mediaSequence);
    const entry: PlaylistEntry = {
      mediaSequence,
      durationTicks: chunk.durationTicks,
      discontinuity,
      programDateTimeMs: chunk.programDateTimeMs ?? Date.now(),
      // On the publish thread the CRC-32 is computed there (see #publishOnThread).
      check: { bytes: chunk.bytes.length, crc32: 0 },
    };
    const entries = [...this.#playlist.entries, entry];
    let discontinuitySequence = this.#playlist.discontinuitySequence;
    const overflow = this.#window > 0 ? Math.max(0, entries.length - this.#window) : 0;
    const removed = entries.splice(0, overflow);
    // RFC 8216 §6.2.2: removing a DISCONTINUITY tag from the top bumps the discontinuity sequence.
    for (const r of removed) if (r.discontinuity) discontinuitySequence++;
    const continuity = continuityAfter(chunk);
    const next: MediaPlaylist = {
      ...this.#playlist,
      targetDuration: Math.max(this.#playlist.targetDuration, targetDurationFor(chunk.durationTicks)),
      mediaSequence: entries[0]!.mediaSequence,
      discontinuitySequence,
      entries,
      endList: false,
      continuity,
    };
    if (note !== undefined) next.note = note;
    else delete next.note;

    let text: string;
    if (this.#onThread && !alongside) {
      text = await this.#publishOnThread(name, chunk.bytes, next, entry.check!);
    } else {
      entry.check!.crc32 = crc32(chunk.bytes);
      text = renderPlaylist(next);
      await this.#publishStaged(name, chunk.bytes, utf8(text), alongside);
    }

    // Published: the playlist on disk now names the segment, so the in-memory state follows it.
    this.#playlist = next;
    this.#nextMediaSequence = mediaSequence + 1;
    this.#continuity = continuity;
    this.#forceDiscontinuity = false;
    this.#diskEnded = false;
    this.#stats.segmentsWritten++;
    this.#stats.bytesWritten += chunk.bytes.length;
    this.#ticksWritten += chunk.durationTicks;
    if (discontinuity) this.#stats.discontinuities++;
    for (const r of removed) this.#retired.push(r.mediaSequence);
    // Its fdatasync starts now, not at the next commit: the disk writes it back while the next
    // chunks are verified and written, rather than all at once when a commit comes (with a
    // commit interval, many segments' worth). The commit waits for it before naming it.
    const sync = syncFile(this.#fs, this.dir, name);
    sync.catch(() => undefined); // seen by the commit that waits for it
    this.#unsynced.push({ name, sync });
    this.#published(text);
    return { segmentName: name, mediaSequence, discontinuity };
  }

  /**
   * Puts the segment and then the playlist naming it in place through the publish thread (one
   * main-thread turn; the calls and their order are {@link #publishStaged}'s, see
   * publish-thread.ts). On failure nothing is published: a segment renamed before the playlist
   * failed is taken away again.
   */
  async #publishOnThread(name: string, bytes: Uint8Array, next: MediaPlaylist, check: { crc32: number }): Promise<string> {
    // Copied once into memory the thread shares (no second copy on the way), reused: writes
    // are serialised, so the previous segment's request has settled.
    if (!this.#shared || this.#shared.length < bytes.length) this.#shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    const data = this.#shared.subarray(0, bytes.length);
    data.set(bytes);
    // The segment's CRC-32 is computed on the thread too, which writes it into the playlist's
    // newest `crc32=` field (the last one: segments are listed oldest first, the note sits in the
    // header) before writing the playlist: one pass over the bytes fewer on the main thread.
    const rendered = renderPlaylist(next);
    const at = rendered.lastIndexOf(CRC_FIELD) + CRC_FIELD.length;
    if (rendered.slice(at, at + 8) !== "00000000") throw new HlsSinkError("io-error", "internal: no crc32 field for the new segment");
    const playlist = utf8(rendered);
    // Byte offset of the field: only the short tail after it is encoded again, not the whole text.
    const atByte = playlist.length - utf8(rendered.slice(at)).length;
    const files = [
      { tempPath: join(this.dir, tempNameFor(name)), path: join(this.dir, name), data },
      { tempPath: join(this.dir, tempNameFor(this.#playlistName)), path: this.playlistPath, data: playlist },
    ];
    let crc: number | undefined;
    try {
      crc = await publishFiles(files, { crc32: { of: 0, into: 1, at: atByte } });
    } catch (err) {
      const f = err instanceof PublishFailure ? err : undefined;
      if (f && f.renamed < 0) {
        // The thread died mid-request: what is on disk is unknown, so stop like a failed commit.
        this.#commitFailure ??= new HlsSinkError("io-error", f.message, { cause: err });
        throw this.#commitFailure;
      }
      // Not published: take the orphan segment away again so the directory matches the playlist.
      if (f?.renamed === 1) await removeFile(this.#fs, this.dir, name).catch(() => undefined);
      throw fsError(err, `writing ${f?.file === 1 ? this.#playlistName : name} in ${this.dir}`);
    }
    check.crc32 = crc!;
    return rendered.slice(0, at) + crc!.toString(16).padStart(8, "0") + rendered.slice(at + 8);
  }

  /**
   * Puts the segment and then the playlist naming it in place with the sink's file system: both
   * written under temp names at once, then renamed in order: 1. the segment, whole in place
   * before any playlist can name it (no fsync: the group commit makes it durable; until then a
   * reopen after a power cut checks it against its `check`); 2. the playlist naming it, in place
   * for readers at once, durable at the next commit. `alongside` runs beside the writes and must
   * succeed before anything is renamed. On failure nothing is published.
   */
  async #publishStaged(name: string, bytes: Uint8Array, playlistBytes: Uint8Array, alongside: (() => Promise<void>) | undefined): Promise<void> {
    const segment = stageFile(this.#fs, this.dir, name, bytes, { sync: false });
    const playlist = stageFile(this.#fs, this.dir, this.#playlistName, playlistBytes, { sync: false });
    const other = alongside?.();
    // All settle before anything else happens (no write left running behind a rejection).
    const [segmentDone, playlistDone, otherDone] = await Promise.allSettled([segment, playlist, other]);
    const discardPlaylist = () => (playlistDone.status === "fulfilled" ? playlistDone.value.discard() : undefined);
    try {
      if (segmentDone.status === "rejected") throw segmentDone.reason;
      if (playlistDone.status === "rejected") throw playlistDone.reason;
      if (otherDone.status === "rejected") throw otherDone.reason;
    } catch (err) {
      // Nothing renamed yet: nothing was published.
      await Promise.all([segmentDone.status === "fulfilled" ? segmentDone.value.discard() : undefined, discardPlaylist()]);
      throw err;
    }
    try {
      await segmentDone.value.rename();
    } catch (err) {
      await discardPlaylist();
      throw err;
    }
    try {
      await playlistDone.value.rename();
    } catch (err) {
      // Not published: take the orphan segment away again so the directory matches the playlist.
      await removeFile(this.#fs, this.dir, name).catch(() => undefined);
      throw err;
    }
  }

  /** Puts a playlist naming no new segment in place (ENDLIST at close), to be committed. */
  async #publish(p: MediaPlaylist): Promise<void> {
    const text = renderPlaylist(p);
    await writeFileAtomically(this.#fs, this.dir, this.#playlistName, utf8(text), { sync: false });
    this.#published(text);
  }

  #published(text: string): void {
    this.#publishedText = text;
    this.#publishedGen++;
    this.#startCommit();
  }

  /** Starts the group commit loop unless it runs (it picks up whatever was published meanwhile). */
  #startCommit(): void {
    if (this.#committing || this.#commitFailure) return;
    this.#committing = this.#commitLoop().finally(() => {
      this.#committing = undefined;
    });
  }

  /**
   * Group commit, off the live path: while something published is not committed, take every
   * segment renamed in since the last round, wait for their fdatasyncs (started as each was
   * published; for segments a reopen found, started now), fsync the directory (their renames
   * and the playlist's), then write the commit record with the text of the playlist in place when
   * the round started (fdatasynced, renamed) and fsync the directory again. Only then is the
   * round's playlist the one a power cut falls back to, and segments it no longer names may go.
   * Never rejects: a failure is kept in `#commitFailure` and stops the sink.
   */
  async #commitLoop(): Promise<void> {
    while (this.#committedGen < this.#publishedGen && !this.#commitFailure) {
      await this.#commitInterval();
      this.#lastCommitStartMs = Date.now();
      const gen = this.#publishedGen;
      const text = this.#publishedText!;
      const first = this.#playlist.entries[0]?.mediaSequence ?? this.#playlist.mediaSequence;
      const note = this.#playlist.note;
      const segments = this.#unsynced.splice(0);
      try {
        await Promise.all(segments.map((u) => u.sync ?? syncFile(this.#fs, this.dir, u.name)));
        await syncDirectory(this.#fs, this.dir);
        await writeCommitRecord(this.#fs, this.dir, this.#commitFile, text, note);
        await syncDirectory(this.#fs, this.dir);
      } catch (err) {
        this.#commitFailure = err instanceof HlsSinkError ? err : fsError(err, `committing ${this.dir}`);
        return;
      }
      this.#committedGen = gen;
      this.#committedFirst = first;
      await this.#deleteExpired();
    }
  }

  /** Waits out what is left of the commit interval, unless a flush is waiting. */
  async #commitInterval(): Promise<void> {
    const left = this.#lastCommitStartMs + this.#commitIntervalMs - Date.now();
    if (left <= 0 || this.#urgent > 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, left);
      // A process that ends without close() ends like a crash: recovery trims the tail.
      (timer as { unref?: () => void }).unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  /**
   * Deletes retired segments beyond the grace count, only those the committed playlist no longer
   * names (so no playlist a power cut can bring back names them). A failed delete is retried
   * after the next commit, never reported: the chunks themselves were published fine.
   */
  async #deleteExpired(): Promise<void> {
    while (this.#retired.length > this.#retain && this.#retired[0]! < this.#committedFirst) {
      const n = this.#retired[0]!;
      try {
        await removeFile(this.#fs, this.dir, segmentName(n));
      } catch {
        return;
      }
      this.#retired.shift();
    }
  }
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

interface CheckedOptions {
  fs: HlsSinkFs;
  dir: string;
  playlistName: string;
  window: number;
  event: boolean;
  retain: number;
  tolerance: number;
  commitFile: string;
  commitIntervalMs: number;
}

function checkOptions(opts: HlsSinkOptions): CheckedOptions {
  const bad = (m: string) => new HlsSinkError("bad-options", m);
  if (typeof opts !== "object" || opts === null) throw bad("options must be an object");
  if (typeof opts.dir !== "string" || opts.dir === "") throw bad("dir must be a non-empty path");
  const mode = opts.mode ?? "live";
  if (mode !== "live" && mode !== "event") throw bad(`mode must be "live" or "event"`);
  const windowSegments = opts.windowSegments ?? DEFAULT_WINDOW;
  if (!Number.isSafeInteger(windowSegments) || windowSegments < 0) throw bad("windowSegments must be an integer >= 0");
  const window = mode === "event" ? 0 : windowSegments;
  const retain = opts.retainRemovedSegments ?? window + 1;
  if (!Number.isSafeInteger(retain) || retain < 0) throw bad("retainRemovedSegments must be an integer >= 0");
  const tolerance = opts.ptsJumpToleranceTicks ?? DEFAULT_PTS_TOLERANCE;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) throw bad("ptsJumpToleranceTicks must be an integer >= 0");
  const playlistName = opts.playlistName ?? DEFAULT_PLAYLIST;
  if (
    typeof playlistName !== "string" ||
    !/^[A-Za-z0-9._-]{1,255}$/.test(playlistName) ||
    playlistName === "." ||
    playlistName === ".." ||
    isTempName(playlistName) ||
    parseSegmentName(playlistName) !== undefined
  ) {
    throw bad("playlistName must be a plain file name that is not a segment or temp name");
  }
  const commitFile = opts.commitFile ?? DEFAULT_COMMIT_FILE;
  if (typeof commitFile !== "string" || !/^\.[A-Za-z0-9._-]{1,254}$/.test(commitFile) || commitFile === ".." || isTempName(commitFile) || commitFile === playlistName) {
    throw bad("commitFile must be a dotfile name that is not a temp name");
  }
  const commitIntervalMs = opts.commitIntervalMs ?? 0;
  if (!Number.isFinite(commitIntervalMs) || commitIntervalMs < 0) throw bad("commitIntervalMs must be a number >= 0");
  return { fs: opts.fs ?? nodeFs, dir: opts.dir, playlistName, window, event: mode === "event", retain, tolerance, commitFile, commitIntervalMs };
}
