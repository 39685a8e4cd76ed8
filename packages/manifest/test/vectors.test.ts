import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { vectorFiles } from "../scripts/generate-vectors.js";
import {
  decodeKeyFile,
  decodeManifest,
  decodeSignedHeader,
  hashObject,
  ManifestError,
  ManifestVerifier,
  merkleRoot,
  proofFor,
  SIGNATURE_DOMAIN,
  signManifest,
  verifyEntryProof,
  verifyProof,
} from "../src/index.js";
import { bytesToHex } from "../src/bytes.js";
import { describeBothPaths, entryFromJson, h, loadVectors, VECTORS_DIR } from "./helpers.js";

const V = loadVectors();
const keyByName = (name: string) => {
  const k = V.keys.find((x) => x.name === name);
  if (!k) throw new Error(`no key ${name}`);
  return { secretKey: h(k.secretKey), publicKey: h(k.publicKey) };
};

describe("committed vectors", () => {
  it("are exactly what the generator produces (deterministic, nothing edited by hand)", () => {
    for (const [name, text] of Object.entries(vectorFiles())) {
      expect(readFileSync(new URL(name, VECTORS_DIR), "utf8"), name).toBe(text);
    }
  });

  it("cover every kind of case the spec promises", () => {
    expect(V.manifests.length).toBeGreaterThanOrEqual(5);
    expect(new Set(V.invalid.map((i) => i.error))).toEqual(
      new Set([
        "truncated",
        "trailing-bytes",
        "bad-magic",
        "unsupported-version",
        "unsupported-hash-alg",
        "invalid-field",
        "non-canonical",
        "bad-signature",
        "merkle-mismatch",
      ]),
    );
    expect(bytesToHex(SIGNATURE_DOMAIN)).toBe(V.signatureDomain);
  });
});

describeBothPaths("vectors", () => {
  it("key files decode to the listed keys, and the .key files match", () => {
    for (const k of V.keys) {
      const key = decodeKeyFile(k.keyFile);
      expect(bytesToHex(key.secretKey)).toBe(k.secretKey);
      expect(bytesToHex(key.publicKey)).toBe(k.publicKey);
      expect(readFileSync(new URL(`${k.name}.key`, VECTORS_DIR), "utf8")).toBe(k.keyFile);
    }
  });

  it("object hashes", () => {
    for (const o of V.objects) {
      expect(h(o.bytes).length).toBe(o.size);
      expect(bytesToHex(hashObject(h(o.bytes)))).toBe(o.sha256);
    }
  });

  it("Merkle roots for 1..9 entries", () => {
    for (const m of V.merkleRoots) {
      const entries = m.entries.map(entryFromJson);
      expect(bytesToHex(merkleRoot(entries)), `count ${m.count}`).toBe(m.root);
      for (const e of entries) expect(verifyProof(h(m.root), e, proofFor(entries, e.seq))).toBe(true);
    }
  });

  for (const mv of V.manifests) {
    it(`manifest "${mv.name}" decodes, re-signs byte-identically, and its proofs verify`, () => {
      const bytes = h(mv.bytes);
      const m = decodeManifest(bytes);
      expect(m.streamId).toBe(mv.body.streamId);
      expect(m.epoch).toBe(mv.body.epoch);
      expect(m.seq).toBe(mv.body.seq);
      expect(bytesToHex(m.prevHash)).toBe(mv.body.prevHash);
      expect(m.issuedAtMs).toBe(mv.body.issuedAtMs);
      expect(m.expiresAtMs).toBe(mv.body.expiresAtMs);
      expect(m.entries).toEqual(mv.body.entries.map(entryFromJson));
      expect(m.hashAlg).toBe(mv.hashAlg);
      expect(bytesToHex(m.merkleRoot)).toBe(mv.merkleRoot);
      expect(bytesToHex(m.signature)).toBe(mv.signature);
      expect(bytesToHex(m.signedHeader)).toBe(mv.signedHeader);
      expect(bytesToHex(m.hash)).toBe(mv.hash);
      expect(bytesToHex(m.signer)).toBe(V.keys.find((k) => k.name === mv.signer)!.publicKey);

      const body = { ...mv.body, prevHash: h(mv.body.prevHash), entries: mv.body.entries.map(entryFromJson) };
      const again = signManifest(body, keyByName(mv.signer));
      expect(bytesToHex(again.bytes)).toBe(mv.bytes);
      expect(bytesToHex(again.hash)).toBe(mv.hash);

      const header = decodeSignedHeader(h(mv.signedHeader));
      expect(header.entryCount).toBe(mv.body.entries.length);
      for (const p of mv.proofs) {
        const entry = m.entries.find((e) => e.seq === p.seq)!;
        const proof = { index: p.index, count: p.count, siblings: p.siblings.map(h) };
        expect(proofFor(m.entries, p.seq)).toEqual(proof);
        expect(verifyProof(header.merkleRoot, entry, proof)).toBe(true);
        expect(verifyEntryProof(header, entry, proof)).toBe(true);
        expect(verifyEntryProof(header, entry, { ...proof, count: proof.count + 1 })).toBe(false);
      }
    });
  }

  for (const bad of V.invalid) {
    it(`invalid "${bad.name}" is refused with ${bad.error}`, () => {
      let caught: unknown;
      try {
        decodeManifest(h(bad.bytes));
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ManifestError);
      expect((caught as ManifestError).code).toBe(bad.error);
    });
  }

  it("the verifier scenario gives the listed outcome at every step", () => {
    let now = 0;
    const v = new ManifestVerifier({
      streamId: V.verifier.streamId,
      trustedKeys: V.verifier.trustedKeys.map((n) => keyByName(n).publicKey),
      clockSkewMs: V.verifier.clockSkewMs,
      maxVouched: V.verifier.maxVouched,
      now: () => now,
    });
    const checkObjects = (checks: Array<{ seq: number; object: number; expect: string }>, when: string) => {
      for (const c of checks) {
        const r = v.checkObject(c.seq, h(V.objects[c.object]!.bytes));
        expect(r.status === "reject" ? r.reason : r.status, `object ${c.object} as seq ${c.seq} ${when}`).toBe(c.expect);
      }
    };
    for (const step of V.verifier.steps) {
      now = step.nowMs;
      const r = v.ingest(h(V.manifests.find((m) => m.name === step.manifest)!.bytes));
      const label = `${step.manifest} @ ${step.nowMs}`;
      if (step.expect === "accept") {
        expect(r.ok, label).toBe(true);
        if (!r.ok) continue;
        expect(r.newEntries.map((e) => e.seq), label).toEqual(step.newEntries);
        expect(r.epochChanged, label).toBe(step.epochChanged ?? false);
      } else {
        expect(r.ok ? "accept" : r.reason, label).toBe(step.expect);
      }
      checkObjects(step.objectChecks ?? [], `after ${label}`);
    }
    checkObjects(V.verifier.objectChecks, "at the end");
  });
});
