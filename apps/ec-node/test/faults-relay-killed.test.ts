/**
 * Fault: the relay serving objects is killed (SIGKILL) mid-stream while a second `--remote` is
 * alive. The HLS output must have no missing and no duplicated segment: media sequence contiguous,
 * no discontinuity, every segment the next chunk of the recording, and each segment's first video
 * PTS equal to the previous one's plus its EXTINF.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  meshSuite, publishArgs, readPlaylist, readStats, runCli, segmentChunkIndexes, tryStats, videoStartSeconds, waitFor,
} from "./procs/mesh.js";

const STREAM = "fault-kill";
const suite = meshSuite("ec-fault-kill-");
const { procs } = suite;

describe("fault: the active object relay is killed mid-stream", () => {
  it("fails over to the second --remote with no gap and no duplicate", async () => {
    const { dir, keys, chunks } = suite;
    const opts = { speed: 1.5, startupDelayMs: 2000 };
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"], opts));
    const relayA = procs.cli(publishArgs(STREAM, [], opts));
    const relayB = procs.cli(publishArgs(STREAM, [], opts));
    const [addrL, addrA, addrB] = await Promise.all([leader.firstLine, relayA.firstLine, relayB.firstLine]);
    const hls = join(dir, "hls");
    const statsPath = join(dir, "stats.json");
    const sub = runCli(
      [
        "moq-subscribe", "--remote", addrA, "--remote", addrB, "--remote-manifests", addrL, "--stream-id", STREAM,
        "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", "8s", "--timeout", "50s",
        "--stats-json", statsPath,
      ],
      { timeoutMs: 60_000 },
    );
    await waitFor("3 segments from relay A", () => (tryStats(statsPath)?.segments ?? 0) >= 3);
    const before = readStats(statsPath);
    expect(before.peers.objects[addrA].accepted).toBeGreaterThanOrEqual(3);
    relayA.proc.kill("SIGKILL");
    await relayA.exit;

    const res = await sub;
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const s = readStats(statsPath);
    // A was the source until it died; B took over.
    expect(s.peers.objects[addrA].disconnects).toBeGreaterThanOrEqual(1);
    expect(s.peers.objects[addrB].accepted).toBeGreaterThan(0);
    expect(s.peers.objects[addrA].accepted + s.peers.objects[addrB].accepted).toBe(s.objects.accepted);
    expect(res.stderr).toMatch(/objects: failing over/);

    const pl = readPlaylist(hls);
    expect(pl.endList).toBe(true);
    expect(pl.mediaSequence).toBe(0);
    // Media sequence contiguous: 00000.ts, 00001.ts, … with no discontinuity.
    pl.segments.forEach((seg, i) => expect(seg.uri).toBe(`${String(i).padStart(5, "0")}.ts`));
    expect(pl.segments.some((x) => x.discontinuity)).toBe(false);
    expect(s.discontinuities).toBe(0);
    // No missing and no duplicated chunk: segment i is recording chunk first + i.
    const idx = segmentChunkIndexes(hls, chunks);
    expect(idx.length).toBeGreaterThanOrEqual(8);
    idx.forEach((v, i) => expect(v, `segment ${i}`).toBe(idx[0]! + i));
    // Which covers the kill: segments from both relays are in the one contiguous run.
    expect(s.peers.objects[addrA].accepted).toBeLessThan(idx.length);
    // PTS continuity, as a player sees it: first video PTS of each segment = previous + EXTINF.
    const starts = pl.segments.map((seg) => videoStartSeconds(join(hls, seg.uri)));
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]! - starts[i - 1]!, `PTS step into segment ${i}`).toBeCloseTo(pl.segments[i - 1]!.duration, 2);
    }
  });
});
