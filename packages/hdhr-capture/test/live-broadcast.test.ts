/**
 * The live fake broadcast on its own (no network, a hand-driven clock): looping with continuous
 * timestamps that still decode, one broadcast whatever the join time or device profile, and
 * damage that changes only the chunks it hits.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTimeline } from "../src/fake/broadcast-timeline.js";
import { LiveBroadcast } from "../src/fake/live-broadcast.js";
import type { DamageBurst, LiveBroadcastOptions } from "../src/fake/live-broadcast.js";
import { DamageSpecError, formatDamageSpec, parseDamageSpec } from "../src/fake/damage-spec.js";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";
import { timestampDelta } from "../src/ts/timestamps.js";
import type { FixtureName } from "@ec/fixtures";
import { concatBytes, ffmpeg, fixtureBytes } from "./helpers.js";

/** 2025-12-01T00:00:00Z: a fixed wall clock, so these tests never depend on the real one. */
const T0 = 1_764_547_200_000;
const timelines = new Map<string, ReturnType<typeof buildTimeline>>();
function broadcast(name: FixtureName, opts: LiveBroadcastOptions = {}): LiveBroadcast {
  let t = timelines.get(name);
  if (!t) timelines.set(name, (t = buildTimeline(fixtureBytes(name), name)));
  return new LiveBroadcast(t, { now: () => T0, ...opts });
}
function chunks(bytes: Uint8Array, chunkMs = 2000): TsChunk[] {
  const c = new TsChunker({ chunkMs });
  return [...c.push(bytes), ...c.flush()];
}
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "live-broadcast-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("looping", () => {
  it.each(["h264-aac-1s-gop.ts", "mpeg2-ac3.ts"] as const)("%s: timestamps keep increasing across loop seams and the stream decodes there", async (name) => {
    const lb = broadcast(name);
    const n = lb.timeline.count;
    const g0 = lb.packetAt(lb.nowTicks());
    const seam = Math.ceil(g0 / n) * n + n; // a seam well inside the range
    const cs = chunks(lb.render(seam - n + 17, seam + n + 17), 1000);
    expect(cs.length).toBeGreaterThanOrEqual(7);
    for (let i = 0; i + 1 < cs.length; i++) {
      expect(timestampDelta(cs[i + 1]!.firstPts, cs[i]!.firstPts)).toBeGreaterThan(0);
      // No discontinuity: every chunk ends where the next begins.
      expect((cs[i]!.firstPts + cs[i]!.durationTicks) % 2 ** 33).toBe(cs[i + 1]!.firstPts);
    }
    expect(new Set(cs.map((c) => c.firstPts)).size).toBe(cs.length);
    // Chunks from the first grid cut on, concatenated across the seam, decode cleanly.
    const file = join(dir, `seam-${name}`);
    // (The last chunk ends mid-frame where the range ends, so it is left out.)
    writeFileSync(file, concatBytes(cs.slice(1, -1).map((c) => c.bytes)));
    expect(await ffmpeg(["-v", "error", "-xerror", "-i", file, "-f", "null", "-"])).toBe("");
  });

  it("loop n shifts timestamps by n × L, L covering the longest stream", () => {
    const lb = broadcast("h264-aac-1s-gop.ts");
    // 360 video frames at 30 fps = 12 s; the AAC track runs a little longer and sets L.
    expect(lb.loopTicks).toBeGreaterThanOrEqual(12 * 90_000);
    expect(lb.loopTicks).toBeLessThan(12.2 * 90_000);
    expect(lb.onAir(lb.timeline.count * 5)).toBe(5 * lb.loopTicks);
    expect(lb.packetAt(5 * lb.loopTicks)).toBe(5 * lb.timeline.count);
  });
});

