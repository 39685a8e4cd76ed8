/**
 * Every domain-separation string of format version 1, in one place so they can be audited
 * together. All are ASCII. The two HKDF info labels have equal length, and each is followed by
 * a length-prefixed stream id, so no info string of one purpose can equal one of the other.
 */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** HKDF-SHA256 salt (the extract step). */
export const HKDF_SALT = ascii("every.channel/chunk-crypto/v1/hkdf-salt");

/** HKDF info prefix for the ChaCha20-Poly1305 key. */
export const INFO_ENC_KEY = ascii("every.channel/chunk-crypto/v1/enc-key");

/** HKDF info prefix for the HMAC-SHA256 key that makes the synthetic IV. */
export const INFO_MAC_KEY = ascii("every.channel/chunk-crypto/v1/mac-key");

/** First bytes of the associated data of every chunk object. */
export const AD_LABEL = ascii("every.channel/chunk-crypto/v1/ad");
