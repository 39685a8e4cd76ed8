/** Why {@link ManifestVerifier.ingest} refused a manifest. Branch on these; never parse `detail`. */
export const MANIFEST_REJECT_REASONS = [
  /** Not a well-formed v1 manifest (truncated, trailing bytes, bad field, non-canonical form). */
  "malformed",
  /** Larger than the verifier's byte limit; refused before parsing. */
  "oversize",
  /** A format version or hash algorithm this package does not implement. */
  "unsupported-version",
  /** The signature (or the entries under the signed Merkle root) does not verify. */
  "bad-signature",
  /** Signed by a key that is not pinned (or, with trust-on-first-use, not the one first trusted). */
  "unknown-signer",
  /** For another stream id than the verifier's. */
  "wrong-stream",
  /** `now()` is past `expiresAtMs` plus the allowed clock skew. */
  "expired",
  /** `issuedAtMs` is further in the future than the allowed clock skew. */
  "not-yet-valid",
  /** The same bytes as a manifest already accepted (benign when several peers relay it). */
  "replay",
  /** A sequence number at or below the last accepted one in this epoch, not otherwise recognised. */
  "stale-seq",
  /** A different epoch issued no later than the last accepted manifest (an old capture replayed). */
  "stale-epoch",
  /** `seq` is last + 1 but `prevHash` is not the hash of the last accepted manifest. */
  "broken-chain",
  /** Contradicts accepted history: other bytes for an accepted seq, or another entry for a vouched chunk. */
  "fork",
] as const;

/** A reason from {@link MANIFEST_REJECT_REASONS}. */
export type ManifestRejectReason = (typeof MANIFEST_REJECT_REASONS)[number];

/** Why {@link ManifestVerifier.checkObject} refused an object. */
export const OBJECT_REJECT_REASONS = [
  /** The object's hash differs from the vouched entry's objectHash. */
  "hash-mismatch",
  /** The object's length differs from the vouched entry's objectSize. */
  "size-mismatch",
  /** Longer than the verifier's object limit; refused before hashing. */
  "oversize",
  /** Its seq is older than the window of vouched entries the verifier still remembers. */
  "stale",
] as const;

/** A reason from {@link OBJECT_REJECT_REASONS}. */
export type ObjectRejectReason = (typeof OBJECT_REJECT_REASONS)[number];
