/**
 * `@ec/hls-sink`: writes verified MPEG-TS chunks as `NNNNN.ts` segments and a live HLS media
 * playlist, crash-safely (temp file, fsync, rename; segment before playlist). {@link SegmentWriter}
 * adds ordering, gap handling and a resume point on top of {@link HlsSink}.
 * @module
 */
export { HlsSink } from "./sink.js";
export type { HlsSinkOptions, HlsSinkStats, HlsWriteResult } from "./sink.js";
export type { HlsChunk } from "./chunk.js";
export { HlsSinkError } from "./errors.js";
export type { HlsSinkErrorCode } from "./errors.js";
export type { HlsSinkFs, HlsSinkFileHandle } from "./fs.js";
export { segmentName } from "./segment-name.js";
export { SegmentWriter } from "./segment-writer.js";
export type { SegmentWriterOptions, SegmentWriterCounters, WriterChunk, WrittenSegment, PushVerdict } from "./segment-writer.js";
export { SegmentOrderer } from "./segment-orderer.js";
export type { OrderedChunk, ReleasedChunk, OfferVerdict, SkippedGap, SegmentOrdererOptions } from "./segment-orderer.js";
export { RESUME_FILE } from "./resume-point.js";
export type { ResumePoint, ResumeRecord } from "./resume-point.js";
export { chooseStart } from "./start-point.js";
export type { LiveWindow, StartDecision } from "./start-point.js";
export { systemClock } from "./clock.js";
export type { WriterClock } from "./clock.js";
