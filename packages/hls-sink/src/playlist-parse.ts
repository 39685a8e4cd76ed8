import type { ContinuityPoint } from "./continuity.js";
import { HlsSinkError } from "./errors.js";
import {
  CONTINUITY_COMMENT,
  NOTE_COMMENT,
  PLAYLIST_VERSION,
  SEGMENT_CHECK_COMMENT,
  type MediaPlaylist,
  type PlaylistEntry,
  type SegmentCheck,
} from "./playlist.js";
import { parseSegmentName, segmentName } from "./segment-name.js";
import { PTS_MODULUS, secondsToTicks } from "./timestamps.js";

/**
 * Largest playlist the sink will read back: a day of 1 s segments in event mode is ~9 MB, and
 * anything bigger than this is not a playlist we wrote.
 */
export const MAX_PLAYLIST_BYTES = 16 * 1024 * 1024;

const INTEGER = /^\d{1,15}$/;
const DECIMAL = /^\d{1,9}(?:\.\d{1,12})?$/;
const CONTINUITY = /^ last-seq=(\d{1,16}) next-pts=(\d{1,10})$/;
const SEGMENT_CHECK = /^ bytes=(\d{1,15}) crc32=([0-9a-f]{8})$/;
// A note is one line of JSON text; anything longer is not one we wrote.
const MAX_NOTE_CHARS = 8192;

/**
 * Parses a media playlist written by this package (or a compatible subset), for reopening.
 * Strict on purpose: a tag it does not understand (a key, a map, byte ranges...) would be
 * silently dropped on rewrite, so it is an error rather than a guess. Throws
 * `HlsSinkError("corrupt-playlist")` naming the offending line.
 */
