/**
 * Entry layout, 56 bytes, big-endian:
 *   0  seq            u64
 *   8  objectHash     32 bytes
 *  40  objectSize     u32
 *  44  durationTicks  u32
 *  48  firstPts       u64 (<= 2^33 - 1)
 */
import { equalBytes, isBytes, isUint, readU64, writeU64 } from "./bytes.js";
import { ENTRY_BYTES, HASH_BYTES, MAX_PTS, MAX_U32 } from "./constants.js";
import { ManifestError } from "./errors.js";
import type { ManifestEntry } from "./types.js";

/** Why `entry` is not a valid entry, or `undefined` when it is. */
export function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null) return "must be an object";
  const e = entry as Partial<ManifestEntry>;
  if (!isUint(e.seq, Number.MAX_SAFE_INTEGER)) return "seq must be a safe non-negative integer";
  if (!isBytes(e.objectHash) || e.objectHash.length !== HASH_BYTES) return `objectHash must be ${HASH_BYTES} bytes`;
  if (!isUint(e.objectSize, MAX_U32)) return "objectSize must be a u32";
  if (!isUint(e.durationTicks, MAX_U32)) return "durationTicks must be a u32";
  if (!isUint(e.firstPts, MAX_PTS)) return "firstPts must be in 0 ..= 2^33 - 1";
  return undefined;
}

/** Writes a validated entry at `offset`. */
export function writeEntry(view: DataView, out: Uint8Array, offset: number, e: ManifestEntry): void {
  writeU64(view, offset, e.seq);
  out.set(e.objectHash, offset + 8);
  view.setUint32(offset + 40, e.objectSize);
  view.setUint32(offset + 44, e.durationTicks);
  writeU64(view, offset + 48, e.firstPts);
}

/** The 56-byte encoding of a validated entry. */
export function encodeEntry(e: ManifestEntry): Uint8Array {
  const out = new Uint8Array(ENTRY_BYTES);
  writeEntry(new DataView(out.buffer), out, 0, e);
  return out;
}

/** Reads the entry at `offset` (bounds already checked); out-of-range fields are `invalid-field`. */
export function readEntry(view: DataView, bytes: Uint8Array, offset: number, index: number): ManifestEntry {
  const seq = readU64(view, offset);
  const firstPts = readU64(view, offset + 48);
  const bad = (field: string) => new ManifestError("invalid-field", `entry ${index}: ${field}`);
  if (seq === undefined) throw bad("seq exceeds 2^53 - 1");
  if (firstPts === undefined || firstPts > MAX_PTS) throw bad("firstPts exceeds 2^33 - 1");
  return {
    seq,
    objectHash: bytes.slice(offset + 8, offset + 40),
    objectSize: view.getUint32(offset + 40),
    durationTicks: view.getUint32(offset + 44),
    firstPts,
  };
}

/** Field-by-field equality of two entries. */
export function sameEntry(a: ManifestEntry, b: ManifestEntry): boolean {
  if (a.seq !== b.seq || a.objectSize !== b.objectSize) return false;
  if (a.durationTicks !== b.durationTicks || a.firstPts !== b.firstPts) return false;
  return equalBytes(a.objectHash, b.objectHash);
}
