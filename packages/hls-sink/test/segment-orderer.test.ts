import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SegmentOrderer } from "../src/index.js";

const chunk = (seq: number, epoch = "e1") => ({ seq, epoch, firstPts: seq * 180_000, durationTicks: 180_000, bytes: new Uint8Array([seq & 0xff]) });
const seqs = (cs: Array<{ seq: number }>) => cs.map((c) => c.seq);
const flags = (cs: Array<{ seq: number; discontinuity: boolean }>) => cs.map((c) => [c.seq, c.discontinuity]);

function orderer(gapTimeoutMs = 1000, maxBuffered = 8) {
  return new SegmentOrderer({ gapTimeoutMs, maxBuffered });
}

describe("SegmentOrderer: ordering", () => {
  it("releases in seq order from the start it was given", () => {
    const o = orderer();
    o.startAt("e1", 5);
    o.add(chunk(5));
    expect(seqs(o.release(0))).toEqual([5]);
    o.add(chunk(7));
    expect(o.release(0)).toEqual([]);
    o.add(chunk(6));
    expect(flags(o.release(0))).toEqual([[6, false], [7, false]]);
    expect(o.nextSeq).toBe(8);
  });

  it("refuses duplicates (held or released) and late chunks (before the start or in a skipped gap)", () => {
    const o = orderer(1000);
    o.startAt("e1", 1);
    expect(o.add(chunk(1))).toBe("accepted");
    o.release(0);
    expect(o.add(chunk(1))).toBe("duplicate");
    expect(o.add(chunk(0))).toBe("late");
    expect(o.has("e1", 1)).toBe(true);
    expect(o.has("e1", 0)).toBe(true);
    expect(o.has("e1", 2)).toBe(false);
    expect(o.add(chunk(3))).toBe("accepted");
    expect(o.add(chunk(3))).toBe("duplicate");
    expect(o.has("e1", 3)).toBe(true);
    o.release(0);
    expect(seqs(o.release(1000))).toEqual([3]); // 2 skipped
    expect(o.add(chunk(2))).toBe("late");
    expect(o.add(chunk(3))).toBe("duplicate");
  });
});

describe("SegmentOrderer: gaps", () => {
  it("waits gapTimeoutMs for a missing seq (from when a later one is held), then skips it with a discontinuity", () => {
    const o = orderer(1000);
    o.startAt("e1", 0);
    o.add(chunk(0));
    o.release(0);
    expect(o.nextDeadline()).toBeUndefined();
    o.add(chunk(2));
    expect(o.release(500)).toEqual([]);
    expect(o.nextDeadline()).toBe(1500);
    expect(o.release(1499)).toEqual([]);
    expect(flags(o.release(1500))).toEqual([[2, true]]);
    expect(o.takeSkippedGaps()).toEqual([{ epoch: "e1", from: 1, to: 2 }]);
    expect(o.takeSkippedGaps()).toEqual([]);
    o.add(chunk(3));
    expect(flags(o.release(1500))).toEqual([[3, false]]);
    expect(o.nextDeadline()).toBeUndefined();
  });

  it("a gap filled in time is no discontinuity and clears the deadline", () => {
    const o = orderer(1000);
    o.startAt("e1", 0);
    o.add(chunk(0));
    o.add(chunk(2));
    expect(seqs(o.release(0))).toEqual([0]);
    expect(o.nextDeadline()).toBe(1000);
    o.add(chunk(1));
    expect(flags(o.release(999))).toEqual([[1, false], [2, false]]);
    expect(o.nextDeadline()).toBeUndefined();
  });

  it("skips at once when maxBuffered later chunks pile up", () => {
    const o = orderer(60_000, 3);
    o.startAt("e1", 0);
    o.add(chunk(0));
    o.release(0);
    for (const s of [2, 3]) o.add(chunk(s));
    expect(o.release(0)).toEqual([]);
    o.add(chunk(4));
    expect(flags(o.release(0))).toEqual([[2, true], [3, false], [4, false]]);
  });
});

