/**
 * Generates the published test vectors in test/vectors/. Everything is derived from fixed
 * labels, so the output is byte-identical on every run and machine; a test regenerates it in
 * memory and compares it with the committed files.
 *
 *   pnpm --filter @ec/manifest vectors          # rewrite test/vectors/
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "../src/bytes.js";
import { encodeKeyFile } from "../src/key-file.js";
import { signingKeyFromSecret, type SigningKey } from "../src/keys.js";
import { merkleRoot, proofFor } from "../src/merkle.js";
import { signManifest } from "../src/sign.js";
import { hashObject } from "../src/hash.js";
import type { ManifestBody, ManifestEntry, SignedManifest } from "../src/types.js";
import { rawManifest, type RawEntry, type RawHeader } from "./raw-manifest.js";

const te = new TextEncoder();
const hex = bytesToHex;

/** Deterministic bytes: SHA-256(label || counter_be32) blocks, truncated to `length`. */
export function expand(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, o = 0; o < length; i++, o += 32) {
    const block = sha256(new Uint8Array([...te.encode(label), i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]));
    out.set(block.subarray(0, Math.min(32, length - o)), o);
  }
  return out;
}

const T0 = 1_764_000_000_000; // 2025-11-24T16:00:00Z
const MINUTE = 60_000;
const TICKS_2S = 180_000;

function keyFor(name: string): SigningKey {
  return signingKeyFromSecret(sha256(te.encode(`every.channel manifest test vector key ${name}`)));
}

function entryJson(e: ManifestEntry) {
  return { seq: e.seq, objectHash: hex(e.objectHash), objectSize: e.objectSize, durationTicks: e.durationTicks, firstPts: e.firstPts };
}

function manifestJson(name: string, signer: string, m: SignedManifest, note: string) {
  return {
    name,
    note,
    signer,
    body: {
      streamId: m.streamId,
      epoch: m.epoch,
      seq: m.seq,
      prevHash: hex(m.prevHash),
      issuedAtMs: m.issuedAtMs,
      expiresAtMs: m.expiresAtMs,
      entries: m.entries.map(entryJson),
    },
    hashAlg: m.hashAlg,
    merkleRoot: hex(m.merkleRoot),
    signature: hex(m.signature),
    signedHeader: hex(m.signedHeader),
    bytes: hex(m.bytes),
    hash: hex(m.hash),
    proofs: m.entries.map((e) => {
      const p = proofFor(m.entries, e.seq);
      return { seq: e.seq, index: p.index, count: p.count, siblings: p.siblings.map(hex) };
    }),
  };
}

