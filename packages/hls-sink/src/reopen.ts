import { join } from "node:path";
import { crc32 } from "node:zlib";
import { syncDirectory, writeFileAtomically } from "./atomic-file.js";
import { readCommitRecord } from "./commit-record.js";
import { HlsSinkError, fsError } from "./errors.js";
import type { HlsSinkFs } from "./fs.js";
import { renderPlaylist, type MediaPlaylist, type PlaylistEntry } from "./playlist.js";
import { MAX_PLAYLIST_BYTES, parsePlaylist } from "./playlist-parse.js";
import { isTempName, parseSegmentName, segmentName } from "./segment-name.js";

/** What an output directory held when the sink opened it. */
export interface ExistingOutput {
  /** The playlist found there (after recovery), or `undefined` for a fresh directory. */
  playlist: MediaPlaylist | undefined;
  /** Its text as it is on disk now. */
  text: string | undefined;
  /**
   * Media sequence number of the last segment known durable (named by the commit record), or -1.
   * Segments after it are complete (checked) but maybe not yet on stable storage.
   */
  committedThrough: number;
  /** Whether the commit record already holds exactly `text` (nothing to commit at open). */
  committed: boolean;
  /** Whether a commit record exists (a fresh directory gets one before its first playlist). */
  hasCommit: boolean;
  /** What recovery did, for the owner's log: `kept`, or why the playlist was replaced. */
  recovery: RecoveryAction;
  /**
   * Segment files below the first listed one: already dropped from the playlist by an earlier
   * run and still within their grace period. Oldest first; the sink deletes them in due course.
   */
  retired: number[];
}

/**
 * What reopening did to the playlist: `kept` it; restored the commit record's because the live
 * one was unreadable (`restored-unreadable`), older than the record (`restored-older`), or named
 * a segment that did not survive (`restored-incomplete`); or, with no commit record, cut it
 * before the first such segment (`trimmed-incomplete`).
 */
export type RecoveryAction = "fresh" | "kept" | "restored-unreadable" | "restored-older" | "restored-incomplete" | "trimmed-incomplete";

/**
 * Prepares `dir` for writing and reads back what an earlier run left: creates the directory,
 * deletes temp files a crash left behind, recovers the playlist, checks that every segment it
 * names exists, and deletes segment files numbered at or after the next one (written by a run
 * that crashed before its playlist named them, so no reader can know of them).
 *
 * Recovery (the live path does not wait for fsync; see commit-record.ts): the segments named by
 * the commit record are durable. A live playlist that names more is kept only if every further
 * segment is whole: its length and CRC-32 match the playlist's `# ec-seg` comment. Otherwise,
 * or when the live playlist is unreadable or older, the commit record's playlist is put back
 * (durably: fdatasync, rename, directory fsync) before anything else happens, so nothing
 * incomplete is ever served. Playlists from before the check comments (no comment on an entry)
 * were written fsync-first and are trusted as before.
 */
