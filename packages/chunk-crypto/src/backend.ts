/**
 * The three primitives the chunk format needs, behind one interface so the same format code
 * runs on `node:crypto` (fast, native) or on `@noble/*` (portable, any JS runtime). Both must
 * give identical bytes; the shared test vectors and a start-up self-test hold them to it.
 */

/** A concrete implementation of the primitives. */
export type BackendName = "native" | "portable";

/**
 * Which backend to use: `auto` (the default) picks `native` when `node:crypto` is present and
 * passes its self-test, else `portable`; the other two force one (tests and benchmarks do).
 */
export type BackendChoice = BackendName | "auto";

export interface CryptoBackend {
  readonly name: BackendName;
  /** HKDF-SHA256 (RFC 5869), extract then expand. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** HMAC-SHA256(key, a || b), without copying a and b together. */
  hmacSha256(key: Uint8Array, a: Uint8Array, b: Uint8Array): Uint8Array;
  /**
   * `input` XOR the ChaCha20 keystream (RFC 8439: 32-byte key, 12-byte nonce, block counter
   * from 0). Writes into `output` when given (same length as input), else returns a fresh array
   * that owns its memory. `secretOutput` (default true) says whether the result is secret (a
   * decryption's plaintext): a backend that passes it through temporary memory wipes that memory
   * then, and need not for a ciphertext.
   */
  chacha20(key: Uint8Array, nonce: Uint8Array, input: Uint8Array, output?: Uint8Array, secretOutput?: boolean): Uint8Array;
  /**
   * `input` XOR the ChaCha20 keystream (as {@link chacha20}) written after `room` zero bytes at
   * the front of a fresh array (`room` at most 64), so a caller can put a header there instead
   * of copying the result into a bigger array. Offered only where that saves the copy (the
   * native backend, once it has checked this path against the portable one).
   */
  chacha20WithRoom?(key: Uint8Array, nonce: Uint8Array, input: Uint8Array, room: number): Uint8Array;
}
