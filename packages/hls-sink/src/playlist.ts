import type { ContinuityPoint } from "./continuity.js";
import { segmentName } from "./segment-name.js";
import { ticksToSeconds } from "./timestamps.js";

/** One segment as listed in the media playlist. Its URI is `segmentName(mediaSequence)`. */
export interface PlaylistEntry {
  mediaSequence: number;
  durationTicks: number;
  /** `#EXT-X-DISCONTINUITY` precedes this segment. */
  discontinuity: boolean;
  /** `#EXT-X-PROGRAM-DATE-TIME` of this segment, when known. */
  programDateTimeMs?: number;
  /**
   * The segment file's length and CRC-32, in a comment ({@link SEGMENT_CHECK_COMMENT}): how a
   * reopen after a power cut tells a segment that reached the disk from one that did not (the
   * live path renames segments into place before they are fsynced; see group-commit.ts).
   */
  check?: SegmentCheck;
}

/** Length and CRC-32 (zlib's) of a segment file's bytes. */
export interface SegmentCheck {
  bytes: number;
  crc32: number;
}

/** Everything a media playlist says, in the form the sink keeps in memory. */
export interface MediaPlaylist {
  /** `#EXT-X-TARGETDURATION`: whole seconds, never decreased by the sink. */
  targetDuration: number;
  /** `#EXT-X-MEDIA-SEQUENCE`: the first listed entry's number, or the next number when none are listed. */
  mediaSequence: number;
  /** `#EXT-X-DISCONTINUITY-SEQUENCE`: discontinuity tags that have slid out of the window. */
  discontinuitySequence: number;
  /** `#EXT-X-PLAYLIST-TYPE:EVENT`: segments are only ever appended. */
  event: boolean;
  entries: PlaylistEntry[];
  /** `#EXT-X-ENDLIST`. */
  endList: boolean;
  /** Last chunk written, kept in a comment so a reopened sink can tell whether the next chunk follows on. */
  continuity?: ContinuityPoint;
  /**
   * The owner's note about the last segment (JSON text, one line; {@link NOTE_COMMENT}): kept in
   * the playlist so it always describes the playlist's own tail, whatever a crash left.
   * SegmentWriter keeps its resume point here.
   */
  note?: string;
}

/** `EXTINF` with decimal durations needs version 3; nothing we write needs more. */
export const PLAYLIST_VERSION = 3;

/** Comment line (not a tag: tags start with `#EXT`) that players ignore and the sink reads on reopen. */
export const CONTINUITY_COMMENT = "# ec-hls-sink";
/** Comment line before a segment's `#EXTINF`: `# ec-seg bytes=<n> crc32=<8 hex>`. */
export const SEGMENT_CHECK_COMMENT = "# ec-seg";
/** Comment line in the header: `# ec-note <JSON>`. */
export const NOTE_COMMENT = "# ec-note";

/**
 * Renders the playlist text. Layout, one item a line, ending in a newline:
 * header (`#EXTM3U`, version, target duration, media sequence, discontinuity sequence,
 * `PLAYLIST-TYPE:EVENT` in event mode, independent segments, the continuity comment), then per
 * segment `[#EXT-X-DISCONTINUITY] [#EXT-X-PROGRAM-DATE-TIME] #EXTINF:<s.ssssss>, <NNNNN.ts>`,
 * then `#EXT-X-ENDLIST` when ended.
 */
export function renderPlaylist(p: MediaPlaylist): string {
  const lines = [
    "#EXTM3U",
    `#EXT-X-VERSION:${PLAYLIST_VERSION}`,
    `#EXT-X-TARGETDURATION:${p.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${p.entries[0]?.mediaSequence ?? p.mediaSequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`,
  ];
  if (p.event) lines.push("#EXT-X-PLAYLIST-TYPE:EVENT");
  // Every chunk starts at a keyframe with PAT/PMT, so each segment decodes on its own.
  lines.push("#EXT-X-INDEPENDENT-SEGMENTS");
  if (p.continuity) {
    lines.push(`${CONTINUITY_COMMENT} last-seq=${p.continuity.lastSeq} next-pts=${p.continuity.nextPts}`);
  }
  if (p.note !== undefined) lines.push(`${NOTE_COMMENT} ${p.note}`);
  for (const e of p.entries) {
    if (e.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    if (e.programDateTimeMs !== undefined) {
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(e.programDateTimeMs).toISOString()}`);
    }
    if (e.check) lines.push(`${SEGMENT_CHECK_COMMENT} bytes=${e.check.bytes} crc32=${e.check.crc32.toString(16).padStart(8, "0")}`);
    lines.push(`#EXTINF:${ticksToSeconds(e.durationTicks)},`, segmentName(e.mediaSequence));
  }
  if (p.endList) lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