/** Builds the complete vector set as a JSON-ready object. */
export function buildVectors() {
  const keys = { "leader-a": keyFor("leader-a"), "leader-b": keyFor("leader-b") };
  const A = keys["leader-a"];
  const B = keys["leader-b"];

  // Objects stand in for encrypted chunk objects: any bytes, hashed as they are.
  const objectSizes = [0, 1, 188, 1316, 4000, 2000, 3333];
  const objects = objectSizes.map((size, i) => expand(`every.channel manifest test vector object ${i}`, size));
  const entryFor = (i: number, seq: number): ManifestEntry => ({
    seq,
    objectHash: hashObject(objects[i]!),
    objectSize: objects[i]!.length,
    durationTicks: TICKS_2S + i,
    firstPts: 900_000 + seq * TICKS_2S,
  });

  const stream = "wcbd-hd";
  const epochA = "2025-11-24.a";
  const base = { streamId: stream, epoch: epochA, issuedAtMs: T0, expiresAtMs: T0 + 30 * MINUTE };
  const first = signManifest(
    { ...base, seq: 0, prevHash: new Uint8Array(32), entries: [entryFor(1, 10), entryFor(2, 11), entryFor(3, 12)] },
    A,
  );
  const second = signManifest(
    {
      ...base,
      seq: 1,
      prevHash: first.hash,
      issuedAtMs: T0 + 2000,
      expiresAtMs: T0 + 2000 + 30 * MINUTE,
      entries: [entryFor(2, 11), entryFor(3, 12), entryFor(4, 13), entryFor(5, 14), entryFor(6, 15)],
    },
    A,
  );
  // Same seq as `second`, different content, same key: a fork.
  const secondFork = signManifest(
    { ...base, seq: 1, prevHash: first.hash, issuedAtMs: T0 + 2000, expiresAtMs: T0 + 2000 + 30 * MINUTE, entries: [entryFor(0, 11)] },
    A,
  );
  const byOtherKey = signManifest({ ...base, seq: 2, prevHash: second.hash, issuedAtMs: T0 + 4000, entries: [entryFor(6, 15)] }, B);
  const newEpoch = signManifest(
    {
      streamId: stream,
      epoch: "2025-11-24.b",
      seq: 0,
      prevHash: new Uint8Array(32),
      issuedAtMs: T0 + 10 * MINUTE,
      expiresAtMs: T0 + 40 * MINUTE,
      entries: [entryFor(0, 0), entryFor(1, 1)],
    },
    A,
  );
  const extremes: ManifestBody = {
    streamId: "K.anal_9-" + "x".repeat(119),
    epoch: "E._-9",
    seq: Number.MAX_SAFE_INTEGER,
    prevHash: expand("prev", 32),
    issuedAtMs: Number.MAX_SAFE_INTEGER - 1,
    expiresAtMs: Number.MAX_SAFE_INTEGER,
    entries: [
      { seq: 0, objectHash: expand("h0", 32), objectSize: 0, durationTicks: 0, firstPts: 0 },
      { seq: Number.MAX_SAFE_INTEGER, objectHash: expand("h1", 32), objectSize: 0xffff_ffff, durationTicks: 0xffff_ffff, firstPts: 2 ** 33 - 1 },
    ],
  };
  const extreme = signManifest(extremes, B);
  const window = signManifest(
    {
      ...base,
      seq: 7,
      prevHash: expand("window prev", 32),
      entries: Array.from({ length: 11 }, (_, i) => entryFor(i % objects.length, 1000 + i * 3)),
    },
    A,
  );

  // Invalid manifests: each breaks exactly one rule and names the ManifestErrorCode it must get.
  const raw = (over: Partial<RawHeader>, entries: RawEntry[], secret = A.secretKey) =>
    rawManifest(
      {
        streamId: te.encode(stream),
        epoch: te.encode(epochA),
        seq: 5n,
        prevHash: new Uint8Array(32),
        issuedAtMs: BigInt(T0),
        expiresAtMs: BigInt(T0 + MINUTE),
        signer: A.publicKey,
        ...over,
      },
      entries,
      secret,
    );
  const rawE = (seq: bigint, i = 1): RawEntry => ({
    seq,
    objectHash: hashObject(objects[i]!),
    objectSize: objects[i]!.length,
    durationTicks: TICKS_2S,
    firstPts: 0n,
  });
  const flip = (bytes: Uint8Array, at: number) => {
    const out = bytes.slice();
    out[at < 0 ? out.length + at : at]! ^= 0x01;
    return out;
  };
  const withByte = (bytes: Uint8Array, at: number, value: number) => {
    const out = bytes.slice();
    out[at] = value;
    return out;
  };
  const headerLen = first.signedHeader.length - 64;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const sPlusL = (() => {
    const out = first.bytes.slice();
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(out[headerLen + 32 + i]!);
    s += L;
    for (let i = 0; i < 32; i++) {
      out[headerLen + 32 + i] = Number(s & 0xffn);
      s >>= 8n;
    }
    return out;
  })();
  const identityPoint = new Uint8Array(32);
  identityPoint[0] = 1; // (0, 1): small order
  const invalid: Array<{ name: string; error: string; bytes: Uint8Array }> = [
    { name: "empty input", error: "truncated", bytes: new Uint8Array(0) },
    { name: "bad magic", error: "bad-magic", bytes: withByte(first.bytes, 0, 0x65) },
    { name: "version 2", error: "unsupported-version", bytes: withByte(first.bytes, 4, 2) },
    { name: "version 0", error: "unsupported-version", bytes: withByte(first.bytes, 4, 0) },
    { name: "hash algorithm 2", error: "unsupported-hash-alg", bytes: withByte(first.bytes, 5, 2) },
    { name: "last byte missing", error: "truncated", bytes: first.bytes.subarray(0, first.bytes.length - 1) },
    { name: "ends inside the signature", error: "truncated", bytes: first.bytes.subarray(0, headerLen + 10) },
    { name: "one trailing byte", error: "trailing-bytes", bytes: Uint8Array.of(...first.bytes, 0) },
    { name: "header bit flipped (seq)", error: "bad-signature", bytes: flip(first.bytes, headerLen - 32 - 2 - 32 - 16 - 32 - 1) },
    { name: "signature bit flipped", error: "bad-signature", bytes: flip(first.bytes, headerLen + 5) },
    { name: "signature S + L (non-canonical S)", error: "bad-signature", bytes: sPlusL },
    { name: "entry bit flipped (objectSize)", error: "merkle-mismatch", bytes: flip(first.bytes, headerLen + 64 + 43) },
    { name: "signer replaced by another key", error: "bad-signature", bytes: rawHeaderSwap(first.bytes, headerLen, B.publicKey) },
    { name: "small-order signer key", error: "bad-signature", bytes: raw({ signer: identityPoint }, [rawE(1n)]) },
    { name: "entries out of order", error: "non-canonical", bytes: raw({}, [rawE(2n), rawE(1n)]) },
    { name: "duplicate entry seq", error: "non-canonical", bytes: raw({}, [rawE(1n), rawE(1n, 2)]) },
    { name: "zero entries", error: "invalid-field", bytes: raw({}, []) },
    { name: "entryCount 1025", error: "invalid-field", bytes: raw({ entryCount: 1025 }, [rawE(1n)]) },
    { name: "expiresAtMs equal to issuedAtMs", error: "invalid-field", bytes: raw({ expiresAtMs: BigInt(T0) }, [rawE(1n)]) },
    { name: "manifest seq 2^53", error: "invalid-field", bytes: raw({ seq: 2n ** 53n }, [rawE(1n)]) },
    { name: "entry seq 2^64 - 1", error: "invalid-field", bytes: raw({}, [rawE(2n ** 64n - 1n)]) },
    { name: "firstPts 2^33", error: "invalid-field", bytes: raw({}, [{ ...rawE(1n), firstPts: 2n ** 33n }]) },
    { name: "empty stream id", error: "invalid-field", bytes: raw({ streamId: new Uint8Array(0) }, [rawE(1n)]) },
    { name: "stream id 129 bytes", error: "invalid-field", bytes: raw({ streamId: new Uint8Array(129).fill(0x61) }, [rawE(1n)]) },
    { name: "stream id with a newline", error: "invalid-field", bytes: raw({ streamId: te.encode("wcbd\nhd") }, [rawE(1n)]) },
    { name: "stream id non-ASCII (é)", error: "invalid-field", bytes: raw({ streamId: te.encode("café") }, [rawE(1n)]) },
    { name: "stream id malformed UTF-8 and a control character", error: "invalid-field", bytes: raw({ streamId: Uint8Array.of(0x61, 0xff, 0x0a) }, [rawE(1n)]) },
    { name: "stream id starting with '-'", error: "invalid-field", bytes: raw({ streamId: te.encode("-tv") }, [rawE(1n)]) },
    { name: "stream id overlong UTF-8 for '/'", error: "invalid-field", bytes: raw({ streamId: Uint8Array.of(0x61, 0xc0, 0xaf) }, [rawE(1n)]) },
    { name: "stream id lone surrogate (CESU)", error: "invalid-field", bytes: raw({ streamId: Uint8Array.of(0xed, 0xa0, 0x80) }, [rawE(1n)]) },
    { name: "epoch with '/'", error: "invalid-field", bytes: raw({ epoch: te.encode("a/b") }, [rawE(1n)]) },
    { name: "epoch 65 bytes", error: "invalid-field", bytes: raw({ epoch: new Uint8Array(65).fill(0x61) }, [rawE(1n)]) },
  ];

  const signerName = (m: SignedManifest) => (hex(m.signer) === hex(A.publicKey) ? "leader-a" : "leader-b");
  const manifests = [
    manifestJson("first", signerName(first), first, "epoch a, seq 0, three entries (odd leaf count)"),
    manifestJson("second", signerName(second), second, "seq 1 chained to first; window slides, five entries"),
    manifestJson("second-fork", signerName(secondFork), secondFork, "seq 1 again with other content: a fork of second"),
    manifestJson("by-leader-b", signerName(byOtherKey), byOtherKey, "seq 2 chained to second but signed by leader-b"),
    manifestJson("new-epoch", signerName(newEpoch), newEpoch, "epoch b, issued 10 minutes later, seq restarts at 0"),
    manifestJson("extremes", signerName(extreme), extreme, "the longest stream id; every integer at its maximum"),
    manifestJson("window-11", signerName(window), window, "eleven entries, non-contiguous seqs"),
  ];

  // A verifier pinned to leader-a for "wcbd-hd", fed in this order at these clock readings.
  const scenario = [
    { manifest: "first", nowMs: T0 + 1000, expect: "accept", newEntries: [10, 11, 12] },
    // maxVouched is 4: vouching 13..15 forgets 10 and 11, so chunk seqs below 12 are now stale.
    {
      manifest: "second",
      nowMs: T0 + 3000,
      expect: "accept",
      newEntries: [13, 14, 15],
      objectChecks: [
        { seq: 11, object: 0, expect: "stale" },
        { seq: 9, object: 0, expect: "stale" },
      ],
    },
    { manifest: "second", nowMs: T0 + 3001, expect: "replay" },
    { manifest: "second-fork", nowMs: T0 + 3002, expect: "fork" },
    { manifest: "first", nowMs: T0 + 3003, expect: "replay" },
    { manifest: "by-leader-b", nowMs: T0 + 5000, expect: "unknown-signer" },
    { manifest: "extremes", nowMs: T0 + 5000, expect: "unknown-signer" },
    { manifest: "window-11", nowMs: T0 + 31 * MINUTE, expect: "expired" },
    { manifest: "new-epoch", nowMs: T0 + 10 * MINUTE - 6000, expect: "not-yet-valid" },
    // A new epoch resets the manifest seq, the remembered hashes, the vouched entries and the stale
    // watermark: its seq 0 manifest and its chunks 0 and 1 (below the old watermark 12) are accepted.
    { manifest: "new-epoch", nowMs: T0 + 10 * MINUTE, expect: "accept", epochChanged: true, newEntries: [0, 1] },
    { manifest: "second", nowMs: T0 + 10 * MINUTE, expect: "stale-epoch" },
  ];
  const objectChecks = [
    { seq: 0, object: 0, expect: "accept" },
    { seq: 1, object: 1, expect: "accept" },
    { seq: 1, object: 2, expect: "size-mismatch" },
    { seq: 2, object: 2, expect: "unknown" },
  ];

  return {
    format: "every.channel manifest v1 test vectors",
    generator: "packages/manifest/scripts/generate-vectors.ts",
    spec: "docs/protocol/manifest.md",
    signatureDomain: hex(te.encode("every.channel/manifest/v1\0")),
    keys: Object.entries(keys).map(([name, k]) => ({
      name,
      derivation: `SHA-256("every.channel manifest test vector key ${name}")`,
      secretKey: hex(k.secretKey),
      publicKey: hex(k.publicKey),
      keyFile: encodeKeyFile(k),
    })),
    objects: objects.map((o, i) => ({ index: i, size: o.length, bytes: hex(o), sha256: hex(hashObject(o)) })),
    merkleRoots: Array.from({ length: 9 }, (_, n) => {
      const entries = Array.from({ length: n + 1 }, (_, i) => entryFor(i % objects.length, 100 + i));
      return { count: n + 1, entries: entries.map(entryJson), root: hex(merkleRoot(entries)) };
    }),
    manifests,
    invalid: invalid.map((v) => ({ name: v.name, error: v.error, bytes: hex(v.bytes) })),
    verifier: { streamId: stream, trustedKeys: ["leader-a"], clockSkewMs: 5000, maxVouched: 4, steps: scenario, objectChecks },
  };
}

/** The manifest with its signer field replaced (signature left as is). */
function rawHeaderSwap(bytes: Uint8Array, headerLen: number, signer: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(signer, headerLen - 32 - 2 - 32);
  return out;
}

/** The files this generator writes, name -> exact contents. */
export function vectorFiles(): Record<string, string> {
  const v = buildVectors();
  const files: Record<string, string> = { "manifest-v1.json": `${JSON.stringify(v, null, 2)}\n` };
  for (const k of v.keys) files[`${k.name}.key`] = k.keyFile;
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "test", "vectors");
  for (const [name, text] of Object.entries(vectorFiles())) {
    writeFileSync(join(dir, name), text);
    process.stdout.write(`wrote test/vectors/${name}\n`);
  }
}
