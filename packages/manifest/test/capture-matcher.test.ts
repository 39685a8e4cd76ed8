import { describe, expect, it } from "vitest";
import { CaptureMatcher, hashObject, ManifestError, type CaptureOutcome, type ManifestEntry } from "../src/index.js";

/** A stand-in seal that binds epoch and seq like the real one does: different (epoch, seq) -> different bytes. */
const seal = ({ epoch, seq }: { epoch: string; seq: number }, pt: Uint8Array) => {
  const tag = new TextEncoder().encode(`${epoch}/${seq}/`);
  const o = new Uint8Array(tag.length + pt.length);
  o.set(tag);
  o.set(pt, tag.length);
  return o;
};

const T = 180_000;
const chunk = (i: number, salt = 0) => new Uint8Array([i & 255, (i >> 8) & 255, salt, 1, 2, 3]);
/** The leader's entry for chunk i (seq = i + 100, first PTS = i * T), as its manifest lists it. */
const entry = (i: number, epoch = "e"): ManifestEntry => {
  const o = seal({ epoch, seq: i + 100 }, chunk(i));
  return { seq: i + 100, objectHash: hashObject(o), objectSize: o.length, durationTicks: T, firstPts: i * T };
};
const show = (os: CaptureOutcome[]) => os.map((o) => (o.kind === "publish" ? `pub ${o.seq}` : `${o.reason} ${o.firstPts / T}`));