describe("SegmentOrderer: start-up order (issue 14 item 4)", () => {
  it("N+2 arriving before N and N+1 waits for them instead of starting at N+2", () => {
    const o = orderer(1000);
    o.startAt("e1", 10);
    expect(o.add(chunk(12))).toBe("accepted");
    expect(o.release(0)).toEqual([]);
    expect(o.nextSeq).toBe(10);
    expect(o.has("e1", 10)).toBe(false); // still wanted: worth verifying
    expect(o.add(chunk(10))).toBe("accepted");
    expect(seqs(o.release(200))).toEqual([10]);
    expect(o.add(chunk(11))).toBe("accepted");
    expect(flags(o.release(300))).toEqual([[11, false], [12, false]]);
  });

  it("when N never comes, it is skipped after the gap timeout like any gap", () => {
    const o = orderer(1000);
    o.startAt("e1", 10);
    o.add(chunk(12));
    o.release(0);
    expect(o.nextDeadline()).toBe(1000);
    expect(flags(o.release(1000))).toEqual([[12, true]]);
    expect(o.takeSkippedGaps()).toEqual([{ epoch: "e1", from: 10, to: 12 }]);
  });

  it("chunks held before startAt below the start are dropped and reported", () => {
    const o = orderer(1000);
    for (const s of [3, 4, 6]) o.add(chunk(s));
    expect(o.startAt("e1", 5)).toBe(2);
    expect(o.heldCount).toBe(1);
    expect(o.add(chunk(4))).toBe("late");
    o.add(chunk(5));
    expect(seqs(o.release(0))).toEqual([5, 6]);
  });

  it("without startAt it waits gapTimeoutMs for lower seqs, then starts at the lowest held", () => {
    const o = orderer(1000);
    o.add(chunk(12));
    expect(o.release(0)).toEqual([]);
    expect(o.nextDeadline()).toBe(1000);
    o.add(chunk(10));
    expect(o.release(400)).toEqual([]);
    expect(flags(o.release(1000))).toEqual([[10, false]]);
    expect(o.nextDeadline()).toBe(2000); // now waiting for 11
    o.add(chunk(11));
    expect(seqs(o.release(1001))).toEqual([11, 12]);
  });

  it("a later startAt in the same epoch only moves forward; a skip ahead is a gap with a discontinuity", () => {
    const o = orderer(1000);
    o.startAt("e1", 5);
    o.add(chunk(5));
    o.release(0);
    o.startAt("e1", 3); // behind the write position: ignored
    expect(o.nextSeq).toBe(6);
    o.add(chunk(8));
    o.startAt("e1", 8);
    expect(o.takeSkippedGaps()).toEqual([{ epoch: "e1", from: 6, to: 8 }]);
    expect(flags(o.release(0))).toEqual([[8, true]]);
    expect(o.add(chunk(7))).toBe("late");
  });

  it("re-deciding the start before anything was released is no gap", () => {
    const o = orderer(1000);
    o.startAt("e1", 5);
    o.startAt("e1", 8);
    o.add(chunk(8));
    expect(flags(o.release(0))).toEqual([[8, false]]);
    expect(o.takeSkippedGaps()).toEqual([]);
    expect(o.add(chunk(6))).toBe("late");
  });
});

describe("SegmentOrderer: epochs", () => {
  it("starts over, with a discontinuity, when the epoch changes, and never goes back", () => {
    const o = orderer();
    o.startAt("old", 10);
    o.add(chunk(10, "old"));
    o.release(0);
    o.startAt("new", 0);
    o.add(chunk(0, "new"));
    expect(o.release(0).map((c) => [c.seq, c.epoch, c.discontinuity])).toEqual([[0, "new", true]]);
    expect(o.add(chunk(11, "old"))).toBe("old-epoch");
    expect(o.has("old", 11)).toBe(true); // not worth verifying
    expect(o.has("other", 11)).toBe(false);
    o.startAt("old", 11); // ignored
    expect(o.currentEpoch).toBe("new");
  });

  it("a chunk of a new epoch before its startAt switches epoch and waits for its start", () => {
    const o = orderer(1000);
    o.startAt("old", 10);
    o.add(chunk(10, "old"));
    o.release(0);
    o.add(chunk(3, "new"));
    expect(o.release(0)).toEqual([]);
    expect(o.currentEpoch).toBe("new");
    o.startAt("new", 2);
    o.add(chunk(2, "new"));
    expect(flags(o.release(1))).toEqual([[2, true], [3, false]]);
  });

  it("the first epoch gets no discontinuity", () => {
    const o = orderer();
    o.startAt("e1", 0);
    o.add(chunk(0));
    expect(flags(o.release(0))).toEqual([[0, false]]);
  });
});

describe("SegmentOrderer: properties", () => {
  it("never releases a seq twice nor out of order, and releases every seq from the start when nothing is lost", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 120 }),
        fc.array(fc.integer({ min: 0, max: 3000 })),
        (start, arrivals, steps) => {
          let now = 0;
          const o = orderer(1000, 6);
          o.startAt("e1", start);
          const out: number[] = [];
          arrivals.forEach((s, i) => {
            now += steps[i] ?? 10;
            o.add(chunk(s));
            out.push(...seqs(o.release(now)));
          });
          for (let i = 1; i < out.length; i++) expect(out[i]!).toBeGreaterThan(out[i - 1]!);
          for (const s of out) expect(s).toBeGreaterThanOrEqual(start);
        },
      ),
    );
  });

  it("any arrival order within the gap timeout releases exactly start..end, with no discontinuity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 15 }), fc.nat(), (start, n, seed) => {
        const order = Array.from({ length: n }, (_, i) => start + i);
        // Fisher-Yates with a seeded LCG.
        let x = seed >>> 0;
        for (let i = n - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const o = orderer(1000, 16);
        o.startAt("e1", start);
        const out: Array<[number, boolean]> = [];
        for (const s of order) {
          o.add(chunk(s));
          out.push(...(flags(o.release(0)) as Array<[number, boolean]>));
        }
        expect(out).toEqual(order.slice().sort((a, b) => a - b).map((s) => [s, false]));
      }),
    );
  });
});
