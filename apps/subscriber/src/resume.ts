/**
 * Where a subscriber restarted on the same `--hls-dir` picks up: after each segment it records
 * `{streamId, epoch, seq}` next to the playlist. On restart that record is trusted only when its
 * seq is the one the playlist itself says was written last (a crash between the two writes leaves
 * them disagreeing, and then the subscriber joins like a new one, behind a discontinuity).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** File name in the HLS directory (a dotfile: players and the sink ignore it). */
export const RESUME_FILE = ".ec-subscriber-resume.json";

/** The last segment written: its stream, epoch and chunk seq. */
export interface ResumePoint {
  streamId: string;
  epoch: string;
  seq: number;
}

/** The recorded point, if it is for `streamId` and agrees with the playlist's last seq. */
export function readResumePoint(dir: string, streamId: string, playlistLastSeq: number | undefined): ResumePoint | undefined {
  if (playlistLastSeq === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(join(dir, RESUME_FILE), "utf8"));
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const p = v as Record<string, unknown>;
  if (p.streamId !== streamId || typeof p.epoch !== "string" || p.epoch.length > 256) return undefined;
  if (!Number.isSafeInteger(p.seq) || p.seq !== playlistLastSeq) return undefined;
  return { streamId, epoch: p.epoch, seq: p.seq as number };
}

/** Records the point atomically (temp file, then rename). */
export function writeResumePoint(dir: string, point: ResumePoint): void {
  const tmp = join(dir, `${RESUME_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(point) + "\n");
  renameSync(tmp, join(dir, RESUME_FILE));
}
