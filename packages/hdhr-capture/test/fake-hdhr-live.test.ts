/**
 * The fake tuner in live mode over real HTTP on loopback: two sims of one recording, different
 * device profiles, clients tuning in at different moments, chunked as a leader and a follower
 * would; and a sim with damage that says what it damaged.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createFakeHdhr } from "../src/fake/fake-hdhr.js";
import type { FakeHdhr } from "../src/fake/fake-hdhr.js";
import type { DamageBurst } from "../src/fake/live-broadcast.js";
import { openStream } from "../src/hdhr/open-stream.js";
import { chunkStream } from "../src/chunker/chunk-stream.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";
import { fixturePath } from "@ec/fixtures";

const running: FakeHdhr[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});
async function sim(opts: Partial<Parameters<typeof createFakeHdhr>[0]>): Promise<FakeHdhr> {
  const f = await createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), speed: 10, live: true, ...opts });
  running.push(f);
  return f;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("createFakeHdhr({ live: true })", () => {
  it("two sims, profiles 0 and 1, clients joining apart: identical chunks from the follower's first grid cut", async () => {
    const a = await sim({ deviceProfile: 0 });
    const b = await sim({ deviceProfile: 1 });
    const leader: TsChunk[] = [];
    const follower: TsChunk[] = [];
    let followerStarted: Promise<void> | undefined;
    // The leader tunes in now; the follower once the leader has two chunks (a few media seconds later).
    for await (const c of chunkStream(openStream(a.host, "2.1", { durationS: 16 }), { chunkMs: 1000 })) {
      leader.push(c);
      if (leader.length === 2) {
        followerStarted = (async () => {
          for await (const d of chunkStream(openStream(b.host, "2.1", { durationS: 8 }), { chunkMs: 1000 })) follower.push(d);
        })();
      }
    }
    await followerStarted;
    expect(follower.length).toBeGreaterThan(4);
    expect(follower[0]!.boundary).toBe("capture-start");
    // The follower joined after the leader's second chunk began: its first chunk is not one of the
    // leader's first two.
    expect(timestampAfter(follower[0]!.firstPts, leader[1]!.firstPts)).toBe(true);
    const byPts = new Map(leader.map((c) => [c.firstPts, c]));
    // Convergence: every follower chunk from its second on is a leader chunk, byte for byte
    // (the last one ends where the follower's duration ran out, so it is left out).
    for (const c of follower.slice(1, -1)) {
      expect(c.boundary).toBe("grid");
      const l = byPts.get(c.firstPts);
      expect(l, `follower chunk at ${c.firstPts}`).toBeDefined();
      expect(hex(c.bytes)).toBe(hex(l!.bytes));
      expect(c.durationTicks).toBe(l!.durationTicks);
    }
  });

  it("a damaged sim reports each burst (mode, size, the keyframe it follows) as it sends it", async () => {
    const bursts: DamageBurst[] = [];
    const d = await sim({ deviceProfile: 2, damage: "seed=3,every=1,burst=6,mode=tei", onDamage: (x) => bursts.push(x) });
    const chunks: TsChunk[] = [];
    for await (const c of chunkStream(openStream(d.host, "2.1", { durationS: 5 }), { chunkMs: 1000 })) chunks.push(c);
    expect(bursts.length).toBeGreaterThanOrEqual(3);
    for (const b of bursts) {
      expect(b.mode).toBe("tei");
      expect(b.packets).toBe(6);
      expect(b.afterKeyframePts).toBeGreaterThanOrEqual(0);
    }
    expect(chunks.length).toBeGreaterThan(2);
  });

  it("refuses live-only options without live, and an unpaced live broadcast", async () => {
    await expect(createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), deviceProfile: 1 })).rejects.toThrow(RangeError);
    await expect(createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), live: true, speed: Infinity })).rejects.toThrow(RangeError);
    await expect(createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), live: true, deviceProfile: 999 })).rejects.toThrow(RangeError);
    await expect(createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), live: true, damage: "seed=" })).rejects.toMatchObject({ code: "bad-damage-spec" });
  });
});

function timestampAfter(a: number, b: number): boolean {
  const d = (((a - b) % 2 ** 33) + 2 ** 33) % 2 ** 33;
  return d > 0 && d < 2 ** 32;
}
