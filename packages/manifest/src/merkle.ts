/**
 * The Merkle tree over a manifest's entries, shaped as RFC 6962 / RFC 9162 section 2.1:
 *
 *   leaf(e)     = H(0x00 || encodeEntry(e))
 *   node(l, r)  = H(0x01 || l || r)
 *   MTH([e])    = leaf(e)
 *   MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n]))  where k is the largest power of two < n
 *
 * Built bottom-up this is: pair nodes left to right; an unpaired last node moves up a level
 * unchanged (it is never duplicated, so no two entry lists share a root). The distinct prefixes
 * keep a leaf from passing as an interior node.
 */
import { equalBytes, isBytes, isUint } from "./bytes.js";
import { ENTRY_BYTES, HASH_BYTES, MAX_ENTRIES, MERKLE_LEAF_PREFIX, MERKLE_NODE_PREFIX } from "./constants.js";
import { entryProblem, writeEntry } from "./entry.js";
import { ManifestError } from "./errors.js";
import { sha256 } from "./hash.js";
import type { ManifestEntry, ManifestHeader } from "./types.js";

/** An inclusion proof: the entry's position and the sibling hashes from leaf to root. */
export interface MerkleProof {
  /** Zero-based position of the entry in the manifest. */
  index: number;
  /** Number of entries in the manifest (the header's entryCount). */
  count: number;
  /** Sibling hashes, leaf level first; levels where the node moved up unpaired have none. */
  siblings: Uint8Array[];
}


/** Leaf hash of an already-validated entry: H(0x00 || 56-byte entry). */
export function leafHash(entry: ManifestEntry): Uint8Array {
  const preimage = new Uint8Array(1 + ENTRY_BYTES);
  preimage[0] = MERKLE_LEAF_PREFIX;
  writeEntry(new DataView(preimage.buffer), preimage, 1, entry);
  return sha256(preimage);
}

/** H(0x01 || left || right). */
function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const preimage = new Uint8Array(1 + 2 * HASH_BYTES);
  preimage[0] = MERKLE_NODE_PREFIX;
  preimage.set(left, 1);
  preimage.set(right, 1 + HASH_BYTES);
  return sha256(preimage);
}

/** One level up: hash pairs, carry an unpaired last node unchanged. */
function parentLevel(level: Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) up.push(nodeHash(level[i]!, level[i + 1]!));
  if (level.length % 2 === 1) up.push(level[level.length - 1]!);
  return up;
}

/** Root over leaf hashes (at least one). */
export function rootOfLeaves(leaves: Uint8Array[]): Uint8Array {
  let level = leaves;
  while (level.length > 1) level = parentLevel(level);
  return level[0]!;
}

/** Throws `invalid-argument` unless `entries` is a valid v1 entry list. */
export function assertEntries(entries: unknown): asserts entries is ManifestEntry[] {
  if (!Array.isArray(entries)) throw new ManifestError("invalid-argument", "entries must be an array");
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new ManifestError("invalid-argument", `entries must hold 1..${MAX_ENTRIES} items, got ${entries.length}`);
  }
  let prev = -1;
  for (let i = 0; i < entries.length; i++) {
    const problem = entryProblem(entries[i]);
    if (problem !== undefined) throw new ManifestError("invalid-argument", `entry ${i}: ${problem}`);
    const seq = (entries[i] as ManifestEntry).seq;
    if (seq <= prev) throw new ManifestError("invalid-argument", `entry ${i}: seq must be greater than the previous entry's`);
    prev = seq;
  }
}

/** The Merkle root over `entries` (1..{@link MAX_ENTRIES}, ascending seq); throws `invalid-argument`. */
export function merkleRoot(entries: ManifestEntry[]): Uint8Array {
  assertEntries(entries);
  return rootOfLeaves(entries.map(leafHash));
}

/** The inclusion proof for the entry with `seq`; throws `invalid-argument` if there is none. */
export function proofFor(entries: ManifestEntry[], seq: number): MerkleProof {
  assertEntries(entries);
  let index = entries.findIndex((e) => e.seq === seq);
  if (index < 0) throw new ManifestError("invalid-argument", `no entry with seq ${String(seq)}`);
  const proof: MerkleProof = { index, count: entries.length, siblings: [] };
  let level = entries.map(leafHash);
  while (level.length > 1) {
    const sibling = index ^ 1;
    if (sibling < level.length) proof.siblings.push(level[sibling]!);
    level = parentLevel(level);
    index >>= 1;
  }
  return proof;
}

/**
 * Whether `proof` shows `entry` under `root` (RFC 9162 section 2.1.3.2). Check `proof.count`
 * against the signed header's entryCount too. Malformed input of any shape is `false`, never a throw.
 */
export function verifyProof(root: Uint8Array, entry: ManifestEntry, proof: MerkleProof): boolean {
  if (!isBytes(root) || root.length !== HASH_BYTES || entryProblem(entry) !== undefined) return false;
  if (typeof proof !== "object" || proof === null || !Array.isArray(proof.siblings)) return false;
  const { index, count, siblings } = proof;
  if (!isUint(count, MAX_ENTRIES) || count < 1 || !isUint(index, count - 1)) return false;
  let fn = index;
  let sn = count - 1;
  let r = leafHash(entry);
  for (const p of siblings) {
    if (!isBytes(p) || p.length !== HASH_BYTES || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node moved up unpaired.
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * Whether `proof` shows `entry` in the manifest whose signed header is `header` (from
 * {@link decodeSignedHeader}): the proof's count must be the signed entryCount, and the
 * proof must lead to the signed root. This is how one object is proven without the other entries.
 */
export function verifyEntryProof(header: ManifestHeader, entry: ManifestEntry, proof: MerkleProof): boolean {
  if (typeof header !== "object" || header === null || typeof proof !== "object" || proof === null) return false;
  return proof.count === header.entryCount && verifyProof(header.merkleRoot, entry, proof);
}
