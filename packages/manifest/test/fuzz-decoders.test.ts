/**
 * fuzz: the decoders of @ec/manifest that the manifest fuzz suite does not already cover — key
 * files, Merkle proofs, signed headers, hex public keys. Bounded in CI; `pnpm fuzz` scales the
 * number of cases with EC_FUZZ_RUNS.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  ManifestError, decodeKeyFile, decodeSignedHeader, encodeKeyFile, generateSigningKey, proofFor, publicKeyFromHex, signManifest, verifyEntryProof, verifyProof,
} from "../src/index.js";
import type { ManifestEntry } from "../src/index.js";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));

function expectManifestError(fn: () => unknown, code?: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    if (code) expect((err as ManifestError).code).toBe(code);
    return;
  }
}

const entry = (seq: number): ManifestEntry => ({ seq, objectHash: new Uint8Array(32).fill(seq & 0xff), objectSize: 1000 + seq, durationTicks: 90_000, firstPts: seq * 90_000 });

describe("fuzz: key files", () => {
  const key = generateSigningKey();
  const good = encodeKeyFile(key);
  const secretHex = Buffer.from(key.secretKey).toString("hex");

  it("random text never decodes; only malformed-key-file is thrown", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (text) => {
        expect(() => decodeKeyFile(text)).toThrow(ManifestError);
        expectManifestError(() => decodeKeyFile(text), "malformed-key-file");
      }),
      { numRuns: runs(300) },
    );
  });

  it("any one-character change, cut or addition to a valid file is refused, and the error never shows the secret", () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom("replace", "cut", "insert"), (at, s, op) => {
        const bad = op === "replace" ? good.slice(0, at) + s + good.slice(at + 1) : op === "cut" ? good.slice(0, at) : good.slice(0, at) + s + good.slice(at);
        let decoded;
        try {
          decoded = decodeKeyFile(bad);
        } catch (err) {
          expect(err).toBeInstanceOf(ManifestError);
          expect((err as ManifestError).code).toBe("malformed-key-file");
          expect((err as Error).message).not.toContain(secretHex);
          expect((err as Error).message).not.toContain(secretHex.slice(0, 16));
          return;
        }
        // The only survivable change is one that rewrites a character with itself.
        expect(bad).toBe(good);
        expect(Buffer.from(decoded.secretKey).equals(Buffer.from(key.secretKey))).toBe(true);
      }),
      { numRuns: runs(500) },
    );
  });

  it("oversized input is refused before it is parsed", () => {
    expectManifestError(() => decodeKeyFile(good + "x".repeat(10_000)), "malformed-key-file");
    expect(() => decodeKeyFile(good + "x".repeat(10_000))).toThrow(/too large/);
  });
});

describe("fuzz: Merkle proofs", () => {
  it("random roots, entries and proof shapes are false, never a throw", () => {
    const anyProof = fc.record({
      index: fc.oneof(fc.integer(), fc.double(), fc.constant(-1)),
      count: fc.oneof(fc.integer({ min: -2, max: 5000 }), fc.double()),
      siblings: fc.array(fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.constant(null as unknown as Uint8Array)), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.nat(1000), anyProof, (root, seq, proof) => {
        expect(verifyProof(root, entry(seq), proof as never)).toBe(false);
      }),
      { numRuns: runs(500) },
    );
  });

  it("a valid proof with any sibling bit flipped, or moved to another index or count, is false", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.nat(), fc.nat(), fc.nat(7), (n, pick, sib, bit) => {
        const entries = Array.from({ length: n }, (_, i) => entry(i));
        const key = generateSigningKey();
        const m = signManifest({ streamId: "fz", epoch: "e", seq: 0, prevHash: new Uint8Array(32), issuedAtMs: 1, expiresAtMs: 2, entries }, key);
        const header = decodeSignedHeader(m.signedHeader);
        const i = pick % n;
        const proof = proofFor(entries, i);
        expect(verifyEntryProof(header, entries[i]!, proof)).toBe(true);
        expect(verifyProof(m.merkleRoot, entries[(i + 1) % n]!, proof)).toBe(false);
        expect(verifyEntryProof(header, entries[i]!, { ...proof, count: proof.count + 1 })).toBe(false);
        if (proof.siblings.length > 0) {
          const siblings = proof.siblings.map((s) => s.slice());
          siblings[sib % siblings.length]![bit % 32]! ^= 1 << (bit % 8);
          expect(verifyProof(m.merkleRoot, entries[i]!, { ...proof, siblings })).toBe(false);
        }
      }),
      { numRuns: runs(60) },
    );
  });
});

describe("fuzz: signed headers and public keys", () => {
  it("random bytes never decode as a signed header; only ManifestError is thrown", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        expect(() => decodeSignedHeader(bytes)).toThrow(ManifestError);
      }),
      { numRuns: runs(500) },
    );
  });

  it("public keys from hex: anything but 64 lowercase hex digits of a curve point throws ManifestError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const pk = publicKeyFromHex(text);
          expect(text).toMatch(/^[0-9a-f]{64}$/);
          expect(pk).toHaveLength(32);
        } catch (err) {
          expect(err).toBeInstanceOf(ManifestError);
        }
      }),
      { numRuns: runs(500) },
    );
  });
});
