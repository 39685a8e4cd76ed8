import type { ConsumerPosition } from "./types.js";

/**
 * Something that orders chunks and knows its write position: `SegmentWriter` (`epoch`) or
 * `SegmentOrderer` (`currentEpoch`) of `@ec/hls-sink`, or anything shaped like them.
 */
export interface PositionKeeper {
  has(epoch: string | undefined, seq: number): boolean;
  readonly nextSeq: number | undefined;
  readonly epoch?: string | undefined;
  readonly currentEpoch?: string | undefined;
}

/** The {@link ConsumerPosition} of a writer or orderer: its next seq counts only in its own epoch. */
export function positionOf(keeper: PositionKeeper): ConsumerPosition {
  return {
    has: (epoch, seq) => keeper.has(epoch, seq),
    nextSeq: (epoch) => ((keeper.epoch ?? keeper.currentEpoch) === epoch ? keeper.nextSeq : undefined),
  };
}
