/**
 * A recording turned into one loop of a broadcast: its packets, when each goes on air (ticks
 * from the start of the loop), how long a loop lasts, and what must change from one loop to the
 * next for timestamps and continuity counters to run on without a break. Built once per sim.
 *
 * - On-air time of packet i: the clock reference (PCR on the PCR PID, else the anchor stream's
 *   DTS) of the first packet at or after i that carries one, minus the file's first; packets
 *   after the last one go with it.
 * - Loop duration L: the longest span of any timestamped stream (highest PTS or DTS - lowest +
 *   that stream's frame duration), so that every stream's first frame of loop n+1 comes after
 *   its last frame of loop n (the longest one by exactly one frame); at least the on-air time of
 *   the last packet plus one tick.
 * - Loop n shifts every PCR/PTS/DTS by n × L (mod 2^33), and every continuity counter of a PID
 *   by n × (last counter + 1 - first counter) (mod 16), so loops join seamlessly.
 */
import { TsError } from "../errors.js";
import { PACKET_SIZE, packetIsRandomAccess, packetPcrBase, packetPid, packetStartsUnit, payloadOffset } from "../ts/packet.js";
import { TsPacketSync } from "../ts/packet-sync.js";
import { ProgramTracker } from "../ts/program-tracker.js";
import type { ProgramInfo } from "../ts/program-tracker.js";
import type { Pmt } from "../ts/psi-tables.js";
import { parsePesStart } from "../ts/pes.js";
import { KeyframeScanner, canScanKeyframes } from "../ts/keyframe-scanner.js";
import { findTimestampFields } from "../ts/timestamp-fields.js";
import { ptsDelta, TICKS_PER_SECOND } from "@ec/stream-rules";

/** A random-access point of the recording (file timestamps, loop 0). */
export interface TimelineRap {
  /** Index of its first packet. */
  index: number;
  /** Index of the packet that showed it is a keyframe (= `index` with random_access_indicator). */
  decidedAt: number;
  pts: number;
}

/** One loop of the broadcast. */
export interface BroadcastTimeline {
  /** The recording's packets, aligned. */
  packets: Uint8Array;
  /** Packets per loop (N). */
  count: number;
  /** On-air time of each packet, ticks from the loop's start; non-decreasing, below `loopTicks`. */
  times: Float64Array;
  /** Loop duration L in ticks. */
  loopTicks: number;
  /** Per packet: offsets of its PCR, PTS and DTS fields (-1 when absent). */
  pcrAt: Int16Array;
  ptsAt: Int16Array;
  dtsAt: Int16Array;
  /** Per PID: what its continuity counter advances by from one loop to the next. */
  ccStep: Uint8Array;
  /** The followed program and its PMT (from the recording's start). */
  program: ProgramInfo;
  pmt: Pmt;
  /** 1 at the PIDs a chunk carries (video, audio, PCR). */
  mediaPids: Uint8Array;
  /** Keyframes of the anchor stream, in order. */
  raps: TimelineRap[];
}

