/** The data model of manifest v1. Byte layouts live in docs/protocol/manifest.md. */

/** One chunk object a manifest vouches for. */
export interface ManifestEntry {
  /** Chunk sequence number (u64, safe integer). Strictly ascending within a manifest. */
  seq: number;
  /** {@link hashObject} of the object's exact bytes, 32 bytes. */
  objectHash: Uint8Array;
  /** Object length in bytes (u32). */
  objectSize: number;
  /** Media duration in 90 kHz ticks (u32). */
  durationTicks: number;
  /** PTS of the first access unit, 0 ..= 2^33 - 1 (90 kHz). */
  firstPts: number;
}

/** What the leader fills in; {@link signManifest} adds the rest. */
export interface ManifestBody {
  /** The one stream-id rule of @ec/stream-rules: 1..128 of `A-Z a-z 0-9 . _ -`, the first a letter or digit. */
  streamId: string;
  /** 1..64 bytes of `[A-Za-z0-9._-]`; identifies one capture. */
  epoch: string;
  /** Manifest sequence (u64, safe integer), strictly increasing within an epoch. */
  seq: number;
  /** 32 bytes: {@link manifestHash} of the previous manifest of this epoch; all zero for the first. */
  prevHash: Uint8Array;
  /** Unix milliseconds when issued. */
  issuedAtMs: number;
  /** Unix milliseconds after which the manifest is expired; greater than `issuedAtMs`. */
  expiresAtMs: number;
  /** Sliding window of 1..{@link MAX_ENTRIES} entries in strictly ascending `seq`. */
  entries: ManifestEntry[];
}

/** The signed header fields, i.e. everything the signature covers directly. */
export interface ManifestHeader extends Omit<ManifestBody, "entries"> {
  /** Format version (1). */
  version: number;
  /** Hash algorithm id ({@link HASH_ALG_SHA256}). */
  hashAlg: number;
  /** Ed25519 public key that signed. */
  signer: Uint8Array;
  /** Number of entries under `merkleRoot`. */
  entryCount: number;
  /** Merkle root over the entries (RFC 6962 shape, see {@link merkleRoot}). */
  merkleRoot: Uint8Array;
}

/**
 * A header with a valid signature, as {@link decodeSignedHeader} returns it: enough, with an
 * entry and its {@link MerkleProof}, to prove one object without the other entries.
 */
export interface SignedManifestHeader extends ManifestHeader {
  /** Ed25519 signature over the domain prefix and the header bytes. */
  signature: Uint8Array;
  /** The header bytes followed by the signature. */
  bytes: Uint8Array;
}

/** A complete, self-consistent signed manifest (signature valid under `signer`, root matching entries). */
export interface SignedManifest extends ManifestBody {
  /** Format version (1). */
  version: number;
  /** Hash algorithm id ({@link HASH_ALG_SHA256}). */
  hashAlg: number;
  /** Merkle root over `entries`. */
  merkleRoot: Uint8Array;
  /** Ed25519 public key that signed. */
  signer: Uint8Array;
  /** Ed25519 signature over the domain prefix and the header. */
  signature: Uint8Array;
  /** The full canonical bytes: header, signature, entries. */
  bytes: Uint8Array;
  /** `bytes[0 .. header + 64]`: the signed header, see {@link decodeSignedHeader}. */
  signedHeader: Uint8Array;
  /** {@link manifestHash} of `bytes`. */
  hash: Uint8Array;
}
