/**
 * 33-bit, 90 kHz MPEG timestamps (PTS, DTS, PCR base). They wrap every 2^33 ticks (~26.5 h),
 * so every comparison is a modular difference read as a signed number.
 */

/** Ticks per second of PTS/DTS/PCR base. */
export const TICKS_PER_SECOND = 90_000;
/** Timestamps are taken modulo this. */
export const TIMESTAMP_WRAP = 2 ** 33;

/** `(a - b) mod 2^33` as a signed value in [-2^32, 2^32): how far `a` is after `b`. */
export function timestampDelta(a: number, b: number): number {
  let d = (a - b) % TIMESTAMP_WRAP;
  if (d < 0) d += TIMESTAMP_WRAP;
  return d >= TIMESTAMP_WRAP / 2 ? d - TIMESTAMP_WRAP : d;
}

/** `(t + ticks) mod 2^33`. */
export function timestampAdd(t: number, ticks: number): number {
  let r = (t + ticks) % TIMESTAMP_WRAP;
  if (r < 0) r += TIMESTAMP_WRAP;
  return r;
}
