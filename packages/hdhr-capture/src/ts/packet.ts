/**
 * One MPEG-TS packet (ISO/IEC 13818-1 §2.4.3.2), read in place from a larger buffer.
 *
 * ```
 * byte 0      sync_byte 0x47
 * byte 1      TEI(1) PUSI(1) priority(1) PID[12..8](5)
 * byte 2      PID[7..0]
 * byte 3      scrambling(2) adaptation_field_control(2) continuity_counter(4)
 * byte 4..    adaptation field (if afc & 2): length(8), flags(8: discontinuity, RAI, ES priority,
 *             PCR, OPCR, splice, private, extension), PCR(48: base 33, reserved 6, ext 9), ...
 * then        payload (if afc & 1)
 * ```
 * Functions take `(buf, off)` so a walk over a large buffer allocates nothing per packet.
 */

/** Bytes in one transport packet. */
export const PACKET_SIZE = 188;
/** The sync byte every packet starts with. */
export const SYNC_BYTE = 0x47;
/** The PID of the Program Association Table. */
export const PAT_PID = 0x0000;
/** The null-packet PID (stuffing). */
export const NULL_PID = 0x1fff;

/** 13-bit packet identifier. */
export function packetPid(buf: Uint8Array, off: number): number {
  return ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
}

/** payload_unit_start_indicator: a PES packet or PSI section starts in this packet. */
export function packetStartsUnit(buf: Uint8Array, off: number): boolean {
  return (buf[off + 1]! & 0x40) !== 0;
}

/** transport_error_indicator: the demodulator flagged this packet as damaged. */
export function packetHasError(buf: Uint8Array, off: number): boolean {
  return (buf[off + 1]! & 0x80) !== 0;
}

/**
 * Offset (into `buf`) of the first payload byte, or -1 when the packet carries no payload or
 * its adaptation field claims more bytes than the packet has.
 */
export function payloadOffset(buf: Uint8Array, off: number): number {
  const afc = (buf[off + 3]! >> 4) & 0x3;
  if ((afc & 0x1) === 0) return -1;
  if ((afc & 0x2) === 0) return off + 4;
  const start = off + 5 + buf[off + 4]!;
  return start < off + PACKET_SIZE ? start : -1;
}

/** The adaptation field's random_access_indicator. */
export function packetIsRandomAccess(buf: Uint8Array, off: number): boolean {
  return (buf[off + 3]! & 0x20) !== 0 && buf[off + 4]! > 0 && (buf[off + 5]! & 0x40) !== 0;
}

/** The 33-bit PCR base (90 kHz) when this packet's adaptation field carries a PCR, else -1. */
export function packetPcrBase(buf: Uint8Array, off: number): number {
  if ((buf[off + 3]! & 0x20) === 0 || buf[off + 4]! < 7 || (buf[off + 5]! & 0x10) === 0) return -1;
  // 33 bits do not fit a 32-bit shift: take the top 32 bits, then append bit 0.
  const top =
    ((buf[off + 6]! << 24) | (buf[off + 7]! << 16) | (buf[off + 8]! << 8) | buf[off + 9]!) >>> 0;
  return top * 2 + (buf[off + 10]! >> 7);
}
