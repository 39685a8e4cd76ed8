/**
 * Why a chunk operation was refused.
 *
 * - `auth-failed`: the object does not authenticate under this key and context (wrong key,
 *   wrong stream/epoch/seq, or any modified byte). No plaintext is released.
 * - `truncated`: the object is shorter than the fixed framing (version + IV + tag).
 * - `oversize`: the plaintext or object exceeds {@link MAX_CHUNK_BYTES} (+ framing).
 * - `unsupported-version`: the object's first byte names a format this build does not know.
 * - `bad-context`: stream id, epoch or seq is malformed, or the context's stream id differs
 *   from the key's.
 * - `bad-key`: the key is not a {@link StreamKey} made by {@link deriveStreamKey}, or the
 *   secret given to it is unusable (empty, or a string with lone surrogates).
 * - `bad-input`: plaintext or object is not a `Uint8Array`.
 * - `backend-unavailable`: the `native` backend was asked for where `node:crypto` is missing.
 */
export type ChunkCryptoErrorCode =
  | "auth-failed"
  | "truncated"
  | "oversize"
  | "unsupported-version"
  | "bad-context"
  | "bad-key"
  | "bad-input"
  | "backend-unavailable";

/**
 * The only error this package throws. `code` is stable and meant for branching; `message` is a
 * one-line explanation for humans and never contains key material, secrets or plaintext.
 */
export class ChunkCryptoError extends Error {
  /** Machine-readable reason; see {@link ChunkCryptoErrorCode}. */
  readonly code: ChunkCryptoErrorCode;

  constructor(code: ChunkCryptoErrorCode, message: string) {
    super(message);
    this.name = "ChunkCryptoError";
    this.code = code;
  }
}
