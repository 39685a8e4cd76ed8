/**
 * Attack: a junk relay. Each mode of test/procs/junk-relay.mjs re-serves an honest relay's
 * objects mutated (flipped bits, truncated, padded, from another stream, at another seq, replayed,
 * random, oversized). The subscriber gets the junk relay as its FIRST `--remote` and an honest relay
 * as the second: it must reject the junk with its reason, count it against that peer, demote it,
 * write none of it, and still complete from the honest relay.
 *
 * Then scoring: a junk relay that keeps being tried (because the honest relay died) is demoted and
 * then dropped, and the stats say why.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rmSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TsChunk } from "@ec/hdhr-capture";
import { RESUME_FILE } from "@ec/subscriber";
import {
  Procs, expectedChunks, filesIn, keysIn, publishArgs, readPlaylist, readStats, runCli, segmentChunkIndexes, tempDir, tryStats, waitFor,
} from "./procs/mesh.js";
import type { CliResult } from "./procs/mesh.js";

const STREAM = "atk-junk";
const MAX_OBJECT = 1024 * 1024;
/** What each mode must be rejected as (any of). */
const EXPECTED: Record<string, string[]> = {
  flip: ["hash-mismatch"],
  truncate: ["size-mismatch"],
  pad: ["size-mismatch"],
  "other-stream": ["hash-mismatch"],
  "other-seq": ["size-mismatch", "hash-mismatch"],
  replay: ["size-mismatch", "hash-mismatch"],
  random: ["hash-mismatch"],
  oversize: ["oversize"],
};
const WAVES = [
  ["flip", "truncate", "pad", "other-stream"],
  ["other-seq", "replay", "random", "oversize"],
];

let dir: string;
let keys: Awaited<ReturnType<typeof keysIn>>;
let chunks: TsChunk[];
const procs = new Procs();
const results = new Map<string, { sub: CliResult; junk: string; honest: string; hls: string; stats: ReturnType<typeof readStats> }>();

beforeAll(async () => {
  dir = tempDir("ec-atk-junk-");
  keys = await keysIn(dir);
  chunks = expectedChunks();
  for (const wave of WAVES) {
    // One honest leader (manifests) and one honest relay (objects) per wave, plus a relay of
    // another stream for the other-stream mode; then one junk relay and one subscriber per mode.
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"]));
    const honest = procs.cli(publishArgs(STREAM, []));
    const other = wave.includes("other-stream") ? procs.cli(publishArgs("atk-other", [])) : undefined;
    const [addrL, addrH] = await Promise.all([leader.firstLine, honest.firstLine]);
    const addrOther = other ? await other.firstLine : undefined;
    const junkProcs = wave.map((mode) =>
      procs.script("junk-relay.mjs", [
        "--upstream", mode === "other-stream" ? addrOther! : addrH, "--stream-id", STREAM, "--mode", mode,
        "--upstream-stream", mode === "other-stream" ? "atk-other" : STREAM, "--oversize-bytes", String(2 * MAX_OBJECT),
      ]),
    );
    const junks = await Promise.all(junkProcs.map((p) => p.firstLine));
    // Subscribers start once every junk relay serves something. A replaying relay serves nothing
    // until its upstream's third chunk (seq s carries seq s-2's object), about one chunk after
    // the first: a subscriber that started at once could leave it for silence (groupMs, one
    // chunk), take everything from the honest relay, and then see its junk only as duplicates,
    // which are never judged.
    await waitFor("every junk relay serving", () => junkProcs.every((p) => / served [1-9]/.test(p.stderr())), 30_000);
    const subs = await Promise.all(
      wave.map((mode, i) => {
        const hls = join(dir, `hls-${mode}`);
        const statsPath = join(dir, `stats-${mode}.json`);
        return runCli(
          [
            "moq-subscribe", "--remote", junks[i]!, "--remote", addrH, "--remote-manifests", addrL, "--stream-id", STREAM,
            "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", "4s", "--timeout", "45s",
            "--stats-json", statsPath, "--max-object-bytes", String(MAX_OBJECT),
          ],
          { timeoutMs: 60_000 },
        ).then((sub) => results.set(mode, { sub, junk: junks[i]!, honest: addrH, hls, stats: tryStats(statsPath) }));
      }),
    );
    void subs;
    await procs.stopAll();
  }
}, 170_000);

