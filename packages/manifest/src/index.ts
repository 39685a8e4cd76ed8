/**
 * @ec/manifest: signed manifests, Merkle proofs and the stateful verifier of every.channel
 * streams. Isomorphic and I/O-free; the byte layout is specified in docs/protocol/manifest.md.
 * @packageDocumentation
 */
export type { Bytes } from "./bytes.js";
export {
  ENTRY_BYTES,
  HASH_ALG_SHA256,
  MANIFEST_VERSION,
  MAX_ENTRIES,
  MAX_EPOCH_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_STREAM_ID_BYTES,
  SIGNATURE_DOMAIN,
} from "./constants.js";
export { MANIFEST_ERROR_CODES, ManifestError, type ManifestErrorCode } from "./errors.js";
export { hashObject, manifestHash } from "./hash.js";
export {
  generateSigningKey,
  publicKeyFromHex,
  publicKeyToHex,
  signingKeyFromSecret,
  type SigningKey,
} from "./keys.js";
export { decodeKeyFile, encodeKeyFile } from "./key-file.js";
export type {
  ManifestBody,
  ManifestEntry,
  ManifestHeader,
  SignedManifest,
  SignedManifestHeader,
} from "./types.js";
export { signManifest } from "./sign.js";
/**
 * Ed25519 with the manifests' one verification rule (RFC 8032 strict, small-order keys refused) and
 * node:crypto as a verdict-preserving fast path, for other signatures of the protocol (the
 * transport's identity handshake) so every node checks every signature the same way.
 */
export { sign as signEd25519, verify as verifyEd25519 } from "./ed25519.js";
export { decodeManifest, decodeSignedHeader, type DecodeOptions } from "./decode.js";
export { merkleRoot, proofFor, verifyEntryProof, verifyProof, type MerkleProof } from "./merkle.js";
export {
  MANIFEST_REJECT_REASONS,
  OBJECT_REJECT_REASONS,
  type ManifestRejectReason,
  type ObjectRejectReason,
} from "./reasons.js";
export {
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_MAX_OBJECT_BYTES,
  DEFAULT_MAX_VOUCHED,
  ManifestVerifier,
  type IngestResult,
  type ManifestVerifierOptions,
  type ObjectCheck,
  type VerifierStats,
} from "./verifier.js";
export {
  PendingObjects,
  type PendingObjectsOptions,
  type PendingStats,
  type RejectedPendingObject,
  type VouchedObject,
} from "./pending.js";
export {
  GATE_REJECT_REASONS,
  ObjectGate,
  type GateManifestResult,
  type GateRejectReason,
  type GateStats,
  type GateVerdict,
  type ObjectGateOptions,
} from "./object-gate.js";
export {
  CAPTURE_MISMATCH_REASONS,
  CaptureMatcher,
  type CaptureMatcherOptions,
  type CaptureMatcherStats,
  type CaptureMismatchReason,
  type CaptureOutcome,
  type CapturedChunk,
} from "./capture-matcher.js";
