/**
 * `@ec/hls-sink/order`: the I/O-free half of the package, with no Node built-ins in its import
 * graph, for a consumer that is not a disk (a page appending to a SourceBuffer): the
 * {@link SegmentOrderer} (chunks back in seq order, gaps skipped after a timeout, epochs) and
 * {@link chooseStart} (where a new epoch starts). `SegmentWriter` uses the same two.
 * @module
 */
export { SegmentOrderer } from "./segment-orderer.js";
export type { OrderedChunk, ReleasedChunk, OfferVerdict, SkippedGap, SegmentOrdererOptions } from "./segment-orderer.js";
export { chooseStart } from "./start-point.js";
export type { LiveWindow, StartDecision } from "./start-point.js";
export type { ResumePoint } from "./resume-point.js";
