import { describe, expect, it } from "vitest";
import { ChunkOrder } from "../src/index.js";
import type { AcceptedChunk } from "../src/index.js";

const chunk = (seq: number, epoch = "e1"): AcceptedChunk => ({ epoch, seq, firstPts: seq * 90_000, durationTicks: 90_000, plaintext: new Uint8Array([seq]), peer: `p${seq % 2}` });

async function take(o: ChunkOrder, n: number): Promise<AcceptedChunk[]> {
  const out: AcceptedChunk[] = [];
  for await (const c of o) {
    out.push(c);
    if (out.length === n) break;
  }
  return out;
}

describe("ChunkOrder", () => {
  it("starts backfill chunks before the live edge and releases in seq order, with the serving peer", async () => {
    const o = new ChunkOrder({ backfill: 3 });
    expect(o.start({ epoch: "e1", firstSeq: 10, lastSeq: 20 })).toEqual({ seq: 18 });
    o.startAt({ epoch: "e1", seq: 18 });
    expect(o.position.nextSeq("e1")).toBe(18);
    expect(o.position.nextSeq("e2")).toBeUndefined();
    for (const s of [20, 19, 17, 18]) o.offer(chunk(s));
    const got = await take(o, 3);
    expect(got.map((c) => c.seq)).toEqual([18, 19, 20]);
    expect(got.map((c) => c.peer)).toEqual(["p0", "p1", "p0"]);
    expect(o.counters).toMatchObject({ offered: 4, released: 3, late: 1 });
    expect(o.position.has("e1", 19)).toBe(true);
    expect(o.position.has("e1", 21)).toBe(false);
    o.offer(chunk(19));
    expect(o.counters.duplicate).toBe(1);
  });

  it("skips a missing chunk after the gap timeout (clock driven), counting it", async () => {
    let now = 0;
    const o = new ChunkOrder({ gapTimeoutMs: 1000, maxBuffered: 99, now: () => now });
    o.startAt({ epoch: "e1", seq: 0 });
    o.offer(chunk(0));
    o.offer(chunk(2));
    expect((await take(o, 1)).map((c) => c.seq)).toEqual([0]);
    now = 1001;
    // The timer set for the deadline fires release(); wait for it through the iterator.
    expect((await take(o, 1)).map((c) => c.seq)).toEqual([2]);
    expect(o.counters.skippedSeqs).toBe(1);
    o.end();
  });

  it("a new epoch starts over; the old epoch's stragglers are refused", async () => {
    const o = new ChunkOrder();
    o.startAt({ epoch: "e1", seq: 5 });
    o.offer(chunk(5));
    o.startAt({ epoch: "e2", seq: 0 });
    o.offer(chunk(0, "e2"));
    o.offer(chunk(6, "e1"));
    const got = await take(o, 2);
    expect(got.map((c) => `${c.epoch}/${c.seq}`)).toEqual(["e1/5", "e2/0"]);
    expect(o.counters.oldEpoch).toBe(1);
    o.end();
    expect(await take(o, 1)).toEqual([]);
  });
});
