import { isBytes, sharesMemory } from "./bytes.js";
import { FORMAT_VERSION, MAX_CHUNK_BYTES, NONCE_BYTES, OBJECT_OVERHEAD_BYTES, TAG_BYTES } from "./constants.js";
import { associatedData, type ChunkContext } from "./context.js";
import { ChunkCryptoError } from "./errors.js";
import { keyMaterial, type StreamKey } from "./stream-key.js";

/**
 * Encrypts and authenticates one chunk, binding stream id, epoch and seq (SIV construction):
 * `tag = HMAC-SHA256(macKey, AD || plaintext)[0..16]`,
 * `object = 0x01 || tag || plaintext XOR ChaCha20(encKey, nonce = tag[0..12])`.
 *
 * Deterministic: the same key, context and plaintext give the same bytes on every machine and
 * backend, so independent publishers produce identical objects. Two different (context,
 * plaintext) pairs get different nonces except with negligible probability, even if seq repeats.
 *
 * `output`, when given, receives the object in its first `OBJECT_OVERHEAD_BYTES + plaintext.length`
 * bytes, and the result is a view of them: for a caller that needs each object only briefly (a
 * leader that hashes it for the manifest and does not serve it) and reuses one buffer rather than
 * allocating a fresh one per chunk. It must be large enough and must not share memory with
 * `plaintext` (`bad-input`).
 *
 * Synchronous. Throws {@link ChunkCryptoError} (`bad-key`, `bad-context`, `bad-input`, `oversize`).
 *
 * @example
 * ```ts
 * const object = sealChunk(key, { streamId: "wcbd-hd", epoch: "e1", seq: 42 }, chunkBytes);
 * ```
 */
export function sealChunk(key: StreamKey, ctx: ChunkContext, plaintext: Uint8Array, output?: Uint8Array): Uint8Array {
  const keys = keyMaterial(key);
  const ad = associatedData(keys, ctx);
  if (!isBytes(plaintext)) throw new ChunkCryptoError("bad-input", "plaintext must be a Uint8Array");
  if (plaintext.length > MAX_CHUNK_BYTES) {
    throw new ChunkCryptoError("oversize", `chunk of ${plaintext.length} bytes exceeds ${MAX_CHUNK_BYTES}`);
  }
  const size = OBJECT_OVERHEAD_BYTES + plaintext.length;
  const backend = keys.backend;
  if (output === undefined && backend.chacha20WithRoom !== undefined) {
    // The object is the cipher's own fresh output, the header written into the room in front:
    // one pass over fresh memory, no intermediate pieces to allocate, copy and collect.
    const mac = backend.hmacSha256(keys.macKey, ad, plaintext);
    const object = backend.chacha20WithRoom(keys.encKey, mac.subarray(0, NONCE_BYTES), plaintext, OBJECT_OVERHEAD_BYTES);
    object[0] = FORMAT_VERSION;
    object.set(mac.subarray(0, TAG_BYTES), 1);
    return object;
  }
  let object: Uint8Array;
  if (output === undefined) {
    object = new Uint8Array(size);
  } else {
    if (!isBytes(output)) throw new ChunkCryptoError("bad-input", "output must be a Uint8Array");
    if (output.length < size) throw new ChunkCryptoError("bad-input", `output of ${output.length} bytes is shorter than the ${size}-byte object`);
    object = output.subarray(0, size);
    // The tag is written before the plaintext is read by the cipher.
    if (sharesMemory(object, plaintext)) throw new ChunkCryptoError("bad-input", "output must not share memory with the plaintext");
  }
  object[0] = FORMAT_VERSION;
  const tag = object.subarray(1, 1 + TAG_BYTES);
  tag.set(backend.hmacSha256(keys.macKey, ad, plaintext).subarray(0, TAG_BYTES));
  // The pieces a backend may produce on the way are ciphertext: nothing secret to wipe.
  backend.chacha20(keys.encKey, tag.subarray(0, NONCE_BYTES), plaintext, object.subarray(OBJECT_OVERHEAD_BYTES), false);
  return object;
}
