/**
 * pacedChunks: releases chunks on the media clock. Time is only checked as a lower bound
 * (pacing can be late on a loaded machine, never early), plus order, completeness and abort.
 */
import { describe, expect, it } from "vitest";
import { pacedChunks } from "../src/chunker/paced-chunks.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";

async function* chunks(n: number, durationTicks: number): AsyncGenerator<TsChunk> {
  for (let seq = 0; seq < n; seq++) yield { seq, firstPts: seq * durationTicks, durationTicks, bytes: new Uint8Array(188), boundary: "grid" as const };
}

describe("pacedChunks", () => {
  it("releases chunk n only after the media time of chunks 0..n-1 has passed", async () => {
    const start = performance.now();
    const seen: Array<[number, number]> = [];
    for await (const c of pacedChunks(chunks(5, 90_000), { speed: 20 })) seen.push([c.seq, performance.now() - start]);
    expect(seen.map(([s]) => s)).toEqual([0, 1, 2, 3, 4]);
    // Chunk n is due n * 1 s / 20 = n * 50 ms after the first.
    seen.forEach(([seq, at]) => expect(at).toBeGreaterThanOrEqual(seq * 50 - 2));
  });

  it("throws the abort reason while waiting", async () => {
    const ac = new AbortController();
    const got: number[] = [];
    const run = (async () => {
      for await (const c of pacedChunks(chunks(3, 90_000 * 3600), { signal: ac.signal })) {
        got.push(c.seq);
        if (got.length === 1) setTimeout(() => ac.abort(new Error("stop")), 0);
      }
    })();
    await expect(run).rejects.toThrow("stop");
    expect(got).toEqual([0]);
  });

  it("rejects a non-positive speed", async () => {
    const it = pacedChunks(chunks(1, 1), { speed: 0 });
    await expect(it.next()).rejects.toThrow(RangeError);
  });
});
