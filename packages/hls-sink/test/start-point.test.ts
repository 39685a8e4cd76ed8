import { describe, expect, it } from "vitest";
import { chooseStart } from "../src/index.js";

const window = { epoch: "e1", firstSeq: 10, lastSeq: 20 };

describe("chooseStart", () => {
  it("starts `backfill` seqs before the live edge, within the window", () => {
    expect(chooseStart(window, { backfill: 3 })).toEqual({ epoch: "e1", seq: 18, resumed: false });
    expect(chooseStart(window, { backfill: 1 })).toEqual({ epoch: "e1", seq: 20, resumed: false });
    expect(chooseStart(window, { backfill: 50 })).toEqual({ epoch: "e1", seq: 10, resumed: false });
  });

  it("resumes right after the resume point when it is in the window's epoch and its next seq is vouched or next to come", () => {
    const at = (seq: number, epoch = "e1") => chooseStart(window, { backfill: 3, resume: { streamId: "s", epoch, seq } });
    expect(at(12)).toEqual({ epoch: "e1", seq: 13, resumed: true });
    expect(at(9)).toEqual({ epoch: "e1", seq: 10, resumed: true });
    expect(at(20)).toEqual({ epoch: "e1", seq: 21, resumed: true });
    // Fell out of the window, or ahead of it, or another run: join at the edge.
    expect(at(8)).toEqual({ epoch: "e1", seq: 18, resumed: false });
    expect(at(21)).toEqual({ epoch: "e1", seq: 18, resumed: false });
    expect(at(12, "e0")).toEqual({ epoch: "e1", seq: 18, resumed: false });
  });

  it("refuses a malformed window or backfill", () => {
    expect(() => chooseStart({ epoch: "e", firstSeq: 5, lastSeq: 4 }, { backfill: 1 })).toThrow(RangeError);
    expect(() => chooseStart({ epoch: "e", firstSeq: -1, lastSeq: 4 }, { backfill: 1 })).toThrow(RangeError);
    expect(() => chooseStart(window, { backfill: 0 })).toThrow(RangeError);
    expect(() => chooseStart(window, { backfill: 1.5 })).toThrow(RangeError);
  });
});
