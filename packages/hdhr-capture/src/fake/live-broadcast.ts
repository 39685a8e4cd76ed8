/**
 * One ongoing broadcast made from a recording, as a pure function of wall-clock time, so that
 * several fake tuners started at different moments on the same file are the same broadcast
 * received by different antennas:
 *
 * - Broadcast time b = (now - clockOrigin) × 90 × speed ticks (origin default: the Unix epoch).
 * - The recording loops forever (see `broadcast-timeline.ts`): broadcast packet g = n × N + i is
 *   packet i of loop n, on air at n × L + t(i), with timestamps shifted by n × L (mod 2^33) and
 *   continuity counters advanced, so timestamps keep increasing and loops join seamlessly.
 * - A client that tunes in at b gets the packets from the first one on air at or after b, paced
 *   by the broadcast clock.
 * - A device profile (`device-profile.ts`) adds what a device makes itself; a damage spec
 *   (`damage-spec.ts`) damages bursts of broadcast packets. Both depend only on g.
 */
import { readFile } from "node:fs/promises";
import { PACKET_SIZE, packetPid } from "../ts/packet.js";
import { shiftTimestamps } from "../ts/timestamp-fields.js";
import { PTS_MODULO, TICKS_PER_SECOND } from "@ec/stream-rules";
import { TICKS_PER_MS } from "../ts/timestamps.js";
import { buildTimeline } from "./broadcast-timeline.js";
import type { BroadcastTimeline } from "./broadcast-timeline.js";
import { burstOfWindow, damageHash, parseDamageSpec } from "./damage-spec.js";
import type { DamageMode, DamageSpec } from "./damage-spec.js";
import { deviceProfile, devicePsiPackets, writeDevicePsi, writeExtraPacket, writeNullPacket } from "./device-profile.js";
import type { DeviceProfile } from "./device-profile.js";
import { sleep } from "./sleep.js";

/** Options of `LiveBroadcast`. */
export interface LiveBroadcastOptions {
  /** Wall-clock time (Unix ms) at which the broadcast was at position 0. Default 0 (the epoch). */
  clockOriginMs?: number;
  /** Broadcast seconds per wall second. Default 1. */
  speed?: number;
  /** Device profile number (0 = the recording as it is). Default 0. */
  deviceProfile?: number;
  /** Reception damage: a spec or its text form (`seed=7,every=10,burst=8,mode=mix`). */
  damage?: DamageSpec | string;
  /** The wall clock, Unix ms. Default `Date.now`. */
  now?: () => number;
  /** Called once per damage burst, when the first client receives it. */
  onDamage?: (burst: DamageBurst) => void;
  /** Waits `ms` of wall time (or until the signal aborts). Default a timer; tests pass a virtual clock's. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A damage burst, described so a test or an operator can tell which chunks it hit. */
export interface DamageBurst {
  /** Damage window number (broadcast time / every). */
  window: number;
  mode: DamageMode;
  /** Broadcast index of the first damaged packet, and how many consecutive packets are damaged. */
  fromPacket: number;
  packets: number;
  /** Broadcast time of the first damaged packet, ms since the clock origin (at speed 1: wall ms). */
  onAirMs: number;
  /** How many of the damaged packets belong to the program's video/audio/PCR PIDs. */
  programPackets: number;
  /** PTS (as broadcast) of the last keyframe that starts at or before the first damaged packet; -1 if none. */
  afterKeyframePts: number;
  /** PTS of keyframes whose first-to-deciding packets were damaged (they are lost as keyframes). */
  keyframesHit: number[];
}

/** Options of `LiveBroadcast.stream`. */
export interface LiveStreamOptions {
  signal: AbortSignal;
  /** Stop after this many ticks of broadcast time from the join. */
  durationTicks?: number | undefined;
}

/** Packets per yielded piece at most. */
const MAX_BATCH = 2048;
/** Longest sleep between clock checks. */
const MAX_SLEEP_MS = 50;

/** The broadcast; one per fake tuner, shared by its clients. */
export class LiveBroadcast {
  readonly timeline: BroadcastTimeline;
  readonly profile: DeviceProfile;
  readonly damage: DamageSpec | undefined;
  readonly clockOriginMs: number;
  readonly speed: number;
  readonly #now: () => number;
  readonly #onDamage: ((b: DamageBurst) => void) | undefined;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #psi: Uint8Array;
  readonly #reported = new Set<number>();

  /** Reads and indexes `path`. @throws TsError for unusable input; RangeError / DamageSpecError for bad options. */
  static async fromFile(path: string, opts: LiveBroadcastOptions = {}): Promise<LiveBroadcast> {
    return new LiveBroadcast(buildTimeline(new Uint8Array(await readFile(path)), path), opts);
  }

