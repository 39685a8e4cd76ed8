/**
 * `@ec/hls-sink`: writes verified MPEG-TS chunks as `NNNNN.ts` segments and a live HLS media
 * playlist, crash-safely (temp file, fsync, rename; segment before playlist).
 * @module
 */
export { HlsSink } from "./sink.js";
export type { HlsSinkOptions, HlsSinkStats, HlsWriteResult } from "./sink.js";
export type { HlsChunk } from "./chunk.js";
export { HlsSinkError } from "./errors.js";
export type { HlsSinkErrorCode } from "./errors.js";
export type { HlsSinkFs, HlsSinkFileHandle } from "./fs.js";
export { segmentName } from "./segment-name.js";
