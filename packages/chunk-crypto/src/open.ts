import { constantTimeEqual, isBytes } from "./bytes.js";
import { FORMAT_VERSION, MAX_OBJECT_BYTES, NONCE_BYTES, OBJECT_OVERHEAD_BYTES, TAG_BYTES } from "./constants.js";
import { associatedData, type ChunkContext } from "./context.js";
import { ChunkCryptoError } from "./errors.js";
import { keyMaterial, type StreamKey } from "./stream-key.js";

/**
 * Checks and decrypts one object made by {@link sealChunk} under the same key and context:
 * decrypts with the nonce taken from the tag, recomputes the tag from AD and the decrypted
 * plaintext, and compares the two in constant time. Returns the plaintext only when they match;
 * otherwise wipes it and throws, so no partial or unauthenticated plaintext is ever released.
 * Synchronous. Throws {@link ChunkCryptoError}: `oversize`, `truncated`, `unsupported-version`,
 * `auth-failed` (and `bad-key`, `bad-context`, `bad-input` for misuse).
 *
 * @example
 * ```ts
 * const chunk = openChunk(key, { streamId: "wcbd-hd", epoch: "e1", seq: 42 }, object);
 * ```
 */
export function openChunk(key: StreamKey, ctx: ChunkContext, object: Uint8Array): Uint8Array {
  const keys = keyMaterial(key);
  const ad = associatedData(keys, ctx);
  if (!isBytes(object)) throw new ChunkCryptoError("bad-input", "object must be a Uint8Array");
  if (object.length > MAX_OBJECT_BYTES) {
    throw new ChunkCryptoError("oversize", `object of ${object.length} bytes exceeds ${MAX_OBJECT_BYTES}`);
  }
  if (object.length === 0) throw new ChunkCryptoError("truncated", "object is empty");
  if (object[0] !== FORMAT_VERSION) {
    throw new ChunkCryptoError(
      "unsupported-version",
      `object format version ${object[0]} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  if (object.length < OBJECT_OVERHEAD_BYTES) {
    throw new ChunkCryptoError(
      "truncated",
      `object of ${object.length} bytes is shorter than the ${OBJECT_OVERHEAD_BYTES}-byte header`,
    );
  }
  const tag = object.subarray(1, 1 + TAG_BYTES);
  const plaintext = keys.backend.chacha20(keys.encKey, tag.subarray(0, NONCE_BYTES), object.subarray(OBJECT_OVERHEAD_BYTES));
  const expected = keys.backend.hmacSha256(keys.macKey, ad, plaintext).subarray(0, TAG_BYTES);
  if (!constantTimeEqual(expected, tag)) {
    plaintext.fill(0);
    throw new ChunkCryptoError(
      "auth-failed",
      "chunk object failed authentication (wrong key, stream id, epoch or seq, or modified bytes)",
    );
  }
  return plaintext;
}