export function parsePlaylist(text: string): MediaPlaylist {
  if (text.length > MAX_PLAYLIST_BYTES) throw corrupt(`playlist is larger than ${MAX_PLAYLIST_BYTES} bytes`);
  // Our playlists end with a newline; a missing one means a truncated write (not ours, we rename).
  if (!text.endsWith("\n")) throw corrupt("playlist does not end with a newline (truncated?)");
  const lines = text.slice(0, -1).split("\n");
  if (lines[0]?.replace(/\r$/, "") !== "#EXTM3U") throw corrupt("line 1: expected #EXTM3U");

  let targetDuration: number | undefined;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let event = false;
  let endList = false;
  let continuity: ContinuityPoint | undefined;
  const entries: PlaylistEntry[] = [];
  // Tags that apply to the next URI line.
  let pendingDuration: number | undefined;
  let pendingDiscontinuity = false;
  let pendingDate: number | undefined;
  let pendingCheck: SegmentCheck | undefined;
  let note: string | undefined;
  const seen = new Set<string>();

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const at = `line ${i + 1}`;
    if (line === "") continue;
    if (endList && !(line.startsWith("#") && !line.startsWith("#EXT"))) throw corrupt(`${at}: content after #EXT-X-ENDLIST`);
    if (!line.startsWith("#")) {
      if (pendingDuration === undefined) throw corrupt(`${at}: segment URI without #EXTINF`);
      const expected = mediaSequence + entries.length;
      const n = parseSegmentName(line);
      if (n !== expected) throw corrupt(`${at}: expected segment ${segmentName(expected)}, found ${clip(line)}`);
      const entry: PlaylistEntry = { mediaSequence: n, durationTicks: pendingDuration, discontinuity: pendingDiscontinuity };
      if (pendingDate !== undefined) entry.programDateTimeMs = pendingDate;
      if (pendingCheck !== undefined) entry.check = pendingCheck;
      entries.push(entry);
      pendingCheck = undefined;
      pendingDuration = undefined;
      pendingDiscontinuity = false;
      pendingDate = undefined;
      continue;
    }
    if (!line.startsWith("#EXT")) {
      if (line.startsWith(`${SEGMENT_CHECK_COMMENT} `)) {
        if (pendingCheck !== undefined || pendingDuration !== undefined) throw corrupt(`${at}: misplaced segment check comment`);
        pendingCheck = parseCheck(line.slice(SEGMENT_CHECK_COMMENT.length), at);
      } else if (line.startsWith(`${NOTE_COMMENT} `)) {
        if (note !== undefined || entries.length > 0) throw corrupt(`${at}: misplaced note comment`);
        note = line.slice(NOTE_COMMENT.length + 1);
        if (note.length > MAX_NOTE_CHARS) throw corrupt(`${at}: note longer than ${MAX_NOTE_CHARS} characters`);
      } else if (line.startsWith(CONTINUITY_COMMENT)) continuity = parseContinuity(line.slice(CONTINUITY_COMMENT.length), at);
      continue; // other comments are allowed and ignored
    }
    const colon = line.indexOf(":");
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? undefined : line.slice(colon + 1);
    const header = HEADER_TAGS.has(tag);
    if (header) {
      if (entries.length > 0 || pendingDuration !== undefined) throw corrupt(`${at}: ${tag} after the first segment`);
      if (seen.has(tag)) throw corrupt(`${at}: duplicate ${tag}`);
      seen.add(tag);
    }
    switch (tag) {
      case "#EXT-X-VERSION": {
        const v = integer(value, at, tag);
        if (v < 1 || v > PLAYLIST_VERSION) throw corrupt(`${at}: unsupported playlist version ${v}`);
        break;
      }
      case "#EXT-X-TARGETDURATION":
        targetDuration = integer(value, at, tag);
        break;
      case "#EXT-X-MEDIA-SEQUENCE":
        mediaSequence = integer(value, at, tag);
        break;
      case "#EXT-X-DISCONTINUITY-SEQUENCE":
        discontinuitySequence = integer(value, at, tag);
        break;
      case "#EXT-X-PLAYLIST-TYPE":
        if (value !== "EVENT") throw corrupt(`${at}: only an EVENT playlist type can be continued`);
        event = true;
        break;
      case "#EXT-X-INDEPENDENT-SEGMENTS":
        if (value !== undefined) throw corrupt(`${at}: ${tag} takes no value`);
        break;
      case "#EXT-X-DISCONTINUITY":
        if (value !== undefined) throw corrupt(`${at}: ${tag} takes no value`);
        pendingDiscontinuity = true;
        break;
      case "#EXT-X-PROGRAM-DATE-TIME": {
        const ms = value === undefined ? Number.NaN : Date.parse(value);
        if (!Number.isFinite(ms)) throw corrupt(`${at}: bad ${tag}`);
        pendingDate = ms;
        break;
      }
      case "#EXTINF": {
        if (pendingDuration !== undefined) throw corrupt(`${at}: two #EXTINF for one segment`);
        const comma = value === undefined ? -1 : value.indexOf(",");
        const seconds = comma < 0 ? undefined : value!.slice(0, comma);
        if (seconds === undefined || !DECIMAL.test(seconds)) throw corrupt(`${at}: bad #EXTINF`);
        pendingDuration = secondsToTicks(Number(seconds));
        break;
      }
      case "#EXT-X-ENDLIST":
        if (value !== undefined) throw corrupt(`${at}: ${tag} takes no value`);
        endList = true;
        break;
      default:
        throw corrupt(`${at}: unsupported tag ${clip(tag)}`);
    }
  }
  if (pendingDuration !== undefined || pendingDiscontinuity || pendingDate !== undefined || pendingCheck !== undefined) {
    throw corrupt("playlist ends with segment tags but no segment URI (truncated?)");
  }
  if (targetDuration === undefined) throw corrupt("missing #EXT-X-TARGETDURATION");
  const playlist: MediaPlaylist = { targetDuration, mediaSequence, discontinuitySequence, event, entries, endList };
  if (continuity) playlist.continuity = continuity;
  if (note !== undefined) playlist.note = note;
  return playlist;
}

const HEADER_TAGS = new Set([
  "#EXT-X-VERSION",
  "#EXT-X-TARGETDURATION",
  "#EXT-X-MEDIA-SEQUENCE",
  "#EXT-X-DISCONTINUITY-SEQUENCE",
  "#EXT-X-PLAYLIST-TYPE",
  "#EXT-X-INDEPENDENT-SEGMENTS",
]);

function integer(value: string | undefined, at: string, tag: string): number {
  if (value === undefined || !INTEGER.test(value)) throw corrupt(`${at}: ${tag} needs a decimal integer`);
  return Number(value);
}

function parseContinuity(rest: string, at: string): ContinuityPoint {
  const m = CONTINUITY.exec(rest);
  const lastSeq = Number(m?.[1]);
  const nextPts = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(lastSeq) || nextPts >= PTS_MODULUS) throw corrupt(`${at}: bad continuity comment`);
  return { lastSeq, nextPts };
}

function parseCheck(rest: string, at: string): SegmentCheck {
  const m = SEGMENT_CHECK.exec(rest);
  const bytes = Number(m?.[1]);
  if (!m || !Number.isSafeInteger(bytes)) throw corrupt(`${at}: bad segment check comment`);
  return { bytes, crc32: Number.parseInt(m[2]!, 16) };
}

// Keep error messages one short line even when the input is garbage.
function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, "?");
  return JSON.stringify(printable.length > 40 ? `${printable.slice(0, 40)}...` : printable);
}

function corrupt(message: string): HlsSinkError {
  return new HlsSinkError("corrupt-playlist", message);
}
