/**
 * 33-bit, 90 kHz MPEG timestamps (PTS, DTS, PCR base). They wrap every 2^33 ticks (~26.5 h),
 * so every comparison is a modular difference read as a signed number.
 *
 * The rules live in `@ec/stream-rules` (one definition for every package); these names stay
 * exported for this package's existing users.
 */
import { PTS_MODULO, ptsAdd, ptsDelta, TICKS_PER_SECOND } from "@ec/stream-rules";

export { TICKS_PER_SECOND };
/** Ticks per millisecond (exactly 90): `ms * TICKS_PER_MS` is the tick count of `ms`. */
export const TICKS_PER_MS = TICKS_PER_SECOND / 1000;
/** Timestamps are taken modulo this (`PTS_MODULO`). */
export const TIMESTAMP_WRAP = PTS_MODULO;
/** `(a - b) mod 2^33` as a signed value in [-2^32, 2^32): how far `a` is after `b` (`ptsDelta`). */
export const timestampDelta: (a: number, b: number) => number = ptsDelta;
/** `(t + ticks) mod 2^33` (`ptsAdd`). */
export const timestampAdd: (t: number, ticks: number) => number = ptsAdd;
