/**
 * The start of a PES packet (ISO/IEC 13818-1 §2.4.3.6), as found right after the TS header in a
 * packet with payload_unit_start_indicator set:
 *
 * ```
 * 0..2  packet_start_code_prefix 00 00 01
 * 3     stream_id
 * 4..5  PES_packet_length
 * 6     '10' scrambling(2) priority alignment copyright original
 * 7     PTS_DTS_flags(2) ESCR ES_rate DSM_trick additional_copy CRC extension
 * 8     PES_header_data_length
 * 9..13 PTS: '001x' or '0011' PTS[32..30] 1 | PTS[29..15] 1 | PTS[14..0] 1
 * 14..18 DTS, same layout, when PTS_DTS_flags = '11'
 * ```
 */
import { PACKET_SIZE } from "./packet.js";

/** Timestamps and payload start of one PES header. */
export interface PesStart {
  /** 33-bit presentation time stamp, 90 kHz. */
  pts: number;
  /** Decoding time stamp; equals `pts` when the header carries none. */
  dts: number;
  /** Offset of the first elementary-stream byte after the PES header. */
  esOffset: number;
}

function readTimestamp(buf: Uint8Array, at: number): number {
  // The 33 bits are split 3 + 15 + 15 with marker bits in between.
  const hi = (buf[at]! >> 1) & 0x07;
  const mid = ((buf[at + 1]! << 8) | buf[at + 2]!) >> 1;
  const lo = ((buf[at + 3]! << 8) | buf[at + 4]!) >> 1;
  return hi * 2 ** 30 + mid * 2 ** 15 + lo;
}

/**
 * Parses a PES header that begins at `start` inside the packet at `pkt`. Returns null when it is
 * not a PES start, carries no PTS, or the header does not fit in this packet (then the PES is
 * treated as having no timestamp: a cut point needs one).
 */
export function parsePesStart(buf: Uint8Array, pkt: number, start: number): PesStart | null {
  const end = pkt + PACKET_SIZE;
  if (start + 9 > end) return null;
  if (buf[start] !== 0 || buf[start + 1] !== 0 || buf[start + 2] !== 1) return null;
  if ((buf[start + 6]! & 0xc0) !== 0x80) return null; // no optional header (padding, private_2, ...)
  const flags = buf[start + 7]! >> 6;
  const esOffset = start + 9 + buf[start + 8]!;
  if (esOffset > end || (flags & 0x2) === 0) return null;
  if (start + 14 > end) return null;
  const pts = readTimestamp(buf, start + 9);
  let dts = pts;
  if (flags === 0x3) {
    if (start + 19 > end) return null;
    dts = readTimestamp(buf, start + 14);
  }
  return { pts, dts, esOffset };
}
