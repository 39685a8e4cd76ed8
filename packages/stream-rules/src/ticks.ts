import { StreamRuleError } from "./errors.js";

/** MPEG-TS and HLS media time: 90 000 ticks a second. The only place this number is written. */
export const TICKS_PER_SECOND = 90_000;

/** A media duration or timestamp in 90 kHz ticks (branded so milliseconds cannot be passed by mistake). */
export type Ticks = number & { readonly __unit: "90kHz" };

/** Milliseconds, branded. */
export type Millis = number & { readonly __unit: "ms" };

/** MPEG-TS timestamps (PTS/DTS) are 33-bit: they wrap every 2^33 ticks (~26.5 hours). */
export const PTS_MODULO = 2 ** 33;

/** The largest PTS. */
export const MAX_PTS = PTS_MODULO - 1;

/** `ms` milliseconds in ticks, rounded to the nearest tick. */
export function ticksFromMs(ms: number): Ticks {
  if (!Number.isFinite(ms)) throw new StreamRuleError("bad-ticks", `milliseconds must be finite, got ${ms}`);
  return Math.round((ms * TICKS_PER_SECOND) / 1000) as Ticks;
}

/** `ticks` in (fractional) milliseconds. */
export function msFromTicks(ticks: number): Millis {
  return ((ticks * 1000) / TICKS_PER_SECOND) as Millis;
}

/** `ticks` in (fractional) seconds, for display. Sum ticks, not seconds: floats drift. */
export function secondsFromTicks(ticks: number): number {
  return ticks / TICKS_PER_SECOND;
}

/** Whether `pts` is a valid 33-bit timestamp. */
export function isPts(pts: unknown): pts is number {
  return typeof pts === "number" && Number.isInteger(pts) && pts >= 0 && pts <= MAX_PTS;
}

/**
 * Checks a 33-bit timestamp.
 * @throws StreamRuleError `bad-pts`
 */
export function assertPts(pts: unknown, title = "pts"): asserts pts is number {
  if (!isPts(pts)) throw new StreamRuleError("bad-pts", `${title} must be an integer in 0..2^33-1, got ${String(pts).slice(0, 30)}`);
}

/**
 * How far timestamp `a` is after `b`: `(a − b) mod 2^33` read as a signed number in
 * `[−2^32, 2^32)`, so differences stay right across the wrap.
 */
export function ptsDelta(a: number, b: number): number {
  const d = (((a - b) % PTS_MODULO) + PTS_MODULO) % PTS_MODULO;
  return d >= PTS_MODULO / 2 ? d - PTS_MODULO : d;
}

/** `pts + ticks`, wrapped to 33 bits. */
export function ptsAdd(pts: number, ticks: number): number {
  return (((pts + ticks) % PTS_MODULO) + PTS_MODULO) % PTS_MODULO;
}