export async function openOutputDirectory(
  fs: HlsSinkFs,
  dir: string,
  playlistName: string,
  commitFile?: string,
): Promise<ExistingOutput> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw fsError(err, `creating ${dir}`);
  }
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw fsError(err, `listing ${dir}`);
  }
  for (const name of names) {
    if (isTempName(name)) await removeFile(fs, dir, name);
  }

  const commit = commitFile === undefined ? undefined : await readCommitRecord(fs, dir, commitFile);
  let live: { playlist: MediaPlaylist; text: string } | undefined;
  try {
    live = await readPlaylist(fs, dir, playlistName);
  } catch (err) {
    // A power cut can leave the live playlist's rename on disk without its bytes.
    if (!(commit && err instanceof HlsSinkError && err.code === "corrupt-playlist")) throw err;
    live = undefined;
  }
  if (!live && !commit) return { playlist: undefined, text: undefined, committedThrough: -1, committed: false, hasCommit: false, recovery: "fresh", retired: [] };

  const committedThrough = commit ? lastListed(commit.playlist) : -1;
  let recovery: RecoveryAction = "kept";
  let playlist: MediaPlaylist;
  let text: string;
  if (!live) {
    recovery = "restored-unreadable";
  } else if (commit && lastListed(live.playlist) < committedThrough) {
    recovery = "restored-older";
  } else {
    const bad = await firstIncomplete(fs, dir, live.playlist.entries.filter((e) => e.mediaSequence > committedThrough));
    if (bad !== undefined) recovery = commit ? "restored-incomplete" : "trimmed-incomplete";
  }
  if (recovery === "kept") {
    ({ playlist, text } = live!);
  } else if (recovery === "trimmed-incomplete") {
    const p = live!.playlist;
    const bad = await firstIncomplete(fs, dir, p.entries);
    const entries = p.entries.slice(0, p.entries.indexOf(bad!));
    // What followed the last kept segment is unknown: no continuity point, no note.
    playlist = { targetDuration: p.targetDuration, mediaSequence: entries[0]?.mediaSequence ?? bad!.mediaSequence, discontinuitySequence: p.discontinuitySequence, event: p.event, entries, endList: false };
    text = renderPlaylist(playlist);
  } else {
    ({ playlist, text } = commit!);
  }
  if (recovery !== "kept") {
    await writeFileAtomically(fs, dir, playlistName, new TextEncoder().encode(text));
    await syncDirectory(fs, dir);
  }

  const listed = new Set(playlist.entries.map((e) => e.mediaSequence));
  for (const n of listed) {
    const name = segmentName(n);
    let isFile = false;
    try {
      isFile = (await fs.stat(join(dir, name))).isFile();
    } catch (err) {
      if ((err as { code?: unknown }).code !== "ENOENT") throw fsError(err, `checking ${name} in ${dir}`);
    }
    if (!isFile) throw new HlsSinkError("corrupt-playlist", `${playlistName} names ${name}, which is missing`);
  }
  const first = playlist.entries[0]?.mediaSequence ?? playlist.mediaSequence;
  const next = first + playlist.entries.length;
  const retired: number[] = [];
  for (const name of names) {
    const n = parseSegmentName(name);
    if (n === undefined || listed.has(n)) continue;
    if (n < first) retired.push(n);
    else await removeFile(fs, dir, name);
  }
  retired.sort((a, b) => a - b);
  return { playlist, text, committedThrough, committed: commit?.text === text, hasCommit: commit !== undefined, recovery, retired };
}

/** Media sequence number of the last listed segment (one before the first when none is listed). */
export function lastListed(p: MediaPlaylist): number {
  return p.entries.at(-1)?.mediaSequence ?? p.mediaSequence - 1;
}

/**
 * The first entry whose segment is not whole: missing, or (when the entry carries a check)
 * of another length or CRC-32. A missing segment without a check is left for the caller's
 * "names a missing segment" error (a playlist from before checks, or not ours).
 */
async function firstIncomplete(fs: HlsSinkFs, dir: string, entries: PlaylistEntry[]): Promise<PlaylistEntry | undefined> {
  for (const e of entries) {
    if (!e.check) continue;
    const name = segmentName(e.mediaSequence);
    let bytes: Uint8Array;
    try {
      const st = await fs.stat(join(dir, name));
      if (!st.isFile() || st.size !== e.check.bytes) return e;
      bytes = await fs.readFile(join(dir, name));
    } catch (err) {
      if ((err as { code?: unknown }).code === "ENOENT") return e;
      throw fsError(err, `checking ${name} in ${dir}`);
    }
    if (bytes.length !== e.check.bytes || crc32(bytes) !== e.check.crc32) return e;
  }
  return undefined;
}

async function readPlaylist(fs: HlsSinkFs, dir: string, playlistName: string): Promise<{ playlist: MediaPlaylist; text: string } | undefined> {
  const path = join(dir, playlistName);
  let bytes: Uint8Array;
  try {
    const { size, isFile } = await fs.stat(path).then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw new HlsSinkError("corrupt-playlist", `${playlistName} in ${dir} is not a regular file`);
    if (size > MAX_PLAYLIST_BYTES) {
      throw new HlsSinkError("corrupt-playlist", `${playlistName} is larger than ${MAX_PLAYLIST_BYTES} bytes`);
    }
    bytes = await fs.readFile(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw fsError(err, `reading ${playlistName} in ${dir}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new HlsSinkError("corrupt-playlist", `${playlistName} is not valid UTF-8`, { cause: err });
  }
  try {
    return { playlist: parsePlaylist(text), text };
  } catch (err) {
    if (err instanceof HlsSinkError) {
      throw new HlsSinkError(err.code, `${playlistName} in ${dir}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Deletes `dir/name`; a file that is already gone is fine. */
export async function removeFile(fs: HlsSinkFs, dir: string, name: string): Promise<void> {
  try {
    await fs.unlink(join(dir, name));
  } catch (err) {
    if ((err as { code?: unknown }).code !== "ENOENT") throw fsError(err, `deleting ${name} in ${dir}`);
  }
}
