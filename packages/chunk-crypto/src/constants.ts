/**
 * Fixed numbers of the chunk object format, version 1 (an SIV construction). The byte layout is
 *
 * ```
 * offset  size  field
 * 0       1     version     = FORMAT_VERSION (0x01)
 * 1       16    tag (SIV)   = HMAC-SHA256(macKey, AD || plaintext)[0..16]
 * 17      n     ciphertext  = plaintext XOR ChaCha20(encKey, nonce = tag[0..12], counter = 0)
 * ```
 *
 * See docs/protocol/chunk-crypto.md for AD, the key schedule and the security argument.
 */

/** Version byte written first in every object this build seals. */
export const FORMAT_VERSION = 1;

/** Length of the synthetic IV: the authentication tag, whose first 12 bytes are the nonce. */
export const TAG_BYTES = 16;

/** Length of the ChaCha20 nonce (RFC 8439), taken from the front of the tag. */
export const NONCE_BYTES = 12;

/**
 * Bytes an object adds to its plaintext (version + tag = 17), the largest plaintext
 * {@link sealChunk} accepts (32 MiB) and the largest object {@link openChunk} accepts: the
 * stream's shared size rules (docs/protocol/rules.md), which every node must agree on. A test
 * checks that this format's framing (1 + {@link TAG_BYTES}) is the overhead those rules assume.
 */
export { MAX_CHUNK_BYTES, MAX_OBJECT_BYTES, OBJECT_OVERHEAD_BYTES } from "@ec/stream-rules";

/** Length of both derived keys (ChaCha20 key, HMAC-SHA256 key). */
export const KEY_BYTES = 32;
