/**
 * Size limits, all derived from one number: the largest chunk. A node that accepted a chunk of
 * this size anywhere must be able to seal, frame, send, receive, hold and hash its object
 * everywhere, so every other limit is computed from it here, never written again.
 */

/**
 * Largest chunk plaintext: 32 MiB. A 2-second chunk of an 8K broadcast (~100 Mbit/s) is ~25 MB,
 * so real chunks fit with room; anything larger is cut (chunker) or refused (everyone else).
 */
export const MAX_CHUNK_BYTES = 32 * 1024 * 1024;

/** What sealing adds to a chunk: a version byte and a 16-byte synthetic IV (docs/protocol/chunk-crypto.md). */
export const OBJECT_OVERHEAD_BYTES = 1 + 16;

/** Largest chunk object (a sealed chunk). */
export const MAX_OBJECT_BYTES = MAX_CHUNK_BYTES + OBJECT_OVERHEAD_BYTES;

/** Largest moq-lite frame a node sends or accepts: one object (manifests are far smaller). */
export const MAX_FRAME_BYTES = MAX_OBJECT_BYTES;
