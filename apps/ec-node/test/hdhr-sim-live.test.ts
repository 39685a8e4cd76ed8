/**
 * `ec-node hdhr-sim --live` as real processes on loopback: two sims of one recording started at
 * different moments with different device profiles are one broadcast; `capture` from each, at
 * different moments, chunks to identical chunks after the later capture's first grid cut. Bad
 * live flags are one-line usage errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import type { TsChunk } from "@ec/hdhr-capture";
import { runCli, startCli } from "./cli-harness.js";
import type { RunningCli } from "./cli-harness.js";

const INPUT = fixturePath("h264-aac-1s-gop.ts");
let dir = "";
const running: RunningCli[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ec-sim-live-"));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunksOf(file: string): TsChunk[] {
  const c = new TsChunker({ chunkMs: 2000 });
  return [...c.push(readFileSync(file)), ...c.flush()];
}

describe("hdhr-sim --live", () => {
  it("two sims started apart, profiles 0 and 1: captures joined apart give identical chunks after one chunk", async () => {
    const a = startCli(["hdhr-sim", "--input", INPUT, "--live", "--speed", "4", "--channel", "5.1"]);
    running.push(a);
    const hostA = (await a.firstLine).replace("http://", "");
    const recA = join(dir, "a.ts");
    const recB = join(dir, "b.ts");
    // The leader records 24 media seconds; sim B starts, and its capture joins, while that runs.
    const capA = runCli(["capture", "--hdhr", hostA, "--channel", "5.1", "--duration", "24", "--out", recA]);
    // "Joined apart" must be true, not a race between two process starts: wait until the sim says
    // capture A is streaming (a busy tuner in /status.json), then one more second (4 media seconds).
    const streaming = async () => {
      const status = (await (await fetch(`http://${hostA}/status.json`)).json()) as Array<{ VctNumber?: string }>;
      return status.some((t) => t.VctNumber !== undefined);
    };
    for (let i = 0; !(await streaming()); i++) {
      if (i > 300) throw new Error("capture A never started streaming");
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const b = startCli(["hdhr-sim", "--input", INPUT, "--live", "--speed", "4", "--channel", "5.1", "--device-profile", "1"]);
    running.push(b);
    const hostB = (await b.firstLine).replace("http://", "");
    const capB = await runCli(["capture", "--hdhr", hostB, "--channel", "5.1", "--duration", "10", "--out", recB]);
    expect(capB.code, capB.stderr).toBe(0);
    const doneA = await capA;
    expect(doneA.code, doneA.stderr).toBe(0);
    const leader = chunksOf(recA);
    const follower = chunksOf(recB);
    expect(follower.length).toBeGreaterThanOrEqual(3);
    const byPts = new Map(leader.map((c) => [c.firstPts, c]));
    expect(byPts.has(follower[0]!.firstPts) && follower[0]!.firstPts === leader[0]!.firstPts).toBe(false);
    for (const c of follower.slice(1, -1)) {
      const l = byPts.get(c.firstPts);
      expect(l, `follower chunk at PTS ${c.firstPts} is one of the leader's`).toBeDefined();
      expect(Buffer.from(c.bytes).equals(Buffer.from(l!.bytes))).toBe(true);
    }
    expect(b.stderr()).toMatch(/deviceProfile=1/);
  });

  it("refuses live-only flags without --live and bad live values, with one line and exit 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--device-profile", "1"], /--device-profile needs --live/],
      [["--damage", "seed=1"], /--damage needs --live/],
      [["--live", "--device-profile", "256"], /--device-profile must be from 0 to 255/],
      [["--live", "--damage", "every=2"], /--damage: .*seed=<integer/],
      [["--live", "--damage", "seed=1,mode=melt"], /--damage: .*mode must be tei, drop or mix/],
      [["--live", "--clock-origin", "noon"], /--clock-origin takes Unix ms or an ISO date-time/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli(["hdhr-sim", "--input", INPUT, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });

  it("logs each damage burst with where it is in the broadcast", async () => {
    const s = startCli(["hdhr-sim", "--input", INPUT, "--live", "--speed", "4", "--damage", "seed=9,every=1,burst=4,mode=drop"]);
    running.push(s);
    const host = (await s.firstLine).replace("http://", "");
    const cap = await runCli(["capture", "--hdhr", host, "--channel", "5.1", "--duration", "4", "--out", join(dir, "d.ts")]);
    expect(cap.code, cap.stderr).toBe(0);
    const lines = s.stderr().split("\n").filter((l) => l.includes('msg="damage burst"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/mode=drop fromPacket=\d+ packets=4 programPackets=\d+ onAirMs=[\d.]+ afterKeyframePts=\d+ keyframesHit=/);
  });
});
