/**
 * Limits that follow what the manifests vouch for: the failover deadlines for big objects, and the
 * largest frame worth reading for a seq no manifest vouches for yet. Pure functions of the sizes.
 */
import type { SourceDeadlines } from "@ec/moq-transport";

/** A seq no manifest vouches for yet may be this many times the largest vouched object (at least 1 MiB). */
const LIVE_FRAME_FACTOR = 4;
const LIVE_MIN_FRAME_BYTES = 1024 * 1024;

/** What the deadlines are computed from, read each time (they change as manifests arrive). */
export interface SizeSource {
  /** The largest object the current epoch's manifests vouch for (0 before any). */
  largestVouched(): number;
  /** The chunk duration in ms (the longest entry of the newest manifest). */
  chunkMs(): number;
}

/**
 * The failover deadlines, read whenever ObjectSources computes them. moq-lite 0.2.2 copies a
 * frame quadratically as it arrives (alone on loopback: 8 MiB 1.6 s, 24 MiB ~12 s), so for big
 * vouched objects the group, frame and progress deadlines grow with the square of the largest one
 * (x2 for a loaded host); objects of a few MiB keep the chunk-based defaults. Given ones win.
 */
export function sizeScaledDeadlines(given: Partial<SourceDeadlines>, sizes: SizeSource): Partial<SourceDeadlines> {
  const big = () => {
    const eightMiB = sizes.largestVouched() / (8 * 1024 * 1024);
    const ms = Math.round(2 * 1600 * eightMiB * eightMiB);
    return ms > sizes.chunkMs() ? ms : undefined;
  };
  return {
    ...given,
    // The group header may reach moq-lite only with the start of its frame: both wait as long.
    get groupMs() {
      return given.groupMs ?? big();
    },
    get frameMs() {
      return given.frameMs ?? big();
    },
    get progressMs() {
      const b = big();
      return given.progressMs ?? (b === undefined ? undefined : b + sizes.chunkMs());
    },
  };
}

/** The largest frame read for a seq no manifest vouches for yet: a multiple of the largest vouched object, within `maxObjectBytes`. */
export function liveMaxFrameBytes(maxObjectBytes: number, largestVouched: number): number {
  return Math.min(maxObjectBytes, Math.max(LIVE_MIN_FRAME_BYTES, LIVE_FRAME_FACTOR * largestVouched));
}