  constructor(timeline: BroadcastTimeline, opts: LiveBroadcastOptions = {}) {
    const speed = opts.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) throw new RangeError(`a live broadcast's speed must be a finite number in (0, 1000], got ${speed}`);
    const origin = opts.clockOriginMs ?? 0;
    if (!Number.isSafeInteger(origin)) throw new RangeError(`clockOriginMs must be an integer of Unix ms, got ${origin}`);
    this.timeline = timeline;
    this.profile = deviceProfile(opts.deviceProfile ?? 0);
    this.damage = typeof opts.damage === "string" ? parseDamageSpec(opts.damage) : opts.damage;
    this.clockOriginMs = origin;
    this.speed = speed;
    this.#now = opts.now ?? Date.now;
    this.#onDamage = opts.onDamage;
    this.#sleep = opts.sleep ?? sleep;
    this.#psi = devicePsiPackets(this.profile, timeline.program.pmtPid, timeline.pmt);
    if (!Number.isSafeInteger(Math.floor(this.nowTicks() * 4))) {
      throw new RangeError("broadcast time since the clock origin is too large at this speed: set a later clock origin");
    }
  }

  /** Broadcast time now, in ticks since the origin. */
  nowTicks(): number {
    return Math.floor((this.#now() - this.clockOriginMs) * TICKS_PER_MS * this.speed);
  }

  /** Ticks per loop of the recording. */
  get loopTicks(): number {
    return this.timeline.loopTicks;
  }

  /** When broadcast packet `g` is on air (ticks since the origin). */
  onAir(g: number): number {
    const n = Math.floor(g / this.timeline.count);
    return n * this.timeline.loopTicks + this.timeline.times[g - n * this.timeline.count]!;
  }

  /** The first broadcast packet on air at or after `ticks` (after, when `strictlyAfter`). */
  packetAt(ticks: number, strictlyAfter = false): number {
    const { count, times, loopTicks } = this.timeline;
    const n = Math.floor(ticks / loopTicks);
    const r = ticks - n * loopTicks;
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strictlyAfter ? times[mid]! <= r : times[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return n * count + lo;
  }

  /** How much loop n shifts timestamps: n × L mod 2^33. */
  timestampOffset(loop: number): number {
    return (loop * this.timeline.loopTicks) % PTS_MODULO;
  }

  /** The damage burst of window `w` (pure: what any sim with this spec damages there). */
  burst(w: number): DamageBurst | undefined {
    const spec = this.damage;
    if (!spec) return undefined;
    const { startTicks, mode } = burstOfWindow(spec, w);
    const from = this.packetAt(startTicks);
    const { count, packets, mediaPids, raps } = this.timeline;
    let programPackets = 0;
    for (let g = from; g < from + spec.burst; g++) {
      const i = g % count;
      if (mediaPids[packetPid(packets, i * PACKET_SIZE)] === 1) programPackets++;
    }
    // Keyframes, loop by loop: the last one at or before `from`, and those the burst hits.
    let afterKeyframePts = -1;
    const loop = Math.floor(from / count);
    for (let n = loop; n >= loop - 1 && afterKeyframePts < 0 && raps.length > 0; n--) {
      for (let k = raps.length - 1; k >= 0; k--) {
        if (n * count + raps[k]!.index <= from) {
          afterKeyframePts = (raps[k]!.pts + this.timestampOffset(n)) % PTS_MODULO;
          break;
        }
      }
    }
    const keyframesHit: number[] = [];
    for (let n = loop; n <= Math.floor((from + spec.burst - 1) / count); n++) {
      for (const r of raps) {
        const a = n * count + r.index;
        const b = n * count + r.decidedAt;
        if (a < from + spec.burst && b >= from) keyframesHit.push((r.pts + this.timestampOffset(n)) % PTS_MODULO);
      }
    }
    return {
      window: w,
      mode,
      fromPacket: from,
      packets: spec.burst,
      onAirMs: this.onAir(from) / TICKS_PER_MS,
      programPackets,
      afterKeyframePts,
      keyframesHit,
    };
  }

  /** The bursts that damage some packet in [gFrom, gTo). */
  burstsBetween(gFrom: number, gTo: number): DamageBurst[] {
    const spec = this.damage;
    if (!spec || gTo <= gFrom) return [];
    const everyTicks = Math.round(spec.everyS * TICKS_PER_SECOND);
    const out: DamageBurst[] = [];
    // A burst can start up to `burst` packets before gFrom, so look one window back (and more for tiny windows).
    const firstW = Math.max(0, Math.floor(this.onAir(Math.max(0, gFrom - spec.burst)) / everyTicks) - 1);
    const lastW = Math.floor(this.onAir(gTo - 1) / everyTicks);
    for (let w = firstW; w <= lastW; w++) {
      const b = this.burst(w)!;
      if (b.fromPacket < gTo && b.fromPacket + b.packets > gFrom) out.push(b);
    }
    return out;
  }

  /** The bytes a client receives for broadcast packets [gFrom, gTo): device packets included. */
  render(gFrom: number, gTo: number): Uint8Array {
    const t = this.timeline;
    const p = this.profile;
    const bursts = this.burstsBetween(gFrom, gTo);
    for (const b of bursts) this.#report(b);
    const psiPerPacket = p.psiIntervalTicks > 0 ? this.#psi.length : 0;
    const out = new Uint8Array((gTo - gFrom) * (PACKET_SIZE * 3 + psiPerPacket));
    let at = 0;
    let prevJ = gFrom > 0 && p.psiIntervalTicks > 0 ? Math.floor((this.onAir(gFrom - 1) + p.psiPhaseTicks) / p.psiIntervalTicks) : -1;
    let bi = 0;
    for (let g = gFrom; g < gTo; g++) {
      const n = Math.floor(g / t.count);
      const i = g - n * t.count;
      if (p.psiIntervalTicks > 0) {
        const j = Math.floor((n * t.loopTicks + t.times[i]! + p.psiPhaseTicks) / p.psiIntervalTicks);
        if (j !== prevJ) at = writeDevicePsi(out, at, this.#psi, j);
        prevJ = j;
      }
      const src = i * PACKET_SIZE;
      const pid = packetPid(t.packets, src);
      while (bi < bursts.length && bursts[bi]!.fromPacket + bursts[bi]!.packets <= g) bi++;
      const hit = bi < bursts.length && bursts[bi]!.fromPacket <= g ? bursts[bi]! : undefined;
      const own = p.filtersProgram && t.mediaPids[pid] !== 1;
      if (!own && hit?.mode !== "drop") {
        out.set(t.packets.subarray(src, src + PACKET_SIZE), at);
        const b3 = out[at + 3]!;
        out[at + 3] = (b3 & 0xf0) | (((b3 & 0x0f) + (n % 16) * t.ccStep[pid]!) % 16);
        shiftTimestamps(out, at, { pcr: t.pcrAt[i]!, pts: t.ptsAt[i]!, dts: t.dtsAt[i]! }, this.timestampOffset(n));
        if (hit) {
          out[at + 1] = out[at + 1]! | 0x80;
          const h = damageHash(this.damage!.seed, g, 3);
          for (let k = 4 + (h % 7); k < PACKET_SIZE; k += 5) out[at + k] = out[at + k]! ^ ((h >>> (k % 24)) & 0xff | 1);
        }
        at += PACKET_SIZE;
      }
      if (p.nullEvery > 0 && g % p.nullEvery === 0) at = writeNullPacket(out, at);
      if (p.extraEvery > 0 && g % p.extraEvery === 0) at = writeExtraPacket(out, at, p.extraPid, Math.floor(g / p.extraEvery));
    }
    return out.slice(0, at);
  }

  /**
   * What a client tuning in now (at the call) receives: the broadcast from the first packet on
   * air at or after now, paced by the broadcast clock, until aborted or the duration ends.
   */
  stream(opts: LiveStreamOptions): AsyncGenerator<Uint8Array, void, undefined> {
    return this.#stream(this.packetAt(this.nowTicks()), opts);
  }

  async *#stream(from: number, opts: LiveStreamOptions): AsyncGenerator<Uint8Array, void, undefined> {
    const { signal } = opts;
    let g = from;
    const stopAt = opts.durationTicks === undefined ? Infinity : this.onAir(g) + opts.durationTicks;
    while (!signal.aborted) {
      const now = this.nowTicks();
      let end = this.packetAt(Math.min(now, stopAt), true);
      if (end > g + MAX_BATCH) end = g + MAX_BATCH;
      if (end > g) {
        yield this.render(g, end);
        g = end;
        continue;
      }
      const next = this.onAir(g);
      if (next > stopAt) return;
      await this.#sleep(Math.min(MAX_SLEEP_MS, Math.max(1, (next - now) / TICKS_PER_MS / this.speed)), signal);
    }
  }

  #report(b: DamageBurst): void {
    if (this.#reported.has(b.window)) return;
    this.#reported.add(b.window);
    if (this.#reported.size > 256) {
      for (const w of this.#reported) {
        if (w < b.window - 128) this.#reported.delete(w);
      }
    }
    this.#onDamage?.(b);
  }
}
