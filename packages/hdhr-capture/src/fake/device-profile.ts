/**
 * How one fake device differs from another receiving the same broadcast (`--device-profile n`).
 * Profile 0 passes the recording through as it is. A profile n ≥ 1 behaves like a
 * program-filtering tuner: it drops the recording's own PSI and any PID outside the program, and
 * emits PAT+PMT of its own every `psiIntervalTicks` (its own continuity counters, version n mod
 * 32, transport_stream_id 0x100 + n, a private program descriptor); odd profiles insert null
 * packets, even ones an extra private PID and an extra ES descriptor (stream_identifier). All of
 * it is a pure function of the broadcast position, like the broadcast itself.
 */
import { NULL_PID, PACKET_SIZE } from "../ts/packet.js";
import { TICKS_PER_MS } from "../ts/timestamps.js";
import { programPsiPackets } from "../ts/psi-build.js";
import type { Pmt } from "../ts/psi-tables.js";

/** The device-made parts of a profile; all intervals are in broadcast packets or ticks. */
export interface DeviceProfile {
  profile: number;
  /** False for profile 0: the recording's own PSI and other PIDs pass through. */
  filtersProgram: boolean;
  /** Device PAT+PMT every this many ticks (0: none). */
  psiIntervalTicks: number;
  /** Offset of the device's PSI schedule on the broadcast clock. */
  psiPhaseTicks: number;
  /** A null packet after every broadcast packet whose index is a multiple of this (0: none). */
  nullEvery: number;
  /** A packet on `extraPid` after every broadcast packet whose index is a multiple of this (0: none). */
  extraEvery: number;
  extraPid: number;
}

/** Highest profile number accepted. */
export const MAX_DEVICE_PROFILE = 255;

/** The profile numbered `n` (0..255). @throws RangeError */
export function deviceProfile(n: number): DeviceProfile {
  if (!Number.isInteger(n) || n < 0 || n > MAX_DEVICE_PROFILE) throw new RangeError(`device profile must be an integer from 0 to ${MAX_DEVICE_PROFILE}, got ${n}`);
  if (n === 0) return { profile: 0, filtersProgram: false, psiIntervalTicks: 0, psiPhaseTicks: 0, nullEvery: 0, extraEvery: 0, extraPid: 0 };
  const psiIntervalTicks = (100 + 37 * (n % 5)) * TICKS_PER_MS;
  return {
    profile: n,
    filtersProgram: true,
    psiIntervalTicks,
    psiPhaseTicks: (n * 1237) % psiIntervalTicks,
    nullEvery: n % 2 === 1 ? 7 + (n % 11) : 0,
    extraEvery: n % 2 === 0 ? 50 + (n % 13) : 0,
    extraPid: 0x1ff0 - (n % 8),
  };
}

/** The device's PAT+PMT packets (continuity counters 0; the caller sets them per repetition). */
export function devicePsiPackets(p: DeviceProfile, pmtPid: number, pmt: Pmt): Uint8Array {
  return programPsiPackets({
    transportStreamId: 0x100 + p.profile,
    version: p.profile % 32,
    programNumber: pmt.programNumber,
    pmtPid,
    pcrPid: pmt.pcrPid,
    programInfo: [...pmt.programInfo, 0xfe, 3, 0x45, 0x43, p.profile & 0xff],
    streams: pmt.streams.map((s, i) => ({
      streamType: s.streamType,
      pid: s.pid,
      info: [...pmt.esInfo[i]!, ...(p.profile % 2 === 0 ? [0x52, 1, p.profile & 0xff] : [])],
    })),
  });
}

/** Writes the device PSI for repetition `j` at `at`: counters j (PAT) and j × m + k (PMT packet k of m). */
export function writeDevicePsi(into: Uint8Array, at: number, template: Uint8Array, j: number): number {
  into.set(template, at);
  const count = template.length / PACKET_SIZE;
  const pmtPackets = count - 1;
  into[at + 3] = 0x10 | (j % 16);
  for (let k = 0; k < pmtPackets; k++) into[at + (k + 1) * PACKET_SIZE + 3] = 0x10 | (((j % 16) * pmtPackets + k) % 16);
  return at + template.length;
}

/** A null packet. */
export function writeNullPacket(into: Uint8Array, at: number): number {
  into.fill(0xff, at, at + PACKET_SIZE);
  into[at] = 0x47;
  into[at + 1] = NULL_PID >> 8;
  into[at + 2] = NULL_PID & 0xff;
  into[at + 3] = 0x10;
  return at + PACKET_SIZE;
}

/** A packet on the device's extra PID: the k-th one, counter k mod 16, payload from k. */
export function writeExtraPacket(into: Uint8Array, at: number, pid: number, k: number): number {
  into[at] = 0x47;
  into[at + 1] = pid >> 8;
  into[at + 2] = pid & 0xff;
  into[at + 3] = 0x10 | (k % 16);
  for (let i = 4; i < PACKET_SIZE; i++) into[at + i] = (k + i) & 0xff;
  return at + PACKET_SIZE;
}