describe("one broadcast, many antennas", () => {
  it.each(["h264-aac-1s-gop.ts", "h264-scenecut.ts", "mpeg2-ac3.ts"] as const)(
    "%s: joins at other moments on other device profiles give the leader's chunks after one chunk",
    (name) => {
      const leader = broadcast(name);
      const n = leader.timeline.count;
      const g0 = leader.packetAt(leader.nowTicks());
      const end = g0 + 3 * n;
      const ref = chunks(leader.render(g0, end));
      const byPts = new Map(ref.map((c) => [c.firstPts, c]));
      for (const profile of [0, 1, 2, 5]) {
        for (const joinAfter of [311, Math.floor(n / 3), n + Math.floor(n / 2)]) {
          const got = chunks(broadcast(name, { deviceProfile: profile }).render(g0 + joinAfter, end));
          expect(got[0]!.boundary).toBe("capture-start");
          // Convergence: the follower's second chunk (its first grid cut) already matches.
          for (const c of got.slice(1)) {
            const leaderChunk = byPts.get(c.firstPts);
            expect(leaderChunk, `profile ${profile} join +${joinAfter}: chunk ${c.firstPts}`).toBeDefined();
            expect(hex(c.bytes)).toBe(hex(leaderChunk!.bytes));
          }
          expect(got.length).toBeGreaterThan(2);
        }
      }
    },
  );

  it("is a pure function of the wall clock: two sims started apart stream the same bytes", async () => {
    // A virtual clock: time passes only when a stream waits for it.
    let now = T0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const a = broadcast("h264-aac-1s-gop.ts", { ...clock, deviceProfile: 1 });
    const ctl = new AbortController();
    const streamA = a.stream({ signal: ctl.signal });
    const gotA: Uint8Array[] = [];
    for (let k = 0; k < 60; k++) gotA.push((await streamA.next()).value as Uint8Array);
    expect(now - T0).toBeGreaterThan(1000); // the second sim starts (and its client tunes in) later
    const b = broadcast("h264-aac-1s-gop.ts", { ...clock, deviceProfile: 1 });
    const streamB = b.stream({ signal: ctl.signal });
    const gotB: Uint8Array[] = [];
    for (let k = 0; k < 60; k++) {
      gotA.push((await streamA.next()).value as Uint8Array);
      gotB.push((await streamB.next()).value as Uint8Array);
    }
    ctl.abort();
    const bytesA = Buffer.from(concatBytes(gotA));
    const bytesB = Buffer.from(concatBytes(gotB));
    expect(bytesB.length).toBeGreaterThan(50_000);
    const at = bytesA.indexOf(bytesB.subarray(0, 4 * 188));
    expect(at).toBeGreaterThan(0);
    const overlap = Math.min(bytesA.length - at, bytesB.length);
    expect(overlap).toBeGreaterThan(50_000);
    expect(bytesA.subarray(at, at + overlap).equals(bytesB.subarray(0, overlap))).toBe(true);
  });

  it("stops after durationTicks of broadcast time", async () => {
    let now = T0;
    const lb = broadcast("h264-aac-1s-gop.ts", { now: () => now });
    const g0 = lb.packetAt(lb.nowTicks());
    const ctl = new AbortController();
    const pieces: Uint8Array[] = [];
    const s = lb.stream({ signal: ctl.signal, durationTicks: 90_000 });
    now += 5_000;
    for await (const p of s) pieces.push(p);
    const bytes = concatBytes(pieces);
    expect(hex(bytes)).toBe(hex(lb.render(g0, lb.packetAt(lb.onAir(g0) + 90_000, true))));
  });
});