afterEach(async () => {
  await procs.stopAll();
});
afterAll(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("attack: junk relay first, honest relay second", () => {
  it.each(WAVES.flat())("%s: rejected with its reason, counted against the peer, demoted; only honest data written", (mode) => {
    const r = results.get(mode)!;
    expect(r, `no result for ${mode}`).toBeDefined();
    expect(r.sub.code, r.sub.stderr.slice(-3000)).toBe(0);
    const s = r.stats;
    const junk = s.peers.objects[r.junk];
    expect(junk, "the junk relay was never used").toBeDefined();
    // Rejected, with the reason this kind of junk must get, and counted against that peer.
    const reasons = Object.keys(junk.rejected);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(EXPECTED[mode]).toContain(reason);
    expect(junk.accepted).toBe(0);
    expect(junk.junk).toBeGreaterThanOrEqual(1);
    // Demoted at the first junk object, and the stats say why.
    expect(junk.demotions).toBeGreaterThanOrEqual(1);
    expect(junk.demoted).toMatch(new RegExp(EXPECTED[mode]!.join("|")));
    // Logged with its reason.
    expect(r.sub.stderr).toMatch(new RegExp(`object rejected.*reason=(${EXPECTED[mode]!.join("|")})`));
    // Every accepted object came from the honest relay.
    expect(s.peers.objects[r.honest].accepted).toBe(s.objects.accepted);
    expect(s.objects.accepted).toBeGreaterThanOrEqual(4);
    // The HLS holds only recording chunks, consecutive, no gap, nothing half-written.
    const idx = segmentChunkIndexes(r.hls, chunks);
    expect(idx.length).toBeGreaterThanOrEqual(4);
    expect(idx).not.toContain(-1);
    idx.forEach((v, i) => expect(v).toBe(idx[0]! + i));
    const pl = readPlaylist(r.hls);
    expect(pl.endList).toBe(true);
    expect(pl.segments.some((x) => x.discontinuity)).toBe(false);
    // Nothing else in the directory: no temp file, no unlisted segment (the resume point is ours).
    expect(filesIn(r.hls).filter((f) => !f.endsWith(".ts") && f !== "index.m3u8" && f !== RESUME_FILE)).toEqual([]);
    expect(readdirSync(r.hls).filter((f) => f.endsWith(".ts")).length).toBe(pl.segments.length);
  });
});

describe("peer scoring: demoted, then dropped", () => {
  it("a junk relay that keeps being tried is demoted, then dropped; the run completes from the honest relay", async () => {
    const sdir = join(dir, "score");
    const nodeKey = join(dir, "relay-node.key");
    expect((await runCli(["keygen", "--out", nodeKey])).code).toBe(0);
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"]));
    const honestArgs = (listen: string) => publishArgs(STREAM, ["--node-key", nodeKey, "--listen", listen], { speed: 2, startupDelayMs: 1500 });
    let honest = procs.cli(honestArgs("127.0.0.1:0"));
    const [addrL, addrH] = await Promise.all([leader.firstLine, honest.firstLine]);
    const port = addrH.split(":").at(-1)!;
    const junk = await procs.script("junk-relay.mjs", ["--upstream", addrH, "--stream-id", STREAM, "--mode", "flip"]).firstLine;
    const statsPath = join(dir, "stats-score.json");
    const sub = runCli(
      [
        "moq-subscribe", "--remote", junk, "--remote", addrH, "--remote-manifests", addrL, "--stream-id", STREAM,
        "--trusted-key", keys.leaderPk, "--hls-dir", sdir, "--hls-window", "0", "--stop-after", "6s", "--timeout", "50s",
        "--stats-json", statsPath, "--junk-threshold", "2",
      ],
      { timeoutMs: 60_000 },
    );
    // First junk: demoted, and the feed moves to the honest relay, which writes.
    await waitFor("a segment from the honest relay", () => (tryStats(statsPath)?.segments ?? 0) >= 1);
    const mid = readStats(statsPath);
    expect(mid.peers.objects[junk].demotions).toBe(1);
    expect(mid.peers.objects[junk].dropped).toBeUndefined();
    // The honest relay dies: the junk relay is all that is left, serves junk again, and is dropped.
    honest.proc.kill("SIGKILL");
    await honest.exit;
    await waitFor("the junk relay to be dropped", () => tryStats(statsPath)?.peers?.objects?.[junk]?.dropped !== undefined);
    // The honest relay comes back (same identity and port): the run completes from it.
    honest = procs.cli(honestArgs(`127.0.0.1:${port}`));
    expect(await honest.firstLine).toBe(addrH);
    const res = await sub;
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const s = readStats(statsPath);
    const j = s.peers.objects[junk];
    expect(j.accepted).toBe(0);
    expect(j.junk).toBe(2);
    expect(j.demotions).toBe(1);
    expect(j.demoted).toMatch(/hash-mismatch.*1 of 2/);
    expect(j.dropped).toMatch(/served 2 rejected objects.*hash-mismatch/);
    expect(res.stderr).toMatch(/peer demoted/);
    expect(res.stderr).toMatch(/peer dropped/);
    expect(s.peers.objects[addrH].accepted).toBe(s.objects.accepted);
    const idx = segmentChunkIndexes(sdir, chunks);
    expect(idx).not.toContain(-1);
    idx.forEach((v, i) => expect(v).toBe(idx[0]! + i));
  });
});
