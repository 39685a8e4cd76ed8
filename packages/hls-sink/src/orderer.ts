/**
 * `@ec/hls-sink/orderer`: the I/O-free parts on their own, with no Node import — the chunk
 * orderer and the live start decision — so a browser consumer (`@ec/web-peer`'s page, which
 * appends to MSE instead of writing files) orders chunks and picks its start exactly as the
 * HLS writer does.
 */
export { SegmentOrderer } from "./segment-orderer.js";
export type { OfferVerdict, OrderedChunk, ReleasedChunk, SegmentOrdererOptions, SkippedGap } from "./segment-orderer.js";
export { chooseStart } from "./start-point.js";
export type { LiveWindow, StartDecision } from "./start-point.js";
