/**
 * Fault: the tuner stalls mid-capture, then refuses the retune with 503 "805 All Tuners In Use".
 * The publisher (`moq-publish --hdhr`) retries with growing backoff and logs each retry; chunk
 * numbering carries on, and the subscriber's HLS shows the gap as an `#EXT-X-DISCONTINUITY`
 * (the stream does not break: ffmpeg decodes each side of the gap).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Procs, RECORDING, keysIn, readPlaylist, readStats, runCli, tempDir } from "./procs/mesh.js";

const STREAM = "fault-tuner";
let dir: string;
let keys: Awaited<ReturnType<typeof keysIn>>;
const procs = new Procs();

beforeAll(async () => {
  dir = tempDir("ec-fault-tuner-");
  keys = await keysIn(dir);
});
afterEach(() => procs.stopAll());
afterAll(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("fault: the tuner stalls, then is busy, mid-capture", () => {
  it("the publisher retries with backoff and logs it; the gap is a discontinuity in the HLS", async () => {
    const tuner = procs.script("faulty-tuner.mjs", ["--input", RECORDING, "--channel", "5.1", "--speed", "2", "--stall-after-bytes", "450000"]);
    const host = await tuner.firstLine;
    const pub = procs.cli([
      "moq-publish", "--hdhr", host, "--channel", "5.1", "--stream-id", STREAM, "--chunk-ms", "1000", "--stall-timeout", "800ms",
      "--publish-manifests", "--signing-key", keys.leaderKey, "--epoch", "live1", "--startup-delay-ms", "1500",
    ]);
    const addr = await pub.firstLine;
    const hls = join(dir, "hls");
    const statsPath = join(dir, "stats.json");
    const sub = await runCli(
      [
        "moq-subscribe", "--remote", addr, "--stream-id", STREAM, "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0",
        "--backfill", "32", "--stop-after", "9s", "--timeout", "50s", "--stats-json", statsPath,
      ],
      { timeoutMs: 60_000 },
    );
    expect(sub.code, sub.stderr.slice(-3000)).toBe(0);

    // The publisher logged both faults and backed off longer the second time.
    const retries = pub
      .stderr()
      .split("\n")
      .filter((l) => l.includes('msg="tuner error, retrying"'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatch(/code=stalled/);
    expect(retries[1]).toMatch(/code=tuners-busy/);
    expect(retries[1]).toMatch(/805 All Tuners In Use/);
    const delays = retries.map((l) => Number(/delayMs=(\d+)/.exec(l)![1]));
    expect(delays[1]!).toBeGreaterThan(delays[0]!);

    // The gap is a discontinuity; numbering and the rest of the stream are intact.
    const s = readStats(statsPath);
    expect(s.discontinuities).toBeGreaterThanOrEqual(1);
    expect(s.objects.rejected).toEqual({});
    const pl = readPlaylist(hls);
    expect(pl.endList).toBe(true);
    pl.segments.forEach((seg, i) => expect(seg.uri).toBe(`${String(i).padStart(5, "0")}.ts`));
    const cut = pl.segments.findIndex((x) => x.discontinuity);
    expect(cut).toBeGreaterThan(0);
    expect(pl.text).toMatch(/#EXT-X-DISCONTINUITY\n/);
    // Both sides of the gap are whole, continuous streams: each run, joined end to end, decodes
    // without an error. (Across the cut the timestamps restart, which is what the tag is for.)
    const runs = [pl.segments.slice(0, cut), pl.segments.slice(cut)];
    runs.forEach((run, i) => {
      const joined = join(dir, `run${i}.ts`);
      writeFileSync(joined, Buffer.concat(run.map((seg) => readFileSync(join(hls, seg.uri)))));
      execFileSync("ffmpeg", ["-v", "error", "-xerror", "-i", joined, "-f", "null", "-"]);
    });
  });
});
