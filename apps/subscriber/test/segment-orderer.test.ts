import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SegmentOrderer } from "../src/segment-orderer.js";

const chunk = (seq: number, epoch = "e1") => ({ seq, epoch, firstPts: seq * 180_000, durationTicks: 180_000, bytes: new Uint8Array([seq & 0xff]) });

function orderer(now: { t: number }, gapTimeoutMs = 1000, maxBuffered = 8) {
  return new SegmentOrderer({ gapTimeoutMs, maxBuffered, now: () => now.t });
}

describe("SegmentOrderer", () => {
  it("releases in seq order, starting at the first seq it sees", () => {
    const now = { t: 0 };
    const o = orderer(now);
    o.add(chunk(5));
    expect(o.release().map((c) => c.seq)).toEqual([5]);
    o.add(chunk(7));
    expect(o.release()).toEqual([]);
    o.add(chunk(6));
    expect(o.release().map((c) => [c.seq, c.discontinuity])).toEqual([[6, false], [7, false]]);
    expect(o.nextSeq).toBe(8);
  });

  it("refuses duplicates and stragglers behind the write position", () => {
    const o = orderer({ t: 0 });
    expect(o.add(chunk(1))).toBe(true);
    o.release();
    expect(o.add(chunk(1))).toBe(false);
    expect(o.add(chunk(0))).toBe(false);
    expect(o.has("e1", 1)).toBe(true);
    expect(o.has("e1", 2)).toBe(false);
    expect(o.add(chunk(3))).toBe(true);
    expect(o.add(chunk(3))).toBe(false);
    expect(o.has("e1", 3)).toBe(true);
  });

  it("waits gapTimeoutMs for a missing seq, then skips it with a discontinuity", () => {
    const now = { t: 0 };
    const o = orderer(now, 1000);
    o.add(chunk(0));
    o.release();
    o.add(chunk(2));
    expect(o.release()).toEqual([]);
    now.t = 999;
    expect(o.release()).toEqual([]);
    now.t = 1000;
    expect(o.release().map((c) => [c.seq, c.discontinuity])).toEqual([[2, true]]);
    o.add(chunk(3));
    expect(o.release().map((c) => [c.seq, c.discontinuity])).toEqual([[3, false]]);
  });

  it("skips at once when too many later chunks pile up", () => {
    const o = orderer({ t: 0 }, 60_000, 3);
    o.add(chunk(0));
    o.release();
    for (const s of [2, 3]) o.add(chunk(s));
    expect(o.release()).toEqual([]);
    o.add(chunk(4));
    expect(o.release().map((c) => c.seq)).toEqual([2, 3, 4]);
  });

  it("starts over, with a discontinuity, when the epoch changes", () => {
    const o = orderer({ t: 0 });
    o.add(chunk(10, "old"));
    o.release();
    o.add(chunk(0, "new"));
    expect(o.release().map((c) => [c.seq, c.epoch, c.discontinuity])).toEqual([[0, "new", true]]);
    expect(o.has("old", 10)).toBe(false);
  });

  it("never releases a seq twice nor out of order, whatever the arrival order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 120 }), fc.array(fc.integer({ min: 0, max: 3000 })), (seqs, steps) => {
        const now = { t: 0 };
        const o = orderer(now, 1000, 6);
        const out: number[] = [];
        seqs.forEach((s, i) => {
          now.t += steps[i] ?? 10;
          o.add(chunk(s));
          out.push(...o.release().map((c) => c.seq));
        });
        for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThan(out[i - 1]!);
      }),
    );
  });
});
