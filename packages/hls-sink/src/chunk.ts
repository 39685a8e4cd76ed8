import { HlsSinkError } from "./errors.js";
import { PTS_MODULUS, TICKS_PER_SECOND } from "./timestamps.js";

/** One verified, decrypted chunk: a run of whole 188-byte MPEG-TS packets starting at a keyframe. */
export interface HlsChunk {
  /** The chunk's sequence number in its stream; a gap from the previous chunk marks a discontinuity. */
  seq: number;
  /** PTS of the chunk's first frame, 90 kHz, in [0, 2^33). */
  firstPts: number;
  /** Media duration, 90 kHz ticks, > 0. Written as `#EXTINF` seconds. */
  durationTicks: number;
  /** The MPEG-TS bytes; must not be modified until `write()` settles. */
  bytes: Uint8Array;
  /** Force `#EXT-X-DISCONTINUITY` before this chunk (e.g. a new epoch). */
  discontinuity?: boolean;
  /** Wall clock of the chunk start, ms since the Unix epoch; default `Date.now()` at write. */
  programDateTimeMs?: number;
}

const TS_PACKET = 188;
const TS_SYNC = 0x47;
// Longest accepted segment: an hour. Anything longer is a unit mix-up, not media.
const MAX_DURATION_TICKS = 3600 * TICKS_PER_SECOND;

function bad(message: string): HlsSinkError {
  return new HlsSinkError("bad-chunk", message);
}

/**
 * Checks the shape of a chunk before anything touches the disk: integer fields in range and
 * bytes that are whole TS packets, each starting with the sync byte. Order checks (seq going
 * backwards) need the sink's state and live in the sink.
 * @internal
 */
export function validateChunk(chunk: HlsChunk): void {
  if (typeof chunk !== "object" || chunk === null) throw bad("chunk must be an object");
  const { seq, firstPts, durationTicks, bytes, programDateTimeMs, discontinuity } = chunk;
  if (!Number.isSafeInteger(seq) || seq < 0) throw bad(`seq must be a non-negative integer, got ${String(seq)}`);
  if (!Number.isInteger(firstPts) || firstPts < 0 || firstPts >= PTS_MODULUS) {
    throw bad(`firstPts must be an integer in [0, 2^33), got ${String(firstPts)}`);
  }
  if (!Number.isInteger(durationTicks) || durationTicks <= 0 || durationTicks > MAX_DURATION_TICKS) {
    throw bad(`durationTicks must be an integer in (0, ${MAX_DURATION_TICKS}], got ${String(durationTicks)}`);
  }
  if (!(bytes instanceof Uint8Array)) throw bad("bytes must be a Uint8Array");
  if (bytes.length === 0 || bytes.length % TS_PACKET !== 0) {
    throw bad(`bytes must be whole 188-byte TS packets, got ${bytes.length} bytes`);
  }
  for (let off = 0; off < bytes.length; off += TS_PACKET) {
    if (bytes[off] !== TS_SYNC) throw bad(`TS packet ${off / TS_PACKET} does not start with sync byte 0x47`);
  }
  if (discontinuity !== undefined && typeof discontinuity !== "boolean") throw bad("discontinuity must be a boolean");
  if (programDateTimeMs !== undefined) {
    // toISOString() throws beyond ±8.64e15 ms; keep to dates a playlist can carry.
    if (!Number.isFinite(programDateTimeMs) || Math.abs(programDateTimeMs) > 8.64e15) {
      throw bad(`programDateTimeMs must be a finite date in ms, got ${String(programDateTimeMs)}`);
    }
  }
}
