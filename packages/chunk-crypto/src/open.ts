import { constantTimeEqual, isBytes, sharesMemory } from "./bytes.js";
import { FORMAT_VERSION, MAX_OBJECT_BYTES, NONCE_BYTES, OBJECT_OVERHEAD_BYTES, TAG_BYTES } from "./constants.js";
import { associatedData, type ChunkContext } from "./context.js";
import { ChunkCryptoError } from "./errors.js";
import { keyMaterial, type StreamKey } from "./stream-key.js";

/**
 * Checks and decrypts one object made by {@link sealChunk} under the same key and context:
 * decrypts with the nonce taken from the tag, recomputes the tag from AD and the decrypted
 * plaintext, and compares the two in constant time. Returns the plaintext only when they match;
 * otherwise wipes it and throws, so no partial or unauthenticated plaintext is ever released.
 * `output`, when given, receives the plaintext in its first `object.length - OBJECT_OVERHEAD_BYTES`
 * bytes, and the result is a view of them (mirroring {@link sealChunk}'s `output`): no fresh
 * chunk-sized allocation per object, whose new pages cost more than the decryption on a busy
 * receiver. It may be the object's own ciphertext, `object.subarray(OBJECT_OVERHEAD_BYTES)`, to
 * decrypt in place: for a caller that owns the object and needs none of its bytes afterwards (the
 * object is then gone, whatever the outcome). Any other overlap with `object` is `bad-input`, as is
 * an output too short. On `auth-failed` the bytes written into `output` are wiped (zeros).
 *
 * Synchronous. Throws {@link ChunkCryptoError}: `oversize`, `truncated`, `unsupported-version`,
 * `auth-failed` (and `bad-key`, `bad-context`, `bad-input` for misuse).
 *
 * @example
 * ```ts
 * const chunk = openChunk(key, { streamId: "wcbd-hd", epoch: "e1", seq: 42 }, object);
 * // or, when nothing else holds `object`: decrypted in its own memory
 * const inPlace = openChunk(key, ctx, object, object.subarray(OBJECT_OVERHEAD_BYTES));
 * ```
 */
export function openChunk(key: StreamKey, ctx: ChunkContext, object: Uint8Array, output?: Uint8Array): Uint8Array {
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
  const ciphertext = object.subarray(OBJECT_OVERHEAD_BYTES);
  let into: Uint8Array | undefined;
  if (output !== undefined) {
    if (!isBytes(output)) throw new ChunkCryptoError("bad-input", "output must be a Uint8Array");
    if (output.length < ciphertext.length) {
      throw new ChunkCryptoError("bad-input", `output of ${output.length} bytes is shorter than the ${ciphertext.length}-byte plaintext`);
    }
    into = output.subarray(0, ciphertext.length);
    // Exactly the ciphertext (in place) is safe: each byte is read before it is written, and the
    // tag before it stays intact. Any other overlap would overwrite tag or ciphertext not yet read.
    const inPlace = into.buffer === ciphertext.buffer && into.byteOffset === ciphertext.byteOffset;
    if (!inPlace && sharesMemory(output, object)) {
      throw new ChunkCryptoError("bad-input", "output must be the object's ciphertext exactly or not share memory with the object");
    }
  }
  const tag = object.subarray(1, 1 + TAG_BYTES);
  const plaintext = keys.backend.chacha20(keys.encKey, tag.subarray(0, NONCE_BYTES), ciphertext, into);
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
