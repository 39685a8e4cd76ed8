/**
 * HLS-side time helpers. The 90 kHz tick, the 33-bit PTS wrap and PTS arithmetic are the
 * stream's shared rules (`@ec/stream-rules`, docs/protocol/rules.md), imported, not redefined.
 */
import { PTS_MODULO, ptsDelta, TICKS_PER_SECOND } from "@ec/stream-rules";

export { ptsAdd, TICKS_PER_SECOND } from "@ec/stream-rules";

/** PTS is a 33-bit counter that wraps about every 26.5 hours. */
export const PTS_MODULUS = PTS_MODULO;

/**
 * Signed shortest distance from `from` to `to` on the 33-bit PTS circle (the shared `ptsDelta`).
 * So a stream that wraps from 2^33-1 to 0 is 1 tick later, not 26 hours earlier.
 */
export function ptsDistance(from: number, to: number): number {
  return ptsDelta(to, from);
}

/**
 * Renders a 90 kHz duration as decimal seconds with 6 places for `#EXTINF`. Six places are
 * below half a tick (1/90000 s ≈ 0.0000111 s), so {@link secondsToTicks} recovers the exact
 * tick count on reopen.
 */
export function ticksToSeconds(ticks: number): string {
  return (ticks / TICKS_PER_SECOND).toFixed(6);
}

/** Inverse of {@link ticksToSeconds}: nearest whole tick. */
export function secondsToTicks(seconds: number): number {
  return Math.round(seconds * TICKS_PER_SECOND);
}

/** `#EXT-X-TARGETDURATION` for one segment: whole seconds, rounded up, at least 1. */
export function targetDurationFor(ticks: number): number {
  return Math.max(1, Math.ceil(ticks / TICKS_PER_SECOND));
}
