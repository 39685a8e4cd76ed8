/**
 * Attack (issue 14 item 3): the subscriber's manifest peer replays the leader's PREVIOUS run —
 * manifests the leader really signed, issued a minute ago and still unexpired, vouching for other
 * objects at the same seqs (test/procs/lying-manifests.mjs --mode previous-run). The honest relay's
 * current objects then contradict those manifests through no fault of its own: they must be
 * refused (nothing unvouched is written) but never held against the relay — no demotion, no drop —
 * and the stats must say why nothing was accepted (mismatches, none blamed, manifests not current).
 *  - replay only: nothing is written; exit 1 on the timeout, the honest relay still in good standing;
 *  - replay, then the current run's manifests: the stream is written from the honest relay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TsChunk } from "@ec/hdhr-capture";
import { Procs, expectedChunks, keysIn, publishArgs, runCli, segmentChunkIndexes, segmentsIn, tempDir, tryStats } from "./procs/mesh.js";
import type { CliResult } from "./procs/mesh.js";

const STREAM = "atk-prev-run";
const CASES = { "replay-only": undefined, "replay-then-current": 6 } as const;
type Case = keyof typeof CASES;

let dir: string;
let chunks: TsChunk[];
let honest: string;
const procs = new Procs();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const results = new Map<Case, { sub: CliResult; hls: string; stats: any }>();

beforeAll(async () => {
  dir = tempDir("ec-atk-prev-");
  const keys = await keysIn(dir);
  chunks = expectedChunks();
  const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"]));
  const relay = procs.cli(publishArgs(STREAM, []));
  const [addrL, addrR] = await Promise.all([leader.firstLine, relay.firstLine]);
  honest = addrR;
  const names = Object.keys(CASES) as Case[];
  const liars = await Promise.all(
    names.map((c) => {
      const after = CASES[c];
      return procs.script("lying-manifests.mjs", [
        "--upstream", addrL, "--stream-id", STREAM, "--mode", "previous-run", "--key-file", keys.leaderKey, ...(after === undefined ? [] : ["--switch-after", String(after)]),
      ]).firstLine;
    }),
  );
  await Promise.all(
    names.map((c, i) => {
      const hls = join(dir, `hls-${c}`);
      const statsPath = join(dir, `stats-${c}.json`);
      return runCli(
        [
          "moq-subscribe", "--remote", addrR, "--remote-manifests", liars[i]!, "--stream-id", STREAM, "--trusted-key", keys.leaderPk,
          "--hls-dir", hls, "--hls-window", "0", "--stop-after", "4s", "--timeout", c === "replay-only" ? "12s" : "40s", "--stats-json", statsPath,
        ],
        { timeoutMs: 60_000 },
      ).then((sub) => results.set(c, { sub, hls, stats: tryStats(statsPath) }));
    }),
  );
}, 120_000);

afterAll(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The honest relay was never scored: not demoted, not dropped, no junk. */
function expectGoodStanding(r: { sub: CliResult; stats: any }): void {
  const p = r.stats.peers.objects[honest];
  expect(p, JSON.stringify(r.stats.peers.objects)).toBeDefined();
  expect(p.demotions ?? 0).toBe(0);
  expect(p.junk ?? 0).toBe(0);
  expect(p.dropped).toBeUndefined();
  expect(r.sub.stderr).not.toMatch(/peer demoted|peer dropped|no usable object peer left/);
}

describe("attack: a manifest peer replays the leader's previous run", () => {
  it("replay only: the honest relay's objects are refused but not blamed; nothing written; the stats say why", () => {
    const r = results.get("replay-only")!;
    expect(r.sub.code, r.sub.stderr.slice(-2000)).toBe(1);
    expect(r.sub.stderr.trimEnd().split("\n").at(-1)).toMatch(/^ec-node moq-subscribe: timed out/);
    expect(segmentsIn(r.hls)).toEqual([]);
    expect(r.stats.manifests.accepted).toBeGreaterThan(0);
    expect(r.stats.epoch).toMatch(/^prev-/);
    // Why nothing was accepted: the objects contradict the (replayed) manifests, and the manifests are not current.
    const mismatches = (r.stats.objects.rejected["hash-mismatch"] ?? 0) + (r.stats.objects.rejected["size-mismatch"] ?? 0);
    expect(mismatches, JSON.stringify(r.stats.objects)).toBeGreaterThan(0);
    expect(r.stats.objects.accepted).toBe(0);
    expect(r.stats.objects.blamed).toBe(0);
    expect(r.stats.manifests.current).toBe(false);
    expect(r.stats.peers.objects[honest].accepted).toBe(0);
    expect(r.sub.stderr).toMatch(/object rejected.*reason=(hash-mismatch|size-mismatch).*blamed=false/);
    expectGoodStanding(r);
  });

  it("replay, then the current run: the stream is written from the honest relay, which was never demoted", () => {
    const r = results.get("replay-then-current")!;
    expect(r.sub.code, r.sub.stderr.slice(-3000)).toBe(0);
    const mismatches = (r.stats.objects.rejected["hash-mismatch"] ?? 0) + (r.stats.objects.rejected["size-mismatch"] ?? 0);
    expect(mismatches, JSON.stringify(r.stats.objects)).toBeGreaterThan(0);
    expect(r.stats.objects.blamed).toBe(0);
    expect(r.stats.epoch).not.toMatch(/^prev-/);
    expect(r.stats.peers.objects[honest].accepted).toBe(r.stats.objects.accepted);
    const idx = segmentChunkIndexes(r.hls, chunks);
    expect(idx.length).toBeGreaterThanOrEqual(4);
    expect(idx).not.toContain(-1);
    idx.forEach((v, i) => expect(v, `segment ${i}`).toBe(idx[0]! + i));
    expectGoodStanding(r);
  });
});
