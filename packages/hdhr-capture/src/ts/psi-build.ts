/**
 * Writing PSI: a long-form section (ISO/IEC 13818-1 §2.4.4.10 syntax) with its CRC, and the TS
 * packets that carry it.
 */
import { PACKET_SIZE, PAT_PID } from "./packet.js";
import { crc32Mpeg2 } from "./crc32-mpeg2.js";

/**
 * A section: table_id, '1' '0' '11' section_length, `id` (transport_stream_id or
 * program_number), '11' version current_next=1, section_number 0, last_section_number 0, `body`,
 * then CRC_32.
 */
export function buildSection(tableId: number, id: number, version: number, body: readonly number[]): Uint8Array {
  const length = 5 + body.length + 4;
  const s = new Uint8Array(3 + length);
  s.set([tableId, 0xb0 | (length >> 8), length & 0xff, id >> 8, id & 0xff, 0xc1 | ((version & 0x1f) << 1), 0x00, 0x00]);
  s.set(body, 8);
  const crc = crc32Mpeg2(s, 0, s.length - 4);
  s[s.length - 4] = crc >>> 24;
  s[s.length - 3] = (crc >>> 16) & 0xff;
  s[s.length - 2] = (crc >>> 8) & 0xff;
  s[s.length - 1] = crc & 0xff;
  return s;
}

/**
 * TS packets carrying `section` on `pid`: pointer_field 0, the section, 0xFF stuffing;
 * payload_unit_start_indicator on the first packet only; payload only; continuity counters 0
 * (the caller sets them).
 */
export function packetizeSection(pid: number, section: Uint8Array): Uint8Array {
  const payload = new Uint8Array(1 + section.length);
  payload.set(section, 1);
  const count = Math.ceil(payload.length / (PACKET_SIZE - 4));
  const out = new Uint8Array(count * PACKET_SIZE).fill(0xff);
  for (let k = 0; k < count; k++) {
    const at = k * PACKET_SIZE;
    out[at] = 0x47;
    out[at + 1] = (k === 0 ? 0x40 : 0) | (pid >> 8);
    out[at + 2] = pid & 0xff;
    out[at + 3] = 0x10;
    out.set(payload.subarray(k * (PACKET_SIZE - 4), (k + 1) * (PACKET_SIZE - 4)), at + 4);
  }
  return out;
}

/** What one program's PAT + PMT say, for {@link programPsiPackets}. */
export interface ProgramPsi {
  transportStreamId: number;
  version: number;
  programNumber: number;
  pmtPid: number;
  pcrPid: number;
  /** Program-level descriptors, as bytes. */
  programInfo: number[];
  /** Elementary streams in PMT order, each with its descriptors as bytes. */
  streams: Array<{ streamType: number; pid: number; info: number[] }>;
}

/** One repetition of a single-program PSI: the PAT packet(s), then the PMT packet(s), continuity counters 0. */
export function programPsiPackets(p: ProgramPsi): Uint8Array {
  const pat = buildSection(0x00, p.transportStreamId, p.version, [p.programNumber >> 8, p.programNumber & 0xff, 0xe0 | (p.pmtPid >> 8), p.pmtPid & 0xff]);
  const body: number[] = [0xe0 | (p.pcrPid >> 8), p.pcrPid & 0xff, 0xf0 | (p.programInfo.length >> 8), p.programInfo.length & 0xff, ...p.programInfo];
  for (const s of p.streams) body.push(s.streamType, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0 | (s.info.length >> 8), s.info.length & 0xff, ...s.info);
  const patPackets = packetizeSection(PAT_PID, pat);
  const pmtPackets = packetizeSection(p.pmtPid, buildSection(0x02, p.programNumber, p.version, body));
  const out = new Uint8Array(patPackets.length + pmtPackets.length);
  out.set(patPackets);
  out.set(pmtPackets, patPackets.length);
  return out;
}
