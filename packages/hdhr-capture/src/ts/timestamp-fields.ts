/**
 * Where a packet's timestamps sit, and rewriting them in place: the PCR base in the adaptation
 * field (§2.4.3.5) and the PTS/DTS of a PES header that starts in the packet (§2.4.3.7). Used to
 * loop a recording with continuous timestamps (each pass shifted by the loop's duration).
 */
import { PACKET_SIZE, packetStartsUnit, payloadOffset } from "./packet.js";
import { ptsAdd } from "@ec/stream-rules";

/** Byte offsets (relative to the packet start) of its timestamps; -1 when absent. */
export interface TimestampFields {
  pcr: number;
  pts: number;
  dts: number;
}

/** stream_ids whose PES packets have no optional header (program_stream_map, padding, private_2, ...). */
const NO_PES_HEADER = new Set([0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff]);

/** Finds the timestamp fields of the packet at `off`. */
export function findTimestampFields(buf: Uint8Array, off: number): TimestampFields {
  const f: TimestampFields = { pcr: -1, pts: -1, dts: -1 };
  if ((buf[off + 3]! & 0x20) !== 0 && buf[off + 4]! >= 7 && (buf[off + 5]! & 0x10) !== 0) f.pcr = 6;
  const payload = payloadOffset(buf, off);
  if (payload < 0 || !packetStartsUnit(buf, off)) return f;
  const end = off + PACKET_SIZE;
  if (payload + 9 > end || buf[payload] !== 0 || buf[payload + 1] !== 0 || buf[payload + 2] !== 1) return f;
  if (NO_PES_HEADER.has(buf[payload + 3]!) || (buf[payload + 6]! & 0xc0) !== 0x80) return f;
  const flags = buf[payload + 7]! >> 6;
  if ((flags & 2) !== 0 && payload + 14 <= end) f.pts = payload + 9 - off;
  if (flags === 3 && payload + 19 <= end) f.dts = payload + 14 - off;
  return f;
}

function shift33(v: number, by: number): number {
  return ptsAdd(v, by);
}

function readPesTimestamp(b: Uint8Array, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + (((b[at + 1]! << 8) | b[at + 2]!) >> 1) * 2 ** 15 + (((b[at + 3]! << 8) | b[at + 4]!) >> 1);
}

function writePesTimestamp(b: Uint8Array, at: number, v: number): void {
  b[at] = (b[at]! & 0xf0) | ((Math.floor(v / 2 ** 30) & 0x07) << 1) | 1;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  b[at + 1] = mid >> 7;
  b[at + 2] = ((mid & 0x7f) << 1) | 1;
  const lo = v % 2 ** 15;
  b[at + 3] = lo >> 7;
  b[at + 4] = ((lo & 0x7f) << 1) | 1;
}

/** The PTS stored at packet offset `field` (from `findTimestampFields`). */
export function readPesTimestampAt(buf: Uint8Array, off: number, field: number): number {
  return readPesTimestamp(buf, off + field);
}

/** Adds `by` ticks (mod 2^33) to the PCR base, PTS and DTS of the packet at `off`. */
export function shiftTimestamps(buf: Uint8Array, off: number, f: TimestampFields, by: number): void {
  if (f.pcr >= 0) {
    const at = off + f.pcr;
    const base = (((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0) * 2 + (buf[at + 4]! >> 7);
    const nb = shift33(base, by);
    const top = Math.floor(nb / 2);
    buf[at] = (top >>> 24) & 0xff;
    buf[at + 1] = (top >>> 16) & 0xff;
    buf[at + 2] = (top >>> 8) & 0xff;
    buf[at + 3] = top & 0xff;
    buf[at + 4] = (buf[at + 4]! & 0x7f) | ((nb % 2) << 7);
  }
  if (f.pts >= 0) writePesTimestamp(buf, off + f.pts, shift33(readPesTimestamp(buf, off + f.pts), by));
  if (f.dts >= 0) writePesTimestamp(buf, off + f.dts, shift33(readPesTimestamp(buf, off + f.dts), by));
}
