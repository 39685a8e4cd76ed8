import { join } from "node:path";
import { writeFileAtomically, syncDirectory } from "./atomic-file.js";
import { validateChunk, type HlsChunk } from "./chunk.js";
import { breaksContinuity, continuityAfter, type ContinuityPoint } from "./continuity.js";
import { HlsSinkError } from "./errors.js";
import { nodeFs, type HlsSinkFs } from "./fs.js";
import { renderPlaylist, type MediaPlaylist, type PlaylistEntry } from "./playlist.js";
import { openOutputDirectory, removeFile } from "./reopen.js";
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

/**
 * Writes chunks as MPEG-TS segments plus a live HLS media playlist, crash-safely: each file goes
 * to a temp name, is fsynced and renamed into place, the segment before the playlist that names
 * it, so a reader (or a restart after `kill -9`) never sees a half-written file or a playlist
 * naming a missing segment. Writes are serialised in call order.
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
  /**
   * How many of `#retired` (at its end) were dropped by a playlist whose rename is not yet known
   * durable: the directory has not been fsynced since. Deleting one of them before that sync could
   * leave, after a power loss, the previous playlist naming a deleted segment.
   */
  #retiredUnsynced = 0;
  /** A playlist was renamed into place since the last directory fsync (close() syncs it). */
  #playlistUnsynced = false;
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
  ) {
    this.#fs = fs;
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
    const existing = await openOutputDirectory(o.fs, o.dir, o.playlistName);
    // Fail now, not at the first chunk, if the directory is read-only.
    await writeFileAtomically(o.fs, o.dir, PROBE_NAME, new Uint8Array(0));
    await removeFile(o.fs, o.dir, PROBE_NAME);
    return new HlsSink(
      o.fs,
      o.dir,
      o.playlistName,
      o.window,
      o.retain,
      o.tolerance,
      o.event,
      existing.playlist,
      existing.retired,
    );
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
   * Writes one chunk as the next segment and publishes the updated playlist. Resolves after both
   * are renamed into place. The segment is durable (file and directory fsynced) before the
   * playlist naming it is renamed; the playlist itself becomes durable with the next write's
   * directory fsync, or at `close()`: one directory fsync per segment + playlist pair, and a power
   * loss in between leaves the previous playlist, complete. On rejection nothing new is published
   * and the sink stays usable, e.g. to retry after freeing disk space.
   *
   * `alongside`, when given, is started together with the segment's write and awaited before the
   * directory fsync, so whatever it renames into the directory is durable before the playlist
   * changes (SegmentWriter's resume record); if it rejects, nothing is published.
   * @throws HlsSinkError `bad-chunk` (malformed, or seq not after the previous chunk this sink
   *   wrote, without `discontinuity: true`), `closed`, `disk-full`, `unwritable-dir`, `io-error`.
   */
  write(chunk: HlsChunk, alongside?: () => Promise<void>): Promise<HlsWriteResult> {
    if (this.#closing) return Promise.reject(new HlsSinkError("closed", "write() after close()"));
    try {
      validateChunk(chunk);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.#tail.then(() => this.#writeNow(chunk, alongside));
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
      if (opts.endList === false || this.#diskEnded) {
        // The last playlist is in place; make it durable too before saying closed.
        if (this.#playlistUnsynced) {
          await syncDirectory(this.#fs, this.dir);
          this.#retiredUnsynced = 0;
          this.#playlistUnsynced = false;
        }
        return;
      }
      const p = this.#playlist;
      if (p.entries.length === 0 && this.#nextMediaSequence === 0) return; // nothing was ever written
      await this.#publish({ ...p, endList: true });
      this.#diskEnded = true;
    });
    return this.#closing;
  }

  async #writeNow(chunk: HlsChunk, alongside?: () => Promise<void>): Promise<HlsWriteResult> {
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

    // 1. The segment, durably in place before any playlist can name it. This directory fsync
    //    also makes the previous write's playlist rename durable (one fsync per segment +
    //    playlist pair), and anything the caller renamed into the directory before this write.
    const segment = writeFileAtomically(this.#fs, this.dir, name, chunk.bytes);
    const other = alongside?.();
    // Both settle before anything else happens (no write left running behind a rejection).
    const [segmentDone, otherDone] = await Promise.allSettled([segment, other]);
    if (segmentDone.status === "rejected") throw segmentDone.reason;
    try {
      if (otherDone.status === "rejected") throw otherDone.reason;
      await syncDirectory(this.#fs, this.dir);
      this.#retiredUnsynced = 0;
      this.#playlistUnsynced = false;
      // 2. The playlist naming it: in place for readers at once, durable at the next write's
      //    directory fsync or close(). A power loss before then leaves the previous playlist,
      //    whose segments are all still on disk (see #deleteExpired).
      await writeFileAtomically(this.#fs, this.dir, this.#playlistName, utf8(renderPlaylist(next)));
    } catch (err) {
      // Not published: take the orphan segment away again so the directory matches the playlist.
      await removeFile(this.#fs, this.dir, name).catch(() => undefined);
      throw err;
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
    this.#retiredUnsynced += removed.length;
    this.#playlistUnsynced = true;

    await this.#deleteExpired();
    return { segmentName: name, mediaSequence, discontinuity };
  }

  async #publish(p: MediaPlaylist): Promise<void> {
    await writeFileAtomically(this.#fs, this.dir, this.#playlistName, utf8(renderPlaylist(p)));
    await syncDirectory(this.#fs, this.dir);
    this.#retiredUnsynced = 0;
    this.#playlistUnsynced = false;
  }

  /**
   * Deletes retired segments beyond the grace count. Runs only after the playlist that stopped
   * naming them is in place and durable: with a grace count of 1 or more the directory fsync of
   * the current write already covered it; with 0 this syncs the directory first. A failed delete
   * is retried after the next write, never reported: the chunk itself was published fine.
   */
  async #deleteExpired(): Promise<void> {
    while (this.#retired.length > this.#retain) {
      if (this.#retired.length <= this.#retiredUnsynced) {
        try {
          await syncDirectory(this.#fs, this.dir);
        } catch {
          return;
        }
        this.#retiredUnsynced = 0;
      }
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
  return { fs: opts.fs ?? nodeFs, dir: opts.dir, playlistName, window, event: mode === "event", retain, tolerance };
}
