/**
 * Where a writer restarted on the same directory picks up. Before each segment, the writer
 * records `{streamId, epoch, seq}` of that segment and of the last one it wrote (`previous`) in
 * {@link RESUME_FILE}, next to the playlist. On restart the record is trusted only when one of
 * the two is the seq the playlist itself says was written last, so a crash anywhere between the
 * record and the playlist still resumes exactly; when neither agrees, the caller joins like a new
 * subscriber (behind a discontinuity).
 *
 * Durability: the writer keeps the point of each segment in the playlist itself (the sink's
 * `# ec-note` comment), so it always describes the playlist's own last segment, and the sink's
 * commit record (this file, since the group commit) holds the committed playlist with its note.
 * A directory written before that holds only the record written before each segment, which is
 * still read here.
 */
import { writeFileAtomically } from "./atomic-file.js";
import { readRecordFile } from "./record-file.js";
import type { HlsSinkFs } from "./fs.js";

/**
 * File name in the HLS directory: a dotfile, which players and the sink ignore. The same name
 * `apps/subscriber` used before the writer moved here, so directories written by it resume.
 */
export const RESUME_FILE = ".ec-subscriber-resume.json";

/** A segment's place in its stream: which stream, which capture run (epoch), which chunk. */
export interface ResumePoint {
  streamId: string;
  epoch: string;
  seq: number;
}

/** What {@link RESUME_FILE} holds. */
export interface ResumeRecord extends ResumePoint {
  /** The segment written before this one, if any: the point to resume from if this one never made it. */
  previous?: { epoch: string; seq: number };
}

// Far above any valid record; a bigger file is not ours and is not read.
const MAX_RECORD_BYTES = 4096;
const MAX_EPOCH_CHARS = 256;

/**
 * The point to resume after: the recorded segment (or the one before it) whose seq is the
 * playlist's last seq, for `streamId` only. Undefined when there is no playlist seq, no record,
 * an unreadable or malformed record, another stream's record, or when both recorded points have
 * that seq in different epochs (it cannot be told which one the playlist holds). Never throws
 * for bad content; throws `HlsSinkError` only when the directory cannot be read at all.
 */
export async function readResumePoint(
  fs: HlsSinkFs,
  dir: string,
  streamId: string,
  playlistLastSeq: number | undefined,
): Promise<ResumePoint | undefined> {
  if (playlistLastSeq === undefined) return undefined;
  return matchResumeRecord(await readResumeRecord(fs, dir), streamId, playlistLastSeq);
}

/**
 * The parsed content of {@link RESUME_FILE} (unvalidated JSON; see {@link matchResumeRecord}), or
 * undefined when missing, over 4 KiB or not JSON. Throws `HlsSinkError` only when the directory
 * cannot be read at all.
 */
export async function readResumeRecord(fs: HlsSinkFs, dir: string): Promise<unknown> {
  const bytes = await readRecordFile(fs, dir, RESUME_FILE, MAX_RECORD_BYTES);
  if (bytes === undefined) return undefined;
  return parseRecord(bytes);
}

/**
 * The point `record` (a parsed JSON value) gives for a playlist whose last seq is
 * `playlistLastSeq`, under the rules of {@link readResumePoint}; undefined when it is not a
 * valid record, is another stream's, or agrees with neither point.
 */
export function matchResumeRecord(value: unknown, streamId: string, playlistLastSeq: number | undefined): ResumePoint | undefined {
  if (playlistLastSeq === undefined) return undefined;
  const record = value === undefined || value === null || typeof value !== "object" ? undefined : checkRecord(value);
  if (!record || record.streamId !== streamId) return undefined;
  const prev = record.previous;
  if (prev && prev.seq === record.seq && prev.epoch !== record.epoch) return undefined;
  if (record.seq === playlistLastSeq) return { streamId, epoch: record.epoch, seq: record.seq };
  if (prev && prev.seq === playlistLastSeq) return { streamId, epoch: prev.epoch, seq: prev.seq };
  return undefined;
}

/** Records `record` atomically (temp file, fsync, rename). @throws HlsSinkError */
export async function writeResumeRecord(fs: HlsSinkFs, dir: string, record: ResumeRecord): Promise<void> {
  const { streamId, epoch, seq, previous } = record;
  const clean: ResumeRecord = previous ? { streamId, epoch, seq, previous: { epoch: previous.epoch, seq: previous.seq } } : { streamId, epoch, seq };
  await writeFileAtomically(fs, dir, RESUME_FILE, new TextEncoder().encode(JSON.stringify(clean) + "\n"));
}

function parseRecord(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

function checkRecord(v: object): ResumeRecord | undefined {
  const r = v as Record<string, unknown>;
  if (typeof r.streamId !== "string" || !isEpoch(r.epoch) || !isSeq(r.seq)) return undefined;
  const out: ResumeRecord = { streamId: r.streamId, epoch: r.epoch, seq: r.seq };
  if (r.previous !== undefined) {
    const p = r.previous as Record<string, unknown> | null;
    // A malformed `previous` makes the whole record suspect.
    if (typeof p !== "object" || p === null || !isEpoch(p.epoch) || !isSeq(p.seq)) return undefined;
    out.previous = { epoch: p.epoch, seq: p.seq };
  }
  return out;
}

function isEpoch(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_EPOCH_CHARS;
}

function isSeq(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
