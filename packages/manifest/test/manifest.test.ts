import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeManifest,
  decodeSignedHeader,
  generateSigningKey,
  hashObject,
  ManifestError,
  manifestHash,
  MAX_ENTRIES,
  MAX_MANIFEST_BYTES,
  signingKeyFromSecret,
  signManifest,
  type ManifestBody,
  type ManifestEntry,
} from "../src/index.js";
import { bytesToHex } from "../src/bytes.js";
import { rawManifest } from "../scripts/raw-manifest.js";
import { arbBody } from "./arbitraries.js";
import { describeBothPaths } from "./helpers.js";

const key = signingKeyFromSecret(new Uint8Array(32).fill(0x42));
const te = new TextEncoder();

function entry(seq: number, size = 1000): ManifestEntry {
  return { seq, objectHash: hashObject(Uint8Array.of(seq & 255)), objectSize: size, durationTicks: 180_000, firstPts: seq * 180_000 };
}

function body(over: Partial<ManifestBody> = {}): ManifestBody {
  return {
    streamId: "wcbd-hd",
    epoch: "e1",
    seq: 3,
    prevHash: new Uint8Array(32).fill(9),
    issuedAtMs: 1_700_000_000_000,
    expiresAtMs: 1_700_000_060_000,
    entries: [entry(10), entry(11), entry(12)],
    ...over,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof ManifestError ? err.code : `foreign error: ${String(err)}`;
  }
}

/** The same manifest written by the independent naive encoder in scripts/raw-manifest.ts. */
function rawOf(b: ManifestBody, secret: Uint8Array, signer: Uint8Array): Uint8Array {
  return rawManifest(
    {
      streamId: te.encode(b.streamId),
      epoch: te.encode(b.epoch),
      seq: BigInt(b.seq),
      prevHash: b.prevHash,
      issuedAtMs: BigInt(b.issuedAtMs),
      expiresAtMs: BigInt(b.expiresAtMs),
      signer,
    },
    b.entries.map((e) => ({ ...e, seq: BigInt(e.seq), firstPts: BigInt(e.firstPts) })),
    secret,
  );
}