describe("damage", () => {
  it("parses the spec and rejects bad ones with a typed error", () => {
    expect(parseDamageSpec("seed=7")).toEqual({ seed: 7, everyS: 10, burst: 8, mode: "mix" });
    const s = parseDamageSpec("seed=3, every=2.5,burst=20,mode=drop");
    expect(parseDamageSpec(formatDamageSpec(s))).toEqual(s);
    for (const bad of ["", "every=3", "seed=x", "seed=1,every=0", "seed=1,burst=0", "seed=1,mode=melt", "seed=1,seed=2", "seed=1,color=red", "seed=1;every=2"]) {
      expect(() => parseDamageSpec(bad), bad).toThrow(DamageSpecError);
    }
  });

  it.each(["h264-aac-1s-gop.ts", "mpeg2-ac3.ts"] as const)("%s: bursts change only the chunks they hit, and the sim says which", (name) => {
    const clean = broadcast(name);
    const reported: DamageBurst[] = [];
    const damaged = broadcast(name, { deviceProfile: 1, damage: "seed=11,every=3,burst=12,mode=mix", onDamage: (b) => reported.push(b) });
    const n = clean.timeline.count;
    const g0 = clean.packetAt(clean.nowTicks());
    const end = clean.packetAt(clean.onAir(g0) + 60 * 90_000); // a minute of broadcast
    const ref = chunks(clean.render(g0, end));
    const got = chunks(damaged.render(g0 + 200, end));
    const bursts = damaged.burstsBetween(g0 + 200, end);
    expect(reported.map((b) => b.window)).toEqual(bursts.map((b) => b.window));
    expect(bursts.length).toBeGreaterThan(10);
    expect(new Set(bursts.map((b) => b.mode))).toEqual(new Set(["tei", "drop"]));
    // Which leader chunks the bursts hit: the one holding the damage; when a keyframe that starts
    // a chunk is lost, that chunk and the one before it.
    const starts = ref.map((c) => c.firstPts);
    const holding = (pts: number) => {
      let k = -1;
      for (let i = 0; i < ref.length; i++) if (timestampDelta(pts, starts[i]!) >= 0) k = i;
      return k;
    };
    const hit = new Set<number>();
    for (const b of bursts) {
      if (b.programPackets === 0) continue;
      hit.add(holding(b.afterKeyframePts));
      for (const z of b.keyframesHit) {
        const k = holding(z);
        hit.add(k);
        if (starts[k] === z) hit.add(k - 1);
      }
    }
    const byPts = new Map(got.map((c) => [c.firstPts, c]));
    let same = 0;
    let differ = 0;
    for (let i = 1; i < ref.length - 1; i++) {
      const mine = byPts.get(ref[i]!.firstPts);
      if (ref[i]!.firstPts <= got[0]!.firstPts && timestampDelta(ref[i]!.firstPts, got[0]!.firstPts) <= 0) continue; // before the join
      const equal = mine !== undefined && hex(mine.bytes) === hex(ref[i]!.bytes);
      if (hit.has(i)) {
        expect(equal, `chunk ${ref[i]!.firstPts} was hit`).toBe(false);
        differ++;
      } else {
        expect(equal, `chunk ${ref[i]!.firstPts} was not hit`).toBe(true);
        same++;
      }
    }
    expect(differ).toBeGreaterThan(3);
    expect(same).toBeGreaterThan(3);
  });

  it("damages the same packets in every sim with the same spec, whatever the device", () => {
    const a = broadcast("h264-aac-1s-gop.ts", { damage: "seed=4,every=2,burst=5" });
    const b = broadcast("h264-aac-1s-gop.ts", { damage: "seed=4,every=2,burst=5", deviceProfile: 3 });
    const g0 = a.packetAt(a.nowTicks());
    expect(a.burstsBetween(g0, g0 + 20_000)).toEqual(b.burstsBetween(g0, g0 + 20_000));
    expect(a.burstsBetween(g0, g0 + 20_000).length).toBeGreaterThan(3);
  });
});

describe("bad input", () => {
  it("buildTimeline refuses non-TS, program-less and clock-less input with typed errors", () => {
    expect(() => buildTimeline(new TextEncoder().encode("<html>" + "x".repeat(5000)), "page.html")).toThrow(expect.objectContaining({ name: "TsError", code: "not-mpeg-ts" }));
    const ts = fixtureBytes("h264-aac-1s-gop.ts");
    const noPsi = concatBytes(Array.from({ length: 2000 }, (_, i) => ts.subarray(i * 188, i * 188 + 188)).filter((p) => ![0, 0x1000].includes(((p[1]! & 0x1f) << 8) | p[2]!)));
    expect(() => buildTimeline(noPsi, "nopsi.ts")).toThrow(expect.objectContaining({ code: "no-program" }));
    // PAT + PMT only: a program, but nothing to pace it by.
    expect(() => buildTimeline(ts.subarray(188, 3 * 188), "psi.ts")).toThrow(expect.objectContaining({ code: "no-program" }));
  });

  it("LiveBroadcast refuses bad speed, origin and profile", () => {
    expect(() => broadcast("h264-aac-1s-gop.ts", { speed: 0 })).toThrow(RangeError);
    expect(() => broadcast("h264-aac-1s-gop.ts", { speed: Infinity })).toThrow(RangeError);
    expect(() => broadcast("h264-aac-1s-gop.ts", { clockOriginMs: 1.5 })).toThrow(RangeError);
    expect(() => broadcast("h264-aac-1s-gop.ts", { deviceProfile: -1 })).toThrow(RangeError);
    expect(() => broadcast("h264-aac-1s-gop.ts", { speed: 1000, now: () => 8.64e15 })).toThrow(/clock origin/);
  });

  it("parseDamageSpec only ever returns a valid spec or throws DamageSpecError (fuzz)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("seed=1", "seed=9,every=0.1", "seed=1,burst=10000,mode=tei")), (text) => {
        try {
          const s = parseDamageSpec(text);
          expect(s.everyS >= 0.1 && s.burst >= 1 && ["tei", "drop", "mix"].includes(s.mode)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(DamageSpecError);
        }
      }),
      { numRuns: 500, seed: 21 },
    );
  });
});
