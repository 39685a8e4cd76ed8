import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HlsSink } from "../src/index.js";
import { syntheticChunkBytes } from "./helpers/synthetic-ts.js";
import { tempDir } from "./helpers/tmp.js";

const chunk = (seq: number) => ({ seq, firstPts: seq * 180_000, durationTicks: 180_000, bytes: syntheticChunkBytes(seq, 0.2) });

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

describe("HlsSink.lastSeq: where a restarted writer resumes", () => {
  it("is undefined on a fresh directory, follows writes, and survives a reopen (crash or clean close)", async () => {
    const a = await HlsSink.open({ dir, windowSegments: 0 });
    expect(a.lastSeq).toBeUndefined();
    await a.write(chunk(7));
    await a.write(chunk(8));
    expect(a.lastSeq).toBe(8);
    // A writer killed without close(): the reopened sink knows seq 8 was last, and seq 9 follows on
    // with no discontinuity.
    const b = await HlsSink.open({ dir, windowSegments: 0 });
    expect(b.lastSeq).toBe(8);
    const w = await b.write(chunk(9));
    expect(w.discontinuity).toBe(false);
    expect(w.mediaSequence).toBe(2);
    await b.close();
    const c = await HlsSink.open({ dir, windowSegments: 0 });
    expect(c.lastSeq).toBe(9);
  });
});