describeBothPaths("signManifest / decodeManifest", () => {
  it("round-trip any valid body, byte-identical to an independent encoder of the spec", () => {
    fc.assert(
      fc.property(arbBody(), (b) => {
        const m = signManifest(b, key);
        expect(bytesToHex(m.bytes)).toBe(bytesToHex(rawOf(b, key.secretKey, key.publicKey)));
        const d = decodeManifest(m.bytes);
        expect(d.streamId).toBe(b.streamId);
        expect(d.epoch).toBe(b.epoch);
        expect(d.seq).toBe(b.seq);
        expect(d.prevHash).toEqual(b.prevHash);
        expect(d.issuedAtMs).toBe(b.issuedAtMs);
        expect(d.expiresAtMs).toBe(b.expiresAtMs);
        expect(d.entries).toEqual(b.entries);
        expect(d.signer).toEqual(key.publicKey);
        expect(d.hash).toEqual(manifestHash(m.bytes));
        expect(d).toEqual(m);
        // Deterministic: signing again gives the same bytes.
        expect(signManifest(b, key).bytes).toEqual(m.bytes);
      }),
      { numRuns: 40 },
    );
  });

  it("the largest manifest is exactly MAX_MANIFEST_BYTES and decodes", () => {
    const entries = Array.from({ length: MAX_ENTRIES }, (_, i) => entry(i));
    const m = signManifest(body({ streamId: "s".repeat(128), epoch: "e".repeat(64), entries }), key);
    expect(m.bytes.length).toBe(MAX_MANIFEST_BYTES);
    expect(decodeManifest(m.bytes).entries.length).toBe(MAX_ENTRIES);
  });

  it("results own their bytes: later changes to inputs do not leak in", () => {
    const b = body();
    const m = signManifest(b, key);
    b.prevHash.fill(0);
    b.entries[0]!.objectHash.fill(0);
    expect(decodeManifest(m.bytes)).toEqual(m);
    const input = m.bytes.slice();
    const d = decodeManifest(input);
    input.fill(0);
    expect(d.bytes).toEqual(m.bytes);
  });

  it("accepts Node Buffers but returns plain, unshared Uint8Arrays", () => {
    const m = signManifest(body(), key);
    const buf = Buffer.from(m.bytes);
    const d = decodeManifest(buf);
    buf.fill(0);
    expect(d.bytes).toEqual(m.bytes);
    for (const field of [d.bytes, d.prevHash, d.signer, d.signature, d.hash, d.merkleRoot, d.entries[0]!.objectHash]) {
      expect(field.constructor).toBe(Uint8Array);
    }
    const hb = Buffer.from(m.signedHeader);
    const hd = decodeSignedHeader(hb);
    hb.fill(0);
    expect(hd.bytes).toEqual(m.signedHeader);
    const viaBuffers = signManifest({ ...body(), prevHash: Buffer.alloc(32, 9) }, { secretKey: Buffer.from(key.secretKey), publicKey: Buffer.from(key.publicKey) });
    expect(viaBuffers.bytes).toEqual(m.bytes);
    expect(viaBuffers.signer.constructor).toBe(Uint8Array);
  });

  it("the signed header is the manifest's prefix and decodes on its own", () => {
    const m = signManifest(body(), key);
    expect(m.bytes.subarray(0, m.signedHeader.length)).toEqual(m.signedHeader);
    const hd = decodeSignedHeader(m.signedHeader);
    expect(hd.entryCount).toBe(3);
    expect(hd.merkleRoot).toEqual(m.merkleRoot);
    expect(hd.signature).toEqual(m.signature);
    expect(codeOf(() => decodeSignedHeader(m.bytes))).toBe("trailing-bytes");
    expect(codeOf(() => decodeSignedHeader(m.signedHeader.subarray(0, m.signedHeader.length - 1)))).toBe("truncated");
    const flipped = m.signedHeader.slice();
    flipped[10]! ^= 1;
    expect(codeOf(() => decodeSignedHeader(flipped))).not.toBe("no error");
    expect(codeOf(() => decodeSignedHeader(new Uint8Array(130 + 128 + 64 + 64 + 1)))).toBe("oversize");
    const v2 = m.signedHeader.slice();
    v2[4] = 2;
    expect(codeOf(() => decodeSignedHeader(v2))).toBe("unsupported-version");
    expect(codeOf(() => decodeSignedHeader(Uint8Array.of(1, 2, 3)))).toBe("bad-magic");
  });

  it("every proper prefix is truncated; every extension is trailing-bytes", () => {
    const m = signManifest(body(), key);
    for (let n = 0; n < m.bytes.length; n++) {
      expect(codeOf(() => decodeManifest(m.bytes.subarray(0, n))), `prefix ${n}`).toBe("truncated");
    }
    for (const tail of [[0], [0xff], [...m.bytes.subarray(-56)]]) {
      expect(codeOf(() => decodeManifest(Uint8Array.of(...m.bytes, ...tail)))).toBe("trailing-bytes");
    }
  });

  it("oversize input is refused before parsing", () => {
    const m = signManifest(body(), key);
    expect(codeOf(() => decodeManifest(m.bytes, { maxBytes: m.bytes.length - 1 }))).toBe("oversize");
    expect(decodeManifest(m.bytes, { maxBytes: m.bytes.length }).seq).toBe(3);
    expect(codeOf(() => decodeManifest(new Uint8Array(MAX_MANIFEST_BYTES + 1)))).toBe("oversize");
    expect(codeOf(() => decodeManifest(m.bytes, { maxBytes: -1 }))).toBe("invalid-argument");
  });

  it("unknown versions and hash algorithms are refused as such", () => {
    const m = signManifest(body(), key);
    for (const v of [0, 2, 255]) {
      const b = m.bytes.slice();
      b[4] = v;
      expect(codeOf(() => decodeManifest(b))).toBe("unsupported-version");
      // Even a bare 5-byte prefix of a future version says so, whatever follows.
      expect(codeOf(() => decodeManifest(b.subarray(0, 5)))).toBe("unsupported-version");
    }
    const b = m.bytes.slice();
    b[5] = 2;
    expect(codeOf(() => decodeManifest(b))).toBe("unsupported-hash-alg");
  });

  it("non-bytes input is invalid-argument", () => {
    expect(codeOf(() => decodeManifest("ECMF" as unknown as Uint8Array))).toBe("invalid-argument");
    expect(codeOf(() => decodeManifest([0x45] as unknown as Uint8Array))).toBe("invalid-argument");
  });

  it("tampering with the signer, header, signature or entries never yields a manifest", () => {
    const m = signManifest(body(), key);
    const other = generateSigningKey();
    // A valid manifest by another key, with our key's name on it.
    const relabelled = rawOf(body(), other.secretKey, key.publicKey);
    expect(codeOf(() => decodeManifest(relabelled))).toBe("bad-signature");
    for (let i = 0; i < m.bytes.length; i++) {
      const b = m.bytes.slice();
      b[i]! ^= 0x80;
      expect(codeOf(() => decodeManifest(b)), `byte ${i}`).not.toBe("no error");
    }
  });
});

