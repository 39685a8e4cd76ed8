import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { expect, it } from "vitest";
import { ManifestError, MAX_ENTRIES, merkleRoot, proofFor, verifyProof, type ManifestEntry, type MerkleProof } from "../src/index.js";
import { concatBytes } from "../src/bytes.js";
import { encodeEntry } from "../src/entry.js";
import { rawRoot } from "../scripts/raw-manifest.js";
import { describeBothPaths } from "./helpers.js";

function entries(n: number, start = 0, step = 1): ManifestEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: start + i * step,
    objectHash: sha256(Uint8Array.of(i & 255, i >> 8)),
    objectSize: 1000 + i,
    durationTicks: 180_000,
    firstPts: i * 180_000,
  }));
}

const arbEntries = fc
  .tuple(fc.integer({ min: 1, max: 70 }), fc.nat(1_000_000), fc.integer({ min: 1, max: 5 }))
  .map(([n, start, step]) => entries(n, start, step));

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof ManifestError ? err.code : "foreign error";
  }
}

describeBothPaths("Merkle tree", () => {
  it("hashes leaves as H(0x00 || entry) and nodes as H(0x01 || left || right)", () => {
    const [a, b] = entries(2) as [ManifestEntry, ManifestEntry];
    const la = sha256(concatBytes(Uint8Array.of(0), encodeEntry(a)));
    const lb = sha256(concatBytes(Uint8Array.of(0), encodeEntry(b)));
    expect(merkleRoot([a])).toEqual(la);
    expect(merkleRoot([a, b])).toEqual(sha256(concatBytes(Uint8Array.of(1), la, lb)));
    // Without the prefixes the root would differ: a leaf cannot stand in for a node.
    expect(merkleRoot([a, b])).not.toEqual(sha256(concatBytes(la, lb)));
  });

  it("promotes an unpaired node unchanged (3 leaves: node(node(l0, l1), l2))", () => {
    const es = entries(3);
    const l = es.map((e) => sha256(concatBytes(Uint8Array.of(0), encodeEntry(e))));
    const n01 = sha256(concatBytes(Uint8Array.of(1), l[0]!, l[1]!));
    expect(merkleRoot(es)).toEqual(sha256(concatBytes(Uint8Array.of(1), n01, l[2]!)));
  });

  it("equals the recursive RFC 6962 definition for any size", () => {
    fc.assert(
      fc.property(arbEntries, (es) => {
        const root = merkleRoot(es);
        return Buffer.from(root).equals(Buffer.from(rawRoot(es.map(encodeEntry))));
      }),
      { numRuns: 60 },
    );
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, MAX_ENTRIES]) {
      const es = entries(n);
      expect(merkleRoot(es), `n=${n}`).toEqual(rawRoot(es.map(encodeEntry)));
    }
  });

  it("proves every entry, with at most ceil(log2 n) siblings", () => {
    for (let n = 1; n <= 40; n++) {
      const es = entries(n, 7, 2);
      const root = merkleRoot(es);
      for (const e of es) {
        const p = proofFor(es, e.seq);
        expect(p.count).toBe(n);
        expect(p.siblings.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(verifyProof(root, e, p), `n=${n} seq=${e.seq}`).toBe(true);
      }
    }
  });

  it("refuses a proof for another entry, position, root or sibling list", () => {
    fc.assert(
      fc.property(arbEntries.filter((es) => es.length >= 2), fc.nat(), (es, pick) => {
        const root = merkleRoot(es);
        const i = pick % es.length;
        const e = es[i]!;
        const other = es[(i + 1) % es.length]!;
        const p = proofFor(es, e.seq);
        const bad: Array<[ManifestEntry, MerkleProof, Uint8Array]> = [
          [other, p, root],
          [{ ...e, objectSize: e.objectSize + 1 }, p, root],
          [{ ...e, firstPts: e.firstPts + 1 }, p, root],
          [e, { ...p, index: (p.index + 1) % p.count }, root],
          [e, { ...p, siblings: p.siblings.slice(1) }, root],
          [e, { ...p, siblings: [...p.siblings, root] }, root],
          [e, { ...p, siblings: p.siblings.map((s, j) => (j === 0 ? sha256(s) : s)) }, root],
          [e, p, sha256(root)],
        ];
        return bad.every(([be, bp, br]) => verifyProof(br, be, bp) === false);
      }),
      { numRuns: 60 },
    );
  });

  it("binds count only through the root: callers must compare it with the signed entryCount", () => {
    // RFC 9162 proofs do not carry the tree size; a different count can replay the same
    // hashing order (here: 5 leaves read as 6). Membership stays sound, which is why
    // docs/protocol/manifest.md and verifyEntryProof require proof.count === entryCount.
    const es = entries(5);
    const p = proofFor(es, es[0]!.seq);
    expect(verifyProof(merkleRoot(es), es[0]!, { ...p, count: 6 })).toBe(true);
    expect(verifyProof(merkleRoot(es), es[0]!, { ...p, count: 2 })).toBe(false);
  });

  it("answers false, never throws, for malformed proofs and entries", () => {
    const es = entries(5);
    const root = merkleRoot(es);
    const e = es[2]!;
    const p = proofFor(es, e.seq);
    const junk: unknown[] = [
      null,
      {},
      { index: 0, count: 0, siblings: [] },
      { index: -1, count: 5, siblings: p.siblings },
      { index: 5, count: 5, siblings: p.siblings },
      { index: 2.5, count: 5, siblings: p.siblings },
      { index: 2, count: MAX_ENTRIES + 1, siblings: p.siblings },
      { index: 2, count: 5, siblings: "nope" },
      { index: 2, count: 5, siblings: [new Uint8Array(31), ...p.siblings.slice(1)] },
      { index: 2, count: 5, siblings: [1, 2, 3] },
    ];
    for (const j of junk) expect(verifyProof(root, e, j as MerkleProof)).toBe(false);
    expect(verifyProof(root.subarray(1), e, p)).toBe(false);
    expect(verifyProof(root, { ...e, objectHash: new Uint8Array(31) }, p)).toBe(false);
    expect(verifyProof(root, { ...e, firstPts: 2 ** 33 }, p)).toBe(false);
    expect(verifyProof(root, null as unknown as ManifestEntry, p)).toBe(false);
    fc.assert(
      fc.property(
        fc.record({
          index: fc.integer({ min: -2, max: 40 }),
          count: fc.integer({ min: -2, max: 40 }),
          siblings: fc.array(fc.uint8Array({ minLength: 30, maxLength: 33 }), { maxLength: 8 }),
        }),
        (proof) => verifyProof(root, e, proof) === false,
      ),
    );
  });

  it("refuses invalid entry lists with invalid-argument", () => {
    expect(codeOf(() => merkleRoot([]))).toBe("invalid-argument");
    expect(codeOf(() => merkleRoot(entries(MAX_ENTRIES + 1)))).toBe("invalid-argument");
    expect(codeOf(() => merkleRoot([...entries(2)].reverse()))).toBe("invalid-argument");
    expect(codeOf(() => merkleRoot([entries(1)[0]!, entries(1)[0]!]))).toBe("invalid-argument");
    expect(codeOf(() => merkleRoot([{ ...entries(1)[0]!, objectSize: 2 ** 32 }]))).toBe("invalid-argument");
    expect(codeOf(() => merkleRoot("x" as unknown as ManifestEntry[]))).toBe("invalid-argument");
    expect(codeOf(() => proofFor(entries(3), 99))).toBe("invalid-argument");
  });
});
