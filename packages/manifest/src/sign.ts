/**
 * Building and signing: ManifestBody -> canonical bytes.
 *
 * Header layout (big-endian):
 *   magic "ECMF" | version u8 | hashAlg u8 | streamIdLen u8 | streamId | epochLen u8 | epoch |
 *   seq u64 | prevHash 32 | issuedAtMs u64 | expiresAtMs u64 | signer 32 | entryCount u16 | merkleRoot 32
 * Manifest = header | signature 64 | entries (entryCount x 56)
 * signature = Ed25519(secret, SIGNATURE_DOMAIN || header)
 */
import { concatBytes, copyBytes, isBytes, isUint, writeU64 } from "./bytes.js";
import {
  ENTRY_BYTES,
  HASH_ALG_SHA256,
  HASH_BYTES,
  MANIFEST_MAGIC,
  MANIFEST_VERSION,
  SIGNATURE_DOMAIN,
  headerBytes,
} from "./constants.js";
import { sign } from "./ed25519.js";
import { writeEntry } from "./entry.js";
import { ManifestError } from "./errors.js";
import { manifestHash } from "./hash.js";
import { assertSigningKey, type SigningKey } from "./keys.js";
import { assertEntries, leafHash, rootOfLeaves } from "./merkle.js";
import { encodeEpoch, encodeStreamId } from "./names.js";
import type { ManifestBody, SignedManifest } from "./types.js";

function invalid(message: string): ManifestError {
  return new ManifestError("invalid-argument", message);
}

/** Header fields in their wire form, before signing. */
interface HeaderFields {
  streamId: Uint8Array;
  epoch: Uint8Array;
  seq: number;
  prevHash: Uint8Array;
  issuedAtMs: number;
  expiresAtMs: number;
  signer: Uint8Array;
  entryCount: number;
  merkleRoot: Uint8Array;
}

function encodeHeader(h: HeaderFields): Uint8Array {
  const out = new Uint8Array(headerBytes(h.streamId.length, h.epoch.length));
  const view = new DataView(out.buffer);
  let o = 0;
  out.set(MANIFEST_MAGIC, o);
  o += 4;
  out[o++] = MANIFEST_VERSION;
  out[o++] = HASH_ALG_SHA256;
  out[o++] = h.streamId.length;
  out.set(h.streamId, o);
  o += h.streamId.length;
  out[o++] = h.epoch.length;
  out.set(h.epoch, o);
  o += h.epoch.length;
  writeU64(view, o, h.seq);
  o += 8;
  out.set(h.prevHash, o);
  o += HASH_BYTES;
  writeU64(view, o, h.issuedAtMs);
  o += 8;
  writeU64(view, o, h.expiresAtMs);
  o += 8;
  out.set(h.signer, o);
  o += h.signer.length;
  view.setUint16(o, h.entryCount);
  o += 2;
  out.set(h.merkleRoot, o);
  return out;
}

/** The message an Ed25519 manifest signature is over. */
export function signedMessage(header: Uint8Array): Uint8Array {
  return concatBytes(SIGNATURE_DOMAIN, header);
}

/**
 * Validates `body`, computes the Merkle root, signs, and returns the manifest with its one
 * canonical byte form. Throws `invalid-argument` for a body outside the v1 limits and
 * `invalid-key` for a key whose halves do not match. The result holds copies, not the caller's arrays.
 */
export function signManifest(body: ManifestBody, key: SigningKey): SignedManifest {
  if (typeof body !== "object" || body === null) throw invalid("body must be an object");
  assertSigningKey(key);
  const streamId = encodeStreamId(body.streamId, "invalid-argument");
  const epoch = encodeEpoch(body.epoch, "invalid-argument");
  if (!isUint(body.seq, Number.MAX_SAFE_INTEGER)) throw invalid("seq must be a safe non-negative integer");
  if (!isBytes(body.prevHash) || body.prevHash.length !== HASH_BYTES) throw invalid(`prevHash must be ${HASH_BYTES} bytes`);
  if (!isUint(body.issuedAtMs, Number.MAX_SAFE_INTEGER)) throw invalid("issuedAtMs must be a safe non-negative integer");
  if (!isUint(body.expiresAtMs, Number.MAX_SAFE_INTEGER)) throw invalid("expiresAtMs must be a safe non-negative integer");
  if (body.expiresAtMs <= body.issuedAtMs) throw invalid("expiresAtMs must be later than issuedAtMs");
  assertEntries(body.entries);

  const entries = body.entries.map((e) => ({
    seq: e.seq,
    objectHash: copyBytes(e.objectHash),
    objectSize: e.objectSize,
    durationTicks: e.durationTicks,
    firstPts: e.firstPts,
  }));
  const merkleRoot = rootOfLeaves(entries.map(leafHash));
  const signer = copyBytes(key.publicKey);
  const prevHash = copyBytes(body.prevHash);
  const header = encodeHeader({
    streamId,
    epoch,
    seq: body.seq,
    prevHash,
    issuedAtMs: body.issuedAtMs,
    expiresAtMs: body.expiresAtMs,
    signer,
    entryCount: entries.length,
    merkleRoot,
  });
  const signature = sign(signedMessage(header), key.secretKey);

  const bytes = new Uint8Array(header.length + signature.length + entries.length * ENTRY_BYTES);
  bytes.set(header, 0);
  bytes.set(signature, header.length);
  const view = new DataView(bytes.buffer);
  let o = header.length + signature.length;
  for (const e of entries) {
    writeEntry(view, bytes, o, e);
    o += ENTRY_BYTES;
  }
  return {
    version: MANIFEST_VERSION,
    hashAlg: HASH_ALG_SHA256,
    streamId: body.streamId,
    epoch: body.epoch,
    seq: body.seq,
    prevHash,
    issuedAtMs: body.issuedAtMs,
    expiresAtMs: body.expiresAtMs,
    entries,
    merkleRoot,
    signer,
    signature,
    bytes,
    signedHeader: bytes.slice(0, header.length + signature.length),
    hash: manifestHash(bytes),
  };
}