describe("signManifest input checks", () => {
  const cases: Array<[string, Partial<ManifestBody>]> = [
    ["empty stream id", { streamId: "" }],
    ["129-character stream id", { streamId: "a".repeat(129) }],
    ["non-ASCII stream id", { streamId: "café" }],
    ["stream id starting with a dot", { streamId: ".tv" }],
    ["stream id with a slash", { streamId: "a/b" }],
    ["stream id with a tab", { streamId: "a\tb" }],
    ["stream id with a lone surrogate", { streamId: "a\ud800b" }],
    ["non-string stream id", { streamId: 5 as unknown as string }],
    ["empty epoch", { epoch: "" }],
    ["epoch with a space", { epoch: "a b" }],
    ["65-char epoch", { epoch: "e".repeat(65) }],
    ["non-ASCII epoch", { epoch: "é" }],
    ["negative seq", { seq: -1 }],
    ["fractional seq", { seq: 1.5 }],
    ["seq beyond 2^53 - 1", { seq: 2 ** 53 }],
    ["short prevHash", { prevHash: new Uint8Array(31) }],
    ["expiry equal to issue", { expiresAtMs: 1_700_000_000_000 }],
    ["expiry before issue", { expiresAtMs: 1 }],
    ["NaN issuedAtMs", { issuedAtMs: Number.NaN }],
    ["no entries", { entries: [] }],
    ["1025 entries", { entries: Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => entry(i)) }],
    ["descending entries", { entries: [entry(2), entry(1)] }],
    ["duplicate entry seq", { entries: [entry(2), entry(2)] }],
    ["objectSize beyond u32", { entries: [entry(1, 2 ** 32)] }],
    ["firstPts beyond 33 bits", { entries: [{ ...entry(1), firstPts: 2 ** 33 }] }],
    ["31-byte objectHash", { entries: [{ ...entry(1), objectHash: new Uint8Array(31) }] }],
  ];
  for (const [what, over] of cases) {
    it(`refuses ${what} with invalid-argument`, () => {
      expect(codeOf(() => signManifest(body(over), key))).toBe("invalid-argument");
    });
  }

  it("refuses a key whose public half is not its own, or malformed keys", () => {
    const other = generateSigningKey();
    expect(codeOf(() => signManifest(body(), { secretKey: key.secretKey, publicKey: other.publicKey }))).toBe("invalid-key");
    expect(codeOf(() => signManifest(body(), { secretKey: new Uint8Array(16), publicKey: key.publicKey }))).toBe("invalid-key");
    expect(codeOf(() => signManifest(body(), null as unknown as typeof key))).toBe("invalid-key");
    // A key mutated after a first use is re-checked, not trusted from cache.
    const k = generateSigningKey();
    signManifest(body(), k);
    k.secretKey[0]! ^= 1;
    expect(codeOf(() => signManifest(body(), k))).toBe("invalid-key");
  });
});
