/**
 * @ec/stream-rules: what every every.channel node must agree on, defined once — stream id,
 * epoch, sequence numbers, 90 kHz time and size limits. Isomorphic, no I/O. docs/protocol says
 * which rule is normative for each field; this package is that rule in code.
 * @packageDocumentation
 */
export { StreamRuleError, type StreamRuleErrorCode } from "./errors.js";
export { assertStreamId, isStreamId, MAX_STREAM_ID_BYTES, STREAM_ID_PATTERN, streamIdProblem } from "./stream-id.js";
export { assertEpoch, deriveEpoch, EPOCH_PATTERN, isEpoch, MAX_EPOCH_BYTES } from "./epoch.js";
export { assertSeq, isSeq, MAX_SEQ } from "./seq.js";
export {
  assertPts,
  isPts,
  MAX_PTS,
  type Millis,
  msFromTicks,
  PTS_MODULO,
  ptsAdd,
  ptsDelta,
  secondsFromTicks,
  type Ticks,
  TICKS_PER_SECOND,
  ticksFromMs,
} from "./ticks.js";
export { MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_OBJECT_BYTES, OBJECT_OVERHEAD_BYTES } from "./limits.js";
