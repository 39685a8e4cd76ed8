/**
 * @ec/chunk-crypto: per-stream keys and deterministic, nonce-misuse-resistant authenticated
 * encryption of chunk objects. Runs unchanged in browsers (`@noble/*`) and uses `node:crypto`
 * in Node when available; both give identical bytes. Format: docs/protocol/chunk-crypto.md.
 *
 * @module
 */
export { deriveStreamKey, type DeriveStreamKeyOptions, type StreamKey } from "./stream-key.js";
export { sealChunk } from "./seal.js";
export { openChunk } from "./open.js";
export { type ChunkContext, MAX_STREAM_ID_BYTES } from "./context.js";
export { ChunkCryptoError, type ChunkCryptoErrorCode } from "./errors.js";
export { FORMAT_VERSION, MAX_CHUNK_BYTES, MAX_OBJECT_BYTES, OBJECT_OVERHEAD_BYTES } from "./constants.js";
export type { BackendChoice, BackendName } from "./backend.js";
export { isNativeBackendAvailable } from "./backend-choice.js";
