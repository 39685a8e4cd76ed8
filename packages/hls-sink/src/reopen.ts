import { join } from "node:path";
import { HlsSinkError, fsError } from "./errors.js";
import type { HlsSinkFs } from "./fs.js";
import type { MediaPlaylist } from "./playlist.js";
import { MAX_PLAYLIST_BYTES, parsePlaylist } from "./playlist-parse.js";
import { isTempName, parseSegmentName, segmentName } from "./segment-name.js";

/** What an output directory held when the sink opened it. */
export interface ExistingOutput {
  /** The playlist found there, or `undefined` for a fresh directory. */
  playlist: MediaPlaylist | undefined;
  /**
   * Segment files below the first listed one: already dropped from the playlist by an earlier
   * run and still within their grace period. Oldest first; the sink deletes them in due course.
   */
  retired: number[];
}

/**
 * Prepares `dir` for writing and reads back what an earlier run left: creates the directory,
 * deletes temp files a crash left behind, parses the playlist (if any), checks that every segment
 * it names exists, and deletes segment files numbered at or after the next one (written by a
 * run that crashed before its playlist named them, so no reader can know of them).
 */
export async function openOutputDirectory(fs: HlsSinkFs, dir: string, playlistName: string): Promise<ExistingOutput> {
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

  const playlist = await readPlaylist(fs, dir, playlistName);
  if (!playlist) return { playlist: undefined, retired: [] };

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
  return { playlist, retired };
}

async function readPlaylist(fs: HlsSinkFs, dir: string, playlistName: string): Promise<MediaPlaylist | undefined> {
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
    return parsePlaylist(text);
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
