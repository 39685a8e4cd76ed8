/**
 * PAT and PMT section parsers (ISO/IEC 13818-1 §2.4.4.3 and §2.4.4.8). Each takes one complete
 * section as reassembled by `SectionAssembler` and returns null for anything malformed: wrong
 * table_id, missing syntax indicator, bad CRC, a "next" (not yet current) version, or loops that
 * run past the section.
 *
 * ```
 * common  table_id(8) syntax(1) '0' rsv(2) section_length(12) id(16) rsv(2) version(5)
 *         current_next(1) section_number(8) last_section_number(8)      -> 8 bytes
 * PAT     { program_number(16) rsv(3) PID(13) }*                         then CRC_32
 * PMT     rsv(3) PCR_PID(13) rsv(4) program_info_length(12) descriptors
 *         { stream_type(8) rsv(3) elementary_PID(13) rsv(4) ES_info_length(12) descriptors }*
 *                                                                         then CRC_32
 * ```
 */
import { crc32Mpeg2 } from "./crc32-mpeg2.js";
import { describeStreamType } from "./stream-types.js";
import type { ElementaryStream } from "./stream-types.js";

/** One program listed in the PAT. */
export interface PatProgram {
  programNumber: number;
  pmtPid: number;
}

/** A parsed PMT. */
export interface Pmt {
  programNumber: number;
  version: number;
  pcrPid: number;
  streams: ElementaryStream[];
  /** The program_info descriptor loop, verbatim (a view into the section: copy to keep). */
  programInfo: Uint8Array;
  /** Each stream's ES_info descriptor loop, verbatim, parallel to `streams` (views: copy to keep). */
  esInfo: Uint8Array[];
}

function checkCommon(s: Uint8Array, tableId: number, minLength: number): boolean {
  return (
    s.length >= minLength &&
    s[0] === tableId &&
    (s[1]! & 0x80) !== 0 &&
    (s[5]! & 0x01) === 1 &&
    crc32Mpeg2(s) === 0
  );
}

/** Programs of a PAT section in order, without the network PID entry (program 0). */
export function parsePat(s: Uint8Array): PatProgram[] | null {
  if (!checkCommon(s, 0x00, 12) || (s.length - 12) % 4 !== 0) return null;
  const programs: PatProgram[] = [];
  for (let i = 8; i < s.length - 4; i += 4) {
    const programNumber = (s[i]! << 8) | s[i + 1]!;
    const pid = ((s[i + 2]! & 0x1f) << 8) | s[i + 3]!;
    if (programNumber !== 0) programs.push({ programNumber, pmtPid: pid });
  }
  return programs;
}

/** A PMT section's streams, in the order listed. */
export function parsePmt(s: Uint8Array): Pmt | null {
  if (!checkCommon(s, 0x02, 16)) return null;
  const end = s.length - 4;
  const programNumber = (s[3]! << 8) | s[4]!;
  const version = (s[5]! >> 1) & 0x1f;
  const pcrPid = ((s[8]! & 0x1f) << 8) | s[9]!;
  let i = 12 + (((s[10]! & 0x0f) << 8) | s[11]!);
  if (i > end) return null;
  const programInfo = s.subarray(12, i);
  const streams: ElementaryStream[] = [];
  const esInfo: Uint8Array[] = [];
  while (i < end) {
    if (i + 5 > end) return null;
    const streamType = s[i]!;
    const pid = ((s[i + 1]! & 0x1f) << 8) | s[i + 2]!;
    const infoLength = ((s[i + 3]! & 0x0f) << 8) | s[i + 4]!;
    const info = i + 5;
    i = info + infoLength;
    if (i > end) return null;
    streams.push({ pid, streamType, ...describeStreamType(streamType, s.subarray(info, i)) });
    esInfo.push(s.subarray(info, i));
  }
  return { programNumber, version, pcrPid, streams, programInfo, esInfo };
}
