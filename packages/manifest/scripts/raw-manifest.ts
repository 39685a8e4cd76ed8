/**
 * A second, deliberately naive writer of the manifest v1 layout, straight from
 * docs/protocol/manifest.md, with no validation at all. The vector generator and the tests use
 * it to build signed manifests that break one rule at a time, and to cross-check the package's
 * encoder byte for byte. Not part of the package.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Every header field in wire form, unchecked. */
export interface RawHeader {
  magic?: Uint8Array;
  version?: number;
  hashAlg?: number;
  streamId: Uint8Array;
  epoch: Uint8Array;
  seq: bigint;
  prevHash: Uint8Array;
  issuedAtMs: bigint;
  expiresAtMs: bigint;
  signer: Uint8Array;
  /** Defaults to entries.length. */
  entryCount?: number;
  /** Defaults to the RFC 6962 root of the entries as written. */
  merkleRoot?: Uint8Array;
}

/** An entry in wire form, unchecked. */
export interface RawEntry {
  seq: bigint;
  objectHash: Uint8Array;
  objectSize: number;
  durationTicks: number;
  firstPts: bigint;
}

const te = new TextEncoder();
export const DOMAIN = te.encode("every.channel/manifest/v1\0");

function u64(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n);
  return out;
}
function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}
function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function rawEntry(e: RawEntry): Uint8Array {
  return cat(u64(e.seq), e.objectHash, u32(e.objectSize), u32(e.durationTicks), u64(e.firstPts));
}

/** RFC 6962 MTH, written recursively (the package builds bottom-up; they must agree). */
export function rawRoot(leaves: Uint8Array[]): Uint8Array {
  const mth = (d: Uint8Array[]): Uint8Array => {
    if (d.length === 1) return sha256(cat(Uint8Array.of(0), d[0]!));
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return sha256(cat(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k))));
  };
  return mth(leaves);
}

export function rawHeader(h: RawHeader, entries: Uint8Array[]): Uint8Array {
  return cat(
    h.magic ?? te.encode("ECMF"),
    Uint8Array.of(h.version ?? 1, h.hashAlg ?? 1, h.streamId.length),
    h.streamId,
    Uint8Array.of(h.epoch.length),
    h.epoch,
    u64(h.seq),
    h.prevHash,
    u64(h.issuedAtMs),
    u64(h.expiresAtMs),
    h.signer,
    Uint8Array.of((h.entryCount ?? entries.length) >> 8, (h.entryCount ?? entries.length) & 0xff),
    h.merkleRoot ?? (entries.length > 0 ? rawRoot(entries) : new Uint8Array(32)),
  );
}

/** header | Ed25519(secret, DOMAIN | header) | entries, with whatever values were given. */
export function rawManifest(h: RawHeader, entries: RawEntry[], secretKey: Uint8Array): Uint8Array {
  const encoded = entries.map(rawEntry);
  const header = rawHeader(h, encoded);
  const signature = ed25519.sign(cat(DOMAIN, header), secretKey);
  return cat(header, signature, ...encoded);
}
