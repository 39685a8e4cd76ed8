/**
 * Fault: the subscriber is killed (SIGKILL) mid-stream and restarted on the same `--hls-dir`.
 * At the moment of the kill the directory holds no half-written file that the playlist names;
 * after the restart the playlist continues: same numbering, the next chunk after the last one
 * written, no duplicate, and (because it really is the next chunk) no discontinuity.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RESUME_FILE } from "@ec/subscriber";
import {
  chunkIndexOf, filesIn, meshSuite, publishArgs, readPlaylist, readStats, runCli, segmentChunkIndexes, tryStats, videoStartSeconds, waitFor,
} from "./procs/mesh.js";

const STREAM = "fault-subrestart";
const suite = meshSuite("ec-fault-subrestart-");
const { procs } = suite;

describe("fault: the subscriber is killed and restarted on the same --hls-dir", () => {
  it("the playlist continues with the next chunk; nothing half-written, nothing repeated", async () => {
    const { dir, keys, chunks } = suite;
    const opts = { speed: 1, startupDelayMs: 2000 };
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"], opts));
    const relay = procs.cli(publishArgs(STREAM, [], opts));
    const [addrL, addrR] = await Promise.all([leader.firstLine, relay.firstLine]);
    const hls = join(dir, "hls");
    const statsPath = join(dir, "stats.json");
    const subArgs = (stopAfter: string) => [
      "moq-subscribe", "--remote", addrR, "--remote-manifests", addrL, "--stream-id", STREAM, "--trusted-key", keys.leaderPk,
      "--hls-dir", hls, "--hls-window", "0", "--stop-after", stopAfter, "--timeout", "40s", "--stats-json", statsPath,
    ];
    const first = procs.cli(subArgs("60s"));
    await waitFor("3 segments", () => (tryStats(statsPath)?.segments ?? 0) >= 3);
    first.proc.kill("SIGKILL");
    await first.exit;

    // Right after the kill: every segment the playlist names is whole (a recording chunk), and no
    // segment file exists that it does not name (only sink temp files may be left, and they are
    // named as such).
    const killed = readPlaylist(hls);
    expect(killed.endList).toBe(false);
    expect(killed.segments.length).toBeGreaterThanOrEqual(3);
    for (const seg of killed.segments) expect(chunkIndexOf(chunks, readFileSync(join(hls, seg.uri)))).toBeGreaterThanOrEqual(0);
    const stray = filesIn(hls).filter((f) => f !== "index.m3u8" && f !== RESUME_FILE && !killed.segments.some((s) => s.uri === f));
    for (const f of stray) expect(f).toMatch(/^\.(hls-sink-.*\.tmp|ec-subscriber-resume\.json\.tmp)$/);
    const lastBefore = killed.segments.length - 1;

    const second = await runCli(subArgs("3s"), { timeoutMs: 60_000 });
    expect(second.code, second.stderr.slice(-3000)).toBe(0);
    expect(second.stderr).toMatch(/resuming the playlist after its last segment/);
    expect(readStats(statsPath).discontinuities).toBe(0);

    const pl = readPlaylist(hls);
    expect(pl.endList).toBe(true);
    expect(pl.segments.length).toBeGreaterThan(killed.segments.length);
    // Same numbering, continued: 00000.ts … with no gap and no discontinuity.
    pl.segments.forEach((seg, i) => expect(seg.uri).toBe(`${String(i).padStart(5, "0")}.ts`));
    expect(pl.segments.some((x) => x.discontinuity)).toBe(false);
    // The chunks are consecutive across the restart: nothing missing, nothing written twice.
    const idx = segmentChunkIndexes(hls, chunks);
    idx.forEach((v, i) => expect(v, `segment ${i}`).toBe(idx[0]! + i));
    expect(idx[lastBefore + 1]).toBe(idx[lastBefore]! + 1);
    const starts = pl.segments.map((seg) => videoStartSeconds(join(hls, seg.uri)));
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeCloseTo(pl.segments[i - 1]!.duration, 2);
    // No temp file is left once a sink has reopened the directory.
    expect(filesIn(hls).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
