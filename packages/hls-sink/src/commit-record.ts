/**
 * The commit record: the last playlist known durable, with every segment it names.
 *
 * The live path (HlsSink.write) renames a segment and then the playlist naming it into place
 * without waiting for an fsync; durability follows in the background, one group commit per batch
 * of segments: fdatasync each segment written since the last commit, fsync the directory, then
 * write this record (temp file, fdatasync, rename) and fsync the directory again. The record holds
 * the text of the playlist that was in place when the commit started, so after a power cut that
 * left the live playlist unreadable the sink can restore one whose segments are all on disk
 * (reopen.ts). Everything in it is fsynced before it is renamed into place, so the record on disk
 * is always whole: the previous commit's or this one's.
 *
 * The owner's note (SegmentWriter's resume point) is copied to the top level as well, so an older
 * reader of `.ec-subscriber-resume.json` still finds `streamId`, `epoch` and `seq` where it looked.
 */
import { writeFileAtomically } from "./atomic-file.js";
import { readRecordFile } from "./record-file.js";
import type { HlsSinkFs } from "./fs.js";
import type { MediaPlaylist } from "./playlist.js";
import { MAX_PLAYLIST_BYTES, parsePlaylist } from "./playlist-parse.js";

/** Default commit record name for a plain HlsSink (SegmentWriter uses its resume file's name). */
export const DEFAULT_COMMIT_FILE = ".ec-hls-sink-commit.json";

// The playlist text plus the note and JSON escaping; anything bigger is not ours.
const MAX_RECORD_BYTES = MAX_PLAYLIST_BYTES * 2 + 65536;

/** A commit record read back. */
export interface CommitRecord {
  /** The durable playlist. */
  playlist: MediaPlaylist;
  /** Its text, as written. */
  text: string;
}

/** Writes the record durably (temp, fdatasync, rename); the caller fsyncs the directory. */
export async function writeCommitRecord(fs: HlsSinkFs, dir: string, name: string, playlistText: string, note: string | undefined): Promise<void> {
  await writeFileAtomically(fs, dir, name, commitRecordBytes(playlistText, note));
}

/** The record's file content: the note's fields, and the playlist's text. */
export function commitRecordBytes(playlistText: string, note: string | undefined): Uint8Array {
  let top: Record<string, unknown> = {};
  if (note !== undefined) {
    const parsed = JSON.parse(note) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) top = parsed as Record<string, unknown>;
  }
  return new TextEncoder().encode(JSON.stringify({ ...top, playlist: playlistText }) + "\n");
}

/**
 * The commit record in `dir`, or undefined when there is none or the file is not one (an older
 * resume record without a playlist, foreign content). Throws only when the directory cannot be
 * read at all.
 */
export async function readCommitRecord(fs: HlsSinkFs, dir: string, name: string): Promise<CommitRecord | undefined> {
  const bytes = await readRecordFile(fs, dir, name, MAX_RECORD_BYTES);
  if (bytes === undefined) return undefined;
  try {
    const v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
    if (typeof v !== "object" || v === null) return undefined;
    const text = (v as { playlist?: unknown }).playlist;
    if (typeof text !== "string") return undefined;
    return { playlist: parsePlaylist(text), text };
  } catch {
    return undefined;
  }
}
