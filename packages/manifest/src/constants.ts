/** Byte sizes and limits of manifest format v1. docs/protocol/manifest.md is the normative text. */

/** First four bytes of every manifest: ASCII "ECMF". */
export const MANIFEST_MAGIC: Uint8Array = Uint8Array.of(0x45, 0x43, 0x4d, 0x46);

/** The manifest format version this package writes and reads. */
export const MANIFEST_VERSION = 1;

/** Hash algorithm id for SHA-256 (the only one defined in v1). */
export const HASH_ALG_SHA256 = 1;

/** Length of a hash under {@link HASH_ALG_SHA256}. */
export const HASH_BYTES = 32;

/** Ed25519 public key length. */
export const PUBLIC_KEY_BYTES = 32;

/** Ed25519 secret key (seed) length. */
export const SECRET_KEY_BYTES = 32;

/** Ed25519 signature length. */
export const SIGNATURE_BYTES = 64;

/** Most entries one manifest may carry. */
export const MAX_ENTRIES = 1024;

/** Longest stream id, in UTF-8 bytes. */
export const MAX_STREAM_ID_BYTES = 128;

/** Longest epoch, in bytes (ASCII `[A-Za-z0-9._-]`). */
export const MAX_EPOCH_BYTES = 64;

/** Encoded size of one entry: seq u64, objectHash 32, objectSize u32, durationTicks u32, firstPts u64. */
export const ENTRY_BYTES = 8 + HASH_BYTES + 4 + 4 + 8;

/** Largest first PTS: MPEG-TS timestamps are 33-bit. */
export { MAX_PTS } from "@ec/stream-rules";

/** Largest objectSize and durationTicks (u32). */
export const MAX_U32 = 0xffff_ffff;

/** Fixed part of the header around the two variable-length strings. */
const HEADER_FIXED_BYTES =
  4 + 1 + 1 + 1 + 1 + 8 + HASH_BYTES + 8 + 8 + PUBLIC_KEY_BYTES + 2 + HASH_BYTES;

/** The largest header (longest stream id and epoch). */
export const MAX_HEADER_BYTES = HEADER_FIXED_BYTES + MAX_STREAM_ID_BYTES + MAX_EPOCH_BYTES;

/** The largest well-formed manifest: biggest header, signature, {@link MAX_ENTRIES} entries. */
export const MAX_MANIFEST_BYTES = MAX_HEADER_BYTES + SIGNATURE_BYTES + MAX_ENTRIES * ENTRY_BYTES;

/** Size of header for given string lengths. */
export function headerBytes(streamIdBytes: number, epochBytes: number): number {
  return HEADER_FIXED_BYTES + streamIdBytes + epochBytes;
}

/**
 * Prefix of the Ed25519-signed message, "every.channel/manifest/v1" then a NUL byte, so a
 * manifest signature can never be mistaken for a signature over anything else made with the key.
 */
export const SIGNATURE_DOMAIN: Uint8Array = new TextEncoder().encode("every.channel/manifest/v1\0");

/** Merkle leaf prefix (RFC 6962): a leaf hash is H(0x00 || entry). */
export const MERKLE_LEAF_PREFIX = 0x00;

/** Merkle interior-node prefix (RFC 6962): a node hash is H(0x01 || left || right). */
export const MERKLE_NODE_PREFIX = 0x01;