describe("CaptureMatcher", () => {
  it("publishes a captured chunk at the leader's seq only when the sealed bytes equal the entry", () => {
    const m = new CaptureMatcher({ seal });
    expect(m.addEntries("e", [entry(1), entry(2), entry(3)])).toEqual([]);
    const [o] = m.addChunk({ firstPts: 2 * T, bytes: chunk(2), aligned: true });
    expect(o).toMatchObject({ kind: "publish", seq: 102, epoch: "e" });
    expect(o?.kind === "publish" && o.object).toEqual(seal({ epoch: "e", seq: 102 }, chunk(2)));
    expect(show(m.addChunk({ firstPts: 3 * T, bytes: chunk(3, 9), aligned: true }))).toEqual(["hash-mismatch 3"]);
    expect(m.stats).toMatchObject({ captured: 2, published: 1, mismatched: { "hash-mismatch": 1 }, held: 0, firstPublished: { seq: 102, firstPts: 2 * T } });
  });

  it("holds chunks captured ahead of the leader's manifests and decides them when entries arrive", () => {
    const m = new CaptureMatcher({ seal });
    expect(m.addChunk({ firstPts: 5 * T, bytes: chunk(5), aligned: true })).toEqual([]);
    expect(m.addChunk({ firstPts: 6 * T, bytes: chunk(6), aligned: true })).toEqual([]);
    expect(m.stats.held).toBe(2);
    expect(show(m.addEntries("e", [entry(4), entry(5)]))).toEqual(["pub 105"]);
    expect(show(m.addEntries("e", [entry(6)]))).toEqual(["pub 106"]);
    expect(m.stats.held).toBe(0);
  });

  it("says no-entry when the leader moved past a chunk's PTS without cutting there", () => {
    const m = new CaptureMatcher({ seal });
    m.addEntries("e", [entry(1)]);
    // Our chunk starts half a chunk later than any of the leader's.
    expect(m.addChunk({ firstPts: 1.5 * T, bytes: chunk(1), aligned: true })).toEqual([]);
    expect(show(m.addEntries("e", [entry(2)]))).toEqual(["no-entry 1.5"]);
  });

  it("blames an unaligned first chunk on the capture start, not on the content", () => {
    const m = new CaptureMatcher({ seal });
    m.addEntries("e", [entry(1), entry(2)]);
    expect(show(m.addChunk({ firstPts: 1 * T, bytes: chunk(1, 4), aligned: false }))).toEqual(["unaligned 1"]);
    // An unaligned chunk that happens to start on the leader's cut still matches.
    expect(show(m.addChunk({ firstPts: 2 * T, bytes: chunk(2), aligned: false }))).toEqual(["pub 102"]);
    expect(m.stats.firstAligned).toBeUndefined();
    m.addChunk({ firstPts: 3 * T, bytes: chunk(3), aligned: true });
    m.addChunk({ firstPts: 4 * T, bytes: chunk(4), aligned: true });
    expect(m.stats.firstAligned).toEqual({ firstPts: 3 * T });
  });

  it("bounds what it holds and says what it pushed out", () => {
    const m = new CaptureMatcher({ seal, maxHeldChunks: 2 });
    m.addChunk({ firstPts: 1 * T, bytes: chunk(1), aligned: true });
    m.addChunk({ firstPts: 2 * T, bytes: chunk(2), aligned: true });
    expect(show(m.addChunk({ firstPts: 3 * T, bytes: chunk(3), aligned: true }))).toEqual(["evicted 1"]);
    expect(m.stats).toMatchObject({ held: 2, mismatched: { evicted: 1 } });
  });

  it("follows a leader restart: new epoch, new seqs", () => {
    const m = new CaptureMatcher({ seal });
    m.addEntries("e", [entry(1)]);
    expect(show(m.addChunk({ firstPts: 1 * T, bytes: chunk(1), aligned: true }))).toEqual(["pub 101"]);
    const e2 = { ...entry(7, "e2"), seq: 0 };
    const o2 = seal({ epoch: "e2", seq: 0 }, chunk(7));
    e2.objectHash = hashObject(o2);
    e2.objectSize = o2.length;
    m.addEntries("e2", [e2]);
    expect(m.epoch).toBe("e2");
    const [o] = m.addChunk({ firstPts: 7 * T, bytes: chunk(7), aligned: true });
    expect(o).toMatchObject({ kind: "publish", seq: 0, epoch: "e2" });
  });

  it("publishes a seq once even if the same chunk is captured again", () => {
    const m = new CaptureMatcher({ seal });
    m.addEntries("e", [entry(1)]);
    expect(show(m.addChunk({ firstPts: T, bytes: chunk(1), aligned: true }))).toEqual(["pub 101"]);
    expect(m.addChunk({ firstPts: T, bytes: chunk(1), aligned: true })).toEqual([]);
    expect(m.stats.published).toBe(1);
  });

  it("works across the 33-bit PTS wrap", () => {
    const m = new CaptureMatcher({ seal });
    const top = 2 ** 33 - T / 2;
    const o = seal({ epoch: "e", seq: 1 }, chunk(1));
    m.addEntries("e", [{ seq: 0, objectHash: new Uint8Array(32), objectSize: 1, durationTicks: T, firstPts: top }]);
    // A chunk just after the wrap is ahead of the leader: held, not "no-entry".
    expect(m.addChunk({ firstPts: T / 2, bytes: chunk(1), aligned: true })).toEqual([]);
    expect(show(m.addEntries("e", [{ seq: 1, objectHash: hashObject(o), objectSize: o.length, durationTicks: T, firstPts: T / 2 }]))).toEqual(["pub 1"]);
  });

  it("rejects bad input with a typed error", () => {
    expect(() => new CaptureMatcher({} as never)).toThrow(ManifestError);
    const m = new CaptureMatcher({ seal });
    expect(() => m.addChunk({ firstPts: -1, bytes: chunk(1), aligned: true })).toThrow(ManifestError);
    expect(() => m.addChunk({ firstPts: 2 ** 33, bytes: chunk(1), aligned: true })).toThrow(ManifestError);
    expect(() => m.addChunk({ firstPts: 0, bytes: "x" as never, aligned: true })).toThrow(ManifestError);
    expect(() => m.addEntries("", [])).toThrow(ManifestError);
  });
});