/** @throws TsError when the bytes hold no packets, no program, or no clock. */
export function buildTimeline(bytes: Uint8Array, name = "input"): BroadcastTimeline {
  const sync = new TsPacketSync();
  const parts: Uint8Array[] = [];
  let total = 0;
  const onPacket = (buf: Uint8Array, off: number) => {
    parts.push(buf.slice(off, off + PACKET_SIZE));
    total++;
  };
  sync.push(bytes, onPacket);
  sync.end(onPacket);
  if (total === 0) throw new TsError("not-mpeg-ts", `${name} is not MPEG-TS: no 188-byte packets`);
  const packets = new Uint8Array(total * PACKET_SIZE);
  parts.forEach((p, i) => packets.set(p, i * PACKET_SIZE));
  parts.length = 0;

  // First pass: the program (from the first PAT/PMT) and whether it has PCRs.
  const psi = new ProgramTracker();
  let program: ProgramInfo | undefined;
  let pmt: Pmt | undefined;
  let mediaPids: Uint8Array | undefined;
  let hasPcr = false;
  for (let i = 0; i < total; i++) {
    const off = i * PACKET_SIZE;
    psi.onPacket(packets, off);
    if (!program && psi.program?.anchor) {
      program = psi.program;
      pmt = psi.pmt;
      mediaPids = psi.mediaPids;
    }
    if (program && packetPid(packets, off) === program.pcrPid && packetPcrBase(packets, off) >= 0) {
      hasPcr = true;
      break;
    }
  }
  if (!program || !pmt || !mediaPids || !program.anchor) {
    throw new TsError("no-program", `${name}: no PAT/PMT with a video or audio stream`);
  }
  const anchor = program.anchor;
  const clockPid = hasPcr ? program.pcrPid : anchor.pid;

  const times = new Float64Array(total);
  const pcrAt = new Int16Array(total);
  const ptsAt = new Int16Array(total);
  const dtsAt = new Int16Array(total);
  const firstCc = new Int8Array(8192).fill(-1);
  const lastCc = new Int8Array(8192).fill(-1);
  const raps: TimelineRap[] = [];
  let clock0 = -1;
  let clockRel = 0;
  let lastClock = -1;
  let pendingFrom = 0; // packets waiting for the next clock reference
  // Per PID with timestamps: lowest and highest PTS/DTS relative to the first PTS seen, last DTS, frame.
  let ref = -1;
  const spans = new Map<number, { min: number; max: number; lastDts: number; frame: number }>();
  let scanning: { rap: TimelineRap; scanner: KeyframeScanner } | null = null;

  for (let i = 0; i < total; i++) {
    const off = i * PACKET_SIZE;
    const f = findTimestampFields(packets, off);
    pcrAt[i] = f.pcr;
    ptsAt[i] = f.pts;
    dtsAt[i] = f.dts;
    const pid = packetPid(packets, off);
    if ((packets[off + 3]! & 0x10) !== 0) {
      const cc = packets[off + 3]! & 0x0f;
      if (firstCc[pid]! < 0) firstCc[pid] = cc;
      lastCc[pid] = cc;
    }
    // The clock.
    let clock = -1;
    if (pid === clockPid) {
      if (hasPcr) clock = packetPcrBase(packets, off);
      else if (packetStartsUnit(packets, off)) {
        const p = payloadOffset(packets, off);
        clock = p >= 0 ? (parsePesStart(packets, off, p)?.dts ?? -1) : -1;
      }
    }
    if (clock >= 0) {
      if (clock0 < 0) clock0 = clock;
      else {
        const d = ptsDelta(clock, lastClock);
        if (d > 0) clockRel += d;
      }
      lastClock = clock;
      for (let k = pendingFrom; k <= i; k++) times[k] = clockRel;
      pendingFrom = i + 1;
    }
    const payload = payloadOffset(packets, off);
    if (payload < 0) continue;
    if (packetStartsUnit(packets, off)) {
      const pes = parsePesStart(packets, off, payload);
      if (pes) {
        if (ref < 0) ref = pes.pts;
        const sp = spans.get(pid) ?? { min: Infinity, max: -Infinity, lastDts: -1, frame: 0 };
        const rp = ptsDelta(pes.pts, ref);
        const rd = ptsDelta(pes.dts, ref);
        sp.min = Math.min(sp.min, rp, rd);
        sp.max = Math.max(sp.max, rp, rd);
        if (sp.lastDts >= 0) {
          const d = ptsDelta(pes.dts, sp.lastDts);
          if (d > 0 && d <= TICKS_PER_SECOND) sp.frame = d;
        }
        sp.lastDts = pes.dts;
        spans.set(pid, sp);
      }
    }
    // The anchor stream's keyframes.
    if (pid !== anchor.pid) continue;
    if (!packetStartsUnit(packets, off)) {
      if (scanning) {
        const v = scanning.scanner.feed(packets, payload, off + PACKET_SIZE);
        if (v !== "undecided") {
          if (v === "keyframe") raps.push({ ...scanning.rap, decidedAt: i });
          scanning = null;
        }
      }
      continue;
    }
    scanning = null;
    const pes = parsePesStart(packets, off, payload);
    if (!pes) continue;
    const rap: TimelineRap = { index: i, decidedAt: i, pts: pes.pts };
    if (anchor.kind === "audio" || packetIsRandomAccess(packets, off)) raps.push(rap);
    else if (canScanKeyframes(anchor.codec)) {
      const scanner = new KeyframeScanner(anchor.codec);
      const v = scanner.feed(packets, pes.esOffset, off + PACKET_SIZE);
      if (v === "keyframe") raps.push(rap);
      else if (v === "undecided") scanning = { rap, scanner };
    }
  }
  if (clock0 < 0) throw new TsError("no-program", `${name}: no PCR or timestamped ${anchor.kind} to pace the broadcast by`);
  for (let k = pendingFrom; k < total; k++) times[k] = clockRel;
  let span = 0;
  for (const sp of spans.values()) span = Math.max(span, sp.max - sp.min + sp.frame);
  const loopTicks = Math.max(span, clockRel + 1);
  const ccStep = new Uint8Array(8192);
  for (let pid = 0; pid < 8192; pid++) if (firstCc[pid]! >= 0) ccStep[pid] = (lastCc[pid]! + 1 - firstCc[pid]! + 16) % 16;
  return { packets, count: total, times, loopTicks, pcrAt, ptsAt, dtsAt, ccStep, program, pmt, mediaPids, raps };
}
