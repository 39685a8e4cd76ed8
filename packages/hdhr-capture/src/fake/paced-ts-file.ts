/**
 * Plays a TS file out in real time (times `speed`), the way a tuner delivers a broadcast: bytes
 * up to each clock reference (PCR, or the anchor stream's DTS when the file has no PCR) are
 * released when that much media time has passed on the wall clock since the first one.
 *
 * Looping restarts the file: its timestamps jump back, which a client sees as a discontinuity
 * (exactly as when a real tuner's broadcast has one). The pacing clock itself keeps running
 * across the jump by assuming one typical clock interval.
 */
import { createReadStream } from "node:fs";
import { PACKET_SIZE, packetPcrBase, packetPid, packetStartsUnit, payloadOffset } from "../ts/packet.js";
import { TsPacketSync } from "../ts/packet-sync.js";
import { parsePesStart } from "../ts/pes.js";
import { ptsDelta, TICKS_PER_SECOND } from "@ec/stream-rules";
import type { TsFileProbe } from "./probe-ts-file.js";
import { sleep } from "./sleep.js";

/** Options of `pacedTsFile`. */
export interface PacedTsFileOptions {
  /** Media seconds per wall second; Infinity = as fast as the reader takes them. */
  speed: number;
  loop: boolean;
  /** Stop before the first clock reference this many ticks of media after the start. */
  durationTicks?: number | undefined;
  signal: AbortSignal;
}

/** A clock jump larger than this (or backwards) is a discontinuity, not elapsed time. */
const MAX_CLOCK_STEP = 5 * TICKS_PER_SECOND;

/** Yields the file's packets in paced batches until the duration, the end (without loop), or abort. */
export async function* pacedTsFile(
  path: string,
  probe: TsFileProbe,
  opts: PacedTsFileOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { speed, signal } = opts;
  const clockOf = (buf: Uint8Array, off: number): number => {
    if (packetPid(buf, off) !== probe.clockPid) return -1;
    if (probe.clock === "pcr") return packetPcrBase(buf, off);
    const payload = payloadOffset(buf, off);
    if (payload < 0 || !packetStartsUnit(buf, off)) return -1;
    return parsePesStart(buf, off, payload)?.dts ?? -1;
  };
  let wallStart = -1;
  let media = 0; // ticks of media time since the first clock reference
  let last = -1;
  let step = 0; // last ordinary clock interval, used across discontinuities
  let clocksThisPass = 0;
  // Packets of the current piece, copied out of the sync layer's buffers, and "marks": pairs of
  // (offset in `out`, media time) for each packet that carries a clock reference.
  let out = new Uint8Array(0);
  let n = 0;
  let marks: number[] = [];
  const onPacket = (buf: Uint8Array, off: number) => {
    const t = clockOf(buf, off);
    if (t >= 0) {
      if (last >= 0) {
        const d = ptsDelta(t, last);
        if (d > 0 && d <= MAX_CLOCK_STEP) step = d;
        media += d > 0 && d <= MAX_CLOCK_STEP ? d : step;
      }
      last = t;
      clocksThisPass++;
      marks.push(n, media);
    }
    out.set(buf.subarray(off, off + PACKET_SIZE), n);
    n += PACKET_SIZE;
  };
  /** Sends `out` in paced segments; returns true when the duration is reached or on abort. */
  async function* release(): AsyncGenerator<Uint8Array, boolean, undefined> {
    let from = 0;
    for (let i = 0; i < marks.length; i += 2) {
      const at = marks[i]!;
      const m = marks[i + 1]!;
      if (at > from) {
        yield out.subarray(from, at);
        from = at;
      }
      if (opts.durationTicks !== undefined && m >= opts.durationTicks) return true;
      if (wallStart < 0) wallStart = performance.now();
      if (speed !== Infinity) {
        const waitMs = wallStart + (m * 1000) / TICKS_PER_SECOND / speed - performance.now();
        if (waitMs > 1) await sleep(waitMs, signal);
      }
      if (signal.aborted) return true;
    }
    if (n > from) yield out.subarray(from, n);
    return false;
  }

  for (;;) {
    const sync = new TsPacketSync();
    clocksThisPass = 0;
    const file = createReadStream(path, { highWaterMark: 64 * 1024, signal });
    try {
      for await (const piece of file as AsyncIterable<Buffer>) {
        out = new Uint8Array(piece.length + sync.pendingBytes);
        n = 0;
        marks = [];
        sync.push(piece, onPacket);
        if (yield* release()) return;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    out = new Uint8Array(sync.pendingBytes);
    n = 0;
    marks = [];
    sync.end(onPacket); // the last packets, held back until the end was known
    if (yield* release()) return;
    if (!opts.loop || clocksThisPass === 0) return;
  }
}
