/**
 * Acceptance property of chunking v2 (issue 13): a capture that starts anywhere in a broadcast,
 * or on a device that makes its own PSI, null packets and extra PIDs, gives byte-identical chunks
 * to the full capture from its first grid cut on. Only its first chunk (boundary
 * "capture-start") may differ, in firstPts, durationTicks and bytes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURE_NAMES } from "@ec/fixtures";
import type { FixtureName } from "@ec/fixtures";
import { buildTimeline } from "../src/fake/broadcast-timeline.js";
import { LiveBroadcast } from "../src/fake/live-broadcast.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";
import { chunkAll, fixtureBytes } from "./helpers.js";

/** The fixture as device profile `p` would deliver it (loop 0: timestamps and counters as in the file). */
function asDevice(name: FixtureName, p: number): Uint8Array {
  const t = buildTimeline(fixtureBytes(name), name);
  return new LiveBroadcast(t, { deviceProfile: p, now: () => 0 }).render(0, t.count);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Checks the convergence property; returns how many chunks of `late` matched. */
function expectConverged(full: TsChunk[], late: TsChunk[]): number {
  if (late.length === 0) return 0;
  expect(late[0]!.boundary).toBe("capture-start");
  const byPts = new Map(full.map((c, i) => [c.firstPts, i]));
  // A first chunk that starts exactly at a chunk start of the full capture is that chunk.
  const same = byPts.get(late[0]!.firstPts);
  if (same !== undefined && same + 1 < full.length) expect(hex(late[0]!.bytes)).toBe(hex(full[same]!.bytes));
  if (late.length < 2) return 0;
  const k = byPts.get(late[1]!.firstPts);
  expect(k, `late chunk 1 (firstPts ${late[1]!.firstPts}) is a chunk of the full capture`).toBeDefined();
  expect(late.length - 1).toBe(full.length - k!);
  for (let i = 1; i < late.length; i++) {
    const a = full[k! + i - 1]!;
    const b = late[i]!;
    expect([b.firstPts, b.durationTicks, b.boundary]).toEqual([a.firstPts, a.durationTicks, i === 1 && a.boundary === "capture-start" ? "grid" : a.boundary]);
    expect(hex(b.bytes)).toBe(hex(a.bytes));
  }
  return late.length - 1;
}

describe.each(FIXTURE_NAMES)("%s: captures started anywhere converge on the full capture", (name) => {
  const input = fixtureBytes(name);
  for (const chunkMs of [1000, 2000]) {
    const full = chunkAll(input, { chunkMs }).chunks;

    it(`same device, random byte offsets (chunkMs ${chunkMs})`, () => {
      let matched = 0;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: input.length - 1 }), (start) => {
          matched += expectConverged(full, chunkAll(input.subarray(start), { chunkMs }).chunks);
        }),
        { numRuns: 40, seed: 13 + chunkMs },
      );
      expect(matched).toBeGreaterThan(0);
    });

    for (const profile of [1, 2, 3]) {
      it(`device profile ${profile} (own PSI, nulls, extra PIDs), random offsets (chunkMs ${chunkMs})`, () => {
        const variant = asDevice(name, profile);
        expect(variant.length).not.toBe(input.length);
        let matched = 0;
        fc.assert(
          fc.property(fc.integer({ min: 0, max: variant.length - 1 }), (start) => {
            matched += expectConverged(full, chunkAll(variant.subarray(start), { chunkMs }).chunks);
          }),
          { numRuns: 25, seed: 7 * profile + chunkMs },
        );
        expect(matched).toBeGreaterThan(0);
      });
    }
  }
});
