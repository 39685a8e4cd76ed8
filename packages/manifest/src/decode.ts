/**
 * Strict decoding. The parser walks the layout in sign.ts front to back and stops at the first
 * problem, so the error code says what is wrong at the earliest point it can be known.
 * Each accepted byte string re-encodes to itself: fixed-width integers, length-prefixed strings
 * with exact-inverse charsets, sorted entries, no padding, no trailing bytes.
 */
import { copyBytes, equalBytes, isBytes, isUint, readU64 } from "./bytes.js";
import {
  ENTRY_BYTES,
  HASH_ALG_SHA256,
  HASH_BYTES,
  MANIFEST_MAGIC,
  MANIFEST_VERSION,
  MAX_ENTRIES,
  MAX_EPOCH_BYTES,
  MAX_HEADER_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_STREAM_ID_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from "./constants.js";
import { isValidPublicKey, verify } from "./ed25519.js";
import { readEntry } from "./entry.js";
import { ManifestError } from "./errors.js";
import { manifestHash } from "./hash.js";
import { leafHash, rootOfLeaves } from "./merkle.js";
import { decodeEpoch, decodeStreamId } from "./names.js";
import { signedMessage } from "./sign.js";
import type { ManifestEntry, ManifestHeader, SignedManifest, SignedManifestHeader } from "./types.js";

/** Options for {@link decodeManifest}. */
export interface DecodeOptions {
  /** Refuse inputs longer than this before parsing (`oversize`). Default {@link MAX_MANIFEST_BYTES}. */
  maxBytes?: number;
}

/** A structurally valid manifest whose signature and root are not yet checked. */
export interface ParsedManifest {
  header: ManifestHeader;
  headerLength: number;
  signature: Uint8Array;
  entries: ManifestEntry[];
  bytes: Uint8Array;
}

function field(message: string): ManifestError {
  return new ManifestError("invalid-field", message);
}

/** Parses the header at the start of `bytes`; the bytes after it are not looked at. */
function parseHeader(bytes: Uint8Array): { header: ManifestHeader; headerLength: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const need = (n: number, what: string) => {
    if (bytes.length < o + n) throw new ManifestError("truncated", `input ends inside ${what}`);
  };
  for (let i = 0; i < MANIFEST_MAGIC.length; i++) {
    if (i >= bytes.length) throw new ManifestError("truncated", "input ends inside the magic");
    if (bytes[i] !== MANIFEST_MAGIC[i]) throw new ManifestError("bad-magic", "input does not start with ECMF");
  }
  o = 4;
  need(1, "version");
  const version = bytes[o++]!;
  if (version !== MANIFEST_VERSION) {
    throw new ManifestError("unsupported-version", `manifest version ${version} is not supported (only ${MANIFEST_VERSION})`);
  }
  need(1, "hashAlg");
  const hashAlg = bytes[o++]!;
  if (hashAlg !== HASH_ALG_SHA256) {
    throw new ManifestError("unsupported-hash-alg", `hash algorithm ${hashAlg} is not supported (only ${HASH_ALG_SHA256})`);
  }
  need(1, "streamIdLen");
  const streamIdLen = bytes[o++]!;
  if (streamIdLen < 1 || streamIdLen > MAX_STREAM_ID_BYTES) throw field(`streamIdLen ${streamIdLen} is outside 1..${MAX_STREAM_ID_BYTES}`);
  need(streamIdLen, "streamId");
  const streamId = decodeStreamId(bytes.subarray(o, o + streamIdLen));
  o += streamIdLen;
  need(1, "epochLen");
  const epochLen = bytes[o++]!;
  if (epochLen < 1 || epochLen > MAX_EPOCH_BYTES) throw field(`epochLen ${epochLen} is outside 1..${MAX_EPOCH_BYTES}`);
  need(epochLen, "epoch");
  const epoch = decodeEpoch(bytes.subarray(o, o + epochLen));
  o += epochLen;
  need(8, "seq");
  const seq = readU64(view, o);
  if (seq === undefined) throw field("seq exceeds 2^53 - 1");
  o += 8;
  need(HASH_BYTES, "prevHash");
  const prevHash = bytes.slice(o, o + HASH_BYTES);
  o += HASH_BYTES;
  need(16, "issuedAtMs/expiresAtMs");
  const issuedAtMs = readU64(view, o);
  const expiresAtMs = readU64(view, o + 8);
  if (issuedAtMs === undefined || expiresAtMs === undefined) throw field("a timestamp exceeds 2^53 - 1");
  if (expiresAtMs <= issuedAtMs) throw field("expiresAtMs is not later than issuedAtMs");
  o += 16;
  need(PUBLIC_KEY_BYTES, "signer");
  const signer = bytes.slice(o, o + PUBLIC_KEY_BYTES);
  o += PUBLIC_KEY_BYTES;
  need(2, "entryCount");
  const entryCount = view.getUint16(o);
  if (entryCount < 1 || entryCount > MAX_ENTRIES) throw field(`entryCount ${entryCount} is outside 1..${MAX_ENTRIES}`);
  o += 2;
  need(HASH_BYTES, "merkleRoot");
  const merkleRoot = bytes.slice(o, o + HASH_BYTES);
  o += HASH_BYTES;
  const header: ManifestHeader = {
    version,
    hashAlg,
    streamId,
    epoch,
    seq,
    prevHash,
    issuedAtMs,
    expiresAtMs,
    signer,
    entryCount,
    merkleRoot,
  };
  return { header, headerLength: o };
}

function assertBytesInput(bytes: unknown, maxBytes: number): asserts bytes is Uint8Array {
  if (!isBytes(bytes)) throw new ManifestError("invalid-argument", "manifest bytes must be a Uint8Array");
  if (bytes.length > maxBytes) throw new ManifestError("oversize", `manifest is ${bytes.length} bytes, limit ${maxBytes}`);
}

/**
 * Structural decode only: layout, ranges, canonical form. No signature or Merkle check.
 * Internal; the verifier uses it to refuse unknown signers before spending a signature check.
 */
export function parseManifest(input: Uint8Array, maxBytes: number = MAX_MANIFEST_BYTES): ParsedManifest {
  assertBytesInput(input, maxBytes);
  const bytes = copyBytes(input); // own the bytes: later changes to the caller's buffer cannot desync us
  const { header, headerLength } = parseHeader(bytes);
  const entriesStart = headerLength + SIGNATURE_BYTES;
  const end = entriesStart + header.entryCount * ENTRY_BYTES;
  if (bytes.length < entriesStart) throw new ManifestError("truncated", "input ends inside the signature");
  if (bytes.length < end) throw new ManifestError("truncated", `input ends inside the entries (${header.entryCount} declared)`);
  if (bytes.length > end) throw new ManifestError("trailing-bytes", `${bytes.length - end} bytes follow the last entry`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: ManifestEntry[] = [];
  let prev = -1;
  for (let i = 0; i < header.entryCount; i++) {
    const e = readEntry(view, bytes, entriesStart + i * ENTRY_BYTES, i);
    if (e.seq <= prev) throw new ManifestError("non-canonical", `entry ${i}: seq is not greater than the previous entry's`);
    prev = e.seq;
    entries.push(e);
  }
  return { header, headerLength, signature: bytes.slice(headerLength, entriesStart), entries, bytes };
}

/** Throws `bad-signature` unless the header's signature verifies under its own signer key. */
export function checkSignature(header: ManifestHeader, headerBytes: Uint8Array, signature: Uint8Array): void {
  if (!isValidPublicKey(header.signer)) {
    throw new ManifestError("bad-signature", "signer is not a valid Ed25519 public key");
  }
  if (!verify(signature, signedMessage(headerBytes), header.signer)) {
    throw new ManifestError("bad-signature", "signature does not verify under the embedded signer");
  }
}

/** Throws `merkle-mismatch` unless the entries hash to the signed root. */
export function checkMerkleRoot(parsed: ParsedManifest): void {
  const root = rootOfLeaves(parsed.entries.map(leafHash));
  if (!equalBytes(root, parsed.header.merkleRoot)) {
    throw new ManifestError("merkle-mismatch", "entries do not hash to the signed Merkle root");
  }
}

/** The SignedManifest view of a parsed manifest whose checks have passed. */
export function toSignedManifest(p: ParsedManifest): SignedManifest {
  const { header } = p;
  return {
    version: header.version,
    hashAlg: header.hashAlg,
    streamId: header.streamId,
    epoch: header.epoch,
    seq: header.seq,
    prevHash: header.prevHash,
    issuedAtMs: header.issuedAtMs,
    expiresAtMs: header.expiresAtMs,
    entries: p.entries,
    merkleRoot: header.merkleRoot,
    signer: header.signer,
    signature: p.signature,
    bytes: p.bytes,
    signedHeader: p.bytes.slice(0, p.headerLength + SIGNATURE_BYTES),
    hash: manifestHash(p.bytes),
  };
}

/**
 * Decodes and checks a manifest: strict structure (see {@link ManifestErrorCode}), then the
 * Ed25519 signature under the signer key embedded in the manifest, then the Merkle root.
 * Whether that signer is trusted, and whether the manifest is fresh, in order and for the right
 * stream, is {@link ManifestVerifier}'s job. Throws only {@link ManifestError}.
 */
export function decodeManifest(bytes: Uint8Array, opts: DecodeOptions = {}): SignedManifest {
  const maxBytes = opts.maxBytes ?? MAX_MANIFEST_BYTES;
  if (!isUint(maxBytes, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", "maxBytes must be a non-negative integer");
  const parsed = parseManifest(bytes, maxBytes);
  checkSignature(parsed.header, parsed.bytes.subarray(0, parsed.headerLength), parsed.signature);
  checkMerkleRoot(parsed);
  return toSignedManifest(parsed);
}

/**
 * Decodes exactly a signed header (`SignedManifest.signedHeader`: header then signature, no
 * entries) and checks its signature under the embedded signer. With an entry and its
 * {@link MerkleProof} this proves one object: see {@link verifyEntryProof}. Whether the signer
 * is trusted is the caller's decision. Throws only {@link ManifestError}.
 */
export function decodeSignedHeader(bytes: Uint8Array): SignedManifestHeader {
  assertBytesInput(bytes, MAX_HEADER_BYTES + SIGNATURE_BYTES);
  const own = copyBytes(bytes);
  const { header, headerLength } = parseHeader(own);
  const end = headerLength + SIGNATURE_BYTES;
  if (own.length < end) throw new ManifestError("truncated", "input ends inside the signature");
  if (own.length > end) throw new ManifestError("trailing-bytes", `${own.length - end} bytes follow the signature`);
  const signature = own.slice(headerLength, end);
  checkSignature(header, own.subarray(0, headerLength), signature);
  return { ...header, signature, bytes: own };
}
