/**
 * The canonical PAT+PMT a chunk starts with (chunking v2, docs/protocol/chunking.md §4). Two
 * tuners of one broadcast emit PAT/PMT of their own (continuity counters, versions, repetition,
 * extra descriptors), so a chunk never carries the device's PSI packets: it carries this header,
 * regenerated from what the PMT says about the program, so that it depends only on the broadcast.
 *
 * ```
 * PAT  transport_stream_id 1, version 0, current, section 0/0, one entry: program → PMT PID
 * PMT  program_number, version 0, current, section 0/0, PCR_PID,
 *      program_info: the kept program descriptors (tag 0x05 only), in order, verbatim
 *      the video and audio streams, in PMT order: stream_type, PID, kept ES descriptors
 * each section: pointer_field 0, the section, 0xFF stuffing; PUSI on its first packet only;
 * adaptation_field_control 01; continuity counters set per chunk (`setHeaderCounters`).
 * ```
 */
import { PACKET_SIZE } from "./packet.js";
import { programPsiPackets } from "./psi-build.js";
import type { Pmt } from "./psi-tables.js";

/** transport_stream_id of the canonical PAT: fixed, because devices may rewrite theirs. */
export const CANONICAL_TRANSPORT_STREAM_ID = 1;

/**
 * Program-level descriptors kept in the canonical PMT: only the registration descriptor (0x05),
 * which changes how a demuxer reads stream types (e.g. "HDMV", "GA94"). Everything else at
 * program level (content advisory, caption service, redistribution control, device-private
 * tags) is informational and may change during a program or differ between devices.
 */
export const KEPT_PROGRAM_DESCRIPTORS: ReadonlySet<number> = new Set([0x05]);

/**
 * ES-level descriptors kept: those that tell a demuxer which codec a stream carries or its
 * language: registration 0x05, ISO 639 language 0x0A, DVB teletext 0x56 and subtitling 0x59,
 * DVB AC-3 0x6A / E-AC-3 0x7A / AAC 0x7C, ATSC AC-3 0x81 / E-AC-3 0xCC.
 */
export const KEPT_ES_DESCRIPTORS: ReadonlySet<number> = new Set([0x05, 0x0a, 0x56, 0x59, 0x6a, 0x7a, 0x7c, 0x81, 0xcc]);

/** The descriptors of `loop` whose tag is in `keep`, verbatim and in order; a truncated one ends the loop. */
export function keepDescriptors(loop: Uint8Array, keep: ReadonlySet<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i + 2 <= loop.length; ) {
    const end = i + 2 + loop[i + 1]!;
    if (end > loop.length) break;
    if (keep.has(loop[i]!)) for (let k = i; k < end; k++) out.push(loop[k]!);
    i = end;
  }
  return out;
}

/**
 * The canonical header for a program (continuity counters 0): one PAT packet, then the PMT
 * packet(s). Only video and audio streams are listed.
 */
export function canonicalHeader(pmtPid: number, pmt: Pmt): Uint8Array {
  return programPsiPackets({
    transportStreamId: CANONICAL_TRANSPORT_STREAM_ID,
    version: 0,
    programNumber: pmt.programNumber,
    pmtPid,
    pcrPid: pmt.pcrPid,
    programInfo: keepDescriptors(pmt.programInfo, KEPT_PROGRAM_DESCRIPTORS),
    streams: pmt.streams.flatMap((s, i) =>
      s.kind === "video" || s.kind === "audio" ? [{ streamType: s.streamType, pid: s.pid, info: keepDescriptors(pmt.esInfo[i]!, KEPT_ES_DESCRIPTORS) }] : [],
    ),
  });
}

/**
 * A copy of `template` (from `canonicalHeader`) with continuity counters for a chunk: the PAT
 * packet gets `n mod 16`, the PMT's k-th packet of m gets `(n × m + k) mod 16`, where `n` is the
 * chunk's grid bucket, so consecutive grid chunks concatenate with continuous counters.
 */
export function setHeaderCounters(template: Uint8Array, n: number): Uint8Array {
  const out = template.slice();
  const pmtPackets = out.length / PACKET_SIZE - 1;
  out[3] = 0x10 | (n % 16);
  for (let k = 0; k < pmtPackets; k++) {
    const at = (k + 1) * PACKET_SIZE + 3;
    out[at] = 0x10 | ((n * pmtPackets + k) % 16);
  }
  return out;
}
