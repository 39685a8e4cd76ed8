import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { breaksContinuity, continuityAfter } from "../src/continuity.js";
import { isTempName, parseSegmentName, segmentName } from "../src/segment-name.js";
import { PTS_MODULUS, ptsDistance, secondsToTicks, targetDurationFor, ticksToSeconds } from "../src/timestamps.js";

describe("PTS arithmetic", () => {
  it("measures distance the short way round the 33-bit circle", () => {
    expect(ptsDistance(100, 250)).toBe(150);
    expect(ptsDistance(250, 100)).toBe(-150);
    expect(ptsDistance(PTS_MODULUS - 10, 5)).toBe(15);
    expect(ptsDistance(5, PTS_MODULUS - 10)).toBe(-15);
  });

  // The shared rule's range (docs/protocol/rules.md): [-2^32, 2^32), as the chunker's Δ.
  it("ptsDistance is antisymmetric and lands in [-2^32, 2^32)", () => {
    const pts = fc.integer({ min: 0, max: PTS_MODULUS - 1 });
    fc.assert(
      fc.property(pts, pts, (a, b) => {
        const d = ptsDistance(a, b);
        expect(d).toBeGreaterThanOrEqual(-PTS_MODULUS / 2);
        expect(d).toBeLessThan(PTS_MODULUS / 2);
        expect((((a + d) % PTS_MODULUS) + PTS_MODULUS) % PTS_MODULUS).toBe(b);
        if (Math.abs(d) !== PTS_MODULUS / 2) expect(ptsDistance(b, a) + d).toBe(0);
      }),
      { examples: [[6, 6], [0, PTS_MODULUS / 2], [PTS_MODULUS - 1, 0]] },
    );
  });

  it("EXTINF seconds round-trip to the exact tick count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 * 90_000 }), (ticks) => {
        expect(secondsToTicks(Number(ticksToSeconds(ticks)))).toBe(ticks);
      }),
      { numRuns: 5000 },
    );
  });

  it("target duration is the ceiling in whole seconds, at least 1", () => {
    expect(targetDurationFor(1)).toBe(1);
    expect(targetDurationFor(90_000)).toBe(1);
    expect(targetDurationFor(90_001)).toBe(2);
    expect(targetDurationFor(180_000)).toBe(2);
    expect(targetDurationFor(180_180)).toBe(3);
  });
});

describe("continuity", () => {
  const prev = continuityAfter({ seq: 9, firstPts: 1_000_000, durationTicks: 180_000 });

  it("a chunk that follows on in seq and PTS does not break continuity", () => {
    expect(breaksContinuity(prev, { seq: 10, firstPts: 1_180_000 }, 0)).toBe(false);
  });

  it("a gap in seq breaks continuity even when the PTS lines up", () => {
    expect(breaksContinuity(prev, { seq: 11, firstPts: 1_180_000 }, 45_000)).toBe(true);
  });

  it("a PTS jump beyond the tolerance breaks continuity, within it does not", () => {
    expect(breaksContinuity(prev, { seq: 10, firstPts: 1_180_000 + 45_000 }, 45_000)).toBe(false);
    expect(breaksContinuity(prev, { seq: 10, firstPts: 1_180_000 - 45_000 }, 45_000)).toBe(false);
    expect(breaksContinuity(prev, { seq: 10, firstPts: 1_180_000 + 45_001 }, 45_000)).toBe(true);
    expect(breaksContinuity(prev, { seq: 10, firstPts: 1_180_000 - 45_001 }, 45_000)).toBe(true);
  });

  it("the 2^33 wrap is continuous, not a jump", () => {
    const nearWrap = continuityAfter({ seq: 1, firstPts: PTS_MODULUS - 90_000, durationTicks: 180_000 });
    expect(nearWrap.nextPts).toBe(90_000);
    expect(breaksContinuity(nearWrap, { seq: 2, firstPts: 90_000 }, 0)).toBe(false);
  });
});

describe("segment names", () => {
  it("pads to five digits and grows beyond", () => {
    expect(segmentName(0)).toBe("00000.ts");
    expect(segmentName(42)).toBe("00042.ts");
    expect(segmentName(99_999)).toBe("99999.ts");
    expect(segmentName(100_000)).toBe("100000.ts");
  });

  it("parses exactly the names it makes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseSegmentName(segmentName(n))).toBe(n);
      }),
    );
    for (const other of ["0001.ts", "012345.ts", "00001.tsx", "00001.TS", "a0001.ts", "index.m3u8", ".00001.ts", "99999999999999999.ts"]) {
      expect(parseSegmentName(other), other).toBeUndefined();
    }
  });

  it("recognises its own temp names only", () => {
    expect(isTempName(".hls-sink-00001.ts-12-3-abc.tmp")).toBe(true);
    expect(isTempName("00001.ts")).toBe(false);
    expect(isTempName(".other.tmp")).toBe(false);
  });
});
