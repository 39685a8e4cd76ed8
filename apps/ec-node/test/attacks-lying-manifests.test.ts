/**
 * Attack: a lying manifest peer (test/procs/lying-manifests.mjs) is the subscriber's only
 * manifest source; objects come from an honest relay. Each lie must be rejected with its reason,
 * and nothing it did not genuinely vouch for is written:
 *  - untrusted key, expired: nothing is written; exit 1 naming the reason;
 *  - replay of one genuine manifest, a window that never advances: only what that genuine window
 *    vouched for is written; exit 1 naming why the stream stopped;
 *  - fork (a second, different manifest for a seq) and broken chain, mixed into genuine manifests:
 *    the lies are rejected and counted, the genuine stream is written in full.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TsChunk } from "@ec/hdhr-capture";
import { Procs, expectedChunks, keysIn, publishArgs, runCli, segmentChunkIndexes, segmentsIn, tempDir, tryStats } from "./procs/mesh.js";
import type { CliResult } from "./procs/mesh.js";

const STREAM = "atk-lies";
const MODES = ["untrusted", "expired", "replay", "stale", "fork", "broken-chain"] as const;
type Mode = (typeof MODES)[number];

let dir: string;
let chunks: TsChunk[];
const procs = new Procs();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const results = new Map<Mode, { sub: CliResult; hls: string; stats: any; liar: string }>();

beforeAll(async () => {
  dir = tempDir("ec-atk-lies-");
  const keys = await keysIn(dir);
  chunks = expectedChunks();
  const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"]));
  const relay = procs.cli(publishArgs(STREAM, []));
  const [addrL, addrR] = await Promise.all([leader.firstLine, relay.firstLine]);
  const liars = await Promise.all(
    MODES.map(
      (mode) =>
        procs.script("lying-manifests.mjs", [
          "--upstream", addrL, "--stream-id", STREAM, "--mode", mode, "--key-file", mode === "untrusted" ? keys.otherKey : keys.leaderKey,
        ]).firstLine,
    ),
  );
  await Promise.all(
    MODES.map((mode, i) => {
      const hls = join(dir, `hls-${mode}`);
      const statsPath = join(dir, `stats-${mode}.json`);
      const ok = mode === "fork" || mode === "broken-chain";
      return runCli(
        [
          "moq-subscribe", "--remote", addrR, "--remote-manifests", liars[i]!, "--stream-id", STREAM, "--trusted-key", keys.leaderPk,
          "--hls-dir", hls, "--hls-window", "0", "--stop-after", "4s", "--timeout", ok ? "40s" : "12s", "--stats-json", statsPath,
        ],
        { timeoutMs: 60_000 },
      ).then((sub) => results.set(mode, { sub, hls, stats: tryStats(statsPath), liar: liars[i]! }));
    }),
  );
}, 120_000);

afterAll(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function lastLine(r: CliResult): string {
  return r.stderr.trimEnd().split("\n").at(-1) ?? "";
}

describe("attack: a lying manifest peer as the only manifest source", () => {
  it.each(["untrusted", "expired"] as const)("%s: rejected with the reason; nothing written; exit 1 naming why", (mode) => {
    const r = results.get(mode)!;
    const reason = mode === "untrusted" ? "unknown-signer" : "expired";
    expect(r.sub.code, r.sub.stderr.slice(-2000)).toBe(1);
    expect(lastLine(r.sub)).toMatch(new RegExp(`^ec-node moq-subscribe: timed out .*no manifest verified from ${r.liar.replace(/[.[\]]/g, "\\$&")}.*\\d+ ${reason}`));
    expect(r.stats.manifests.accepted).toBe(0);
    expect(r.stats.manifests.rejected[reason]).toBeGreaterThan(0);
    expect(r.stats.peers.manifests[r.liar].rejected[reason]).toBeGreaterThan(0);
    expect(r.stats.objects.accepted).toBe(0);
    expect(segmentsIn(r.hls)).toEqual([]);
  });

  it("replay: one genuine manifest served again and again: replays rejected, only its entries written, exit 1 naming replay", () => {
    const r = results.get("replay")!;
    expect(r.sub.code, r.sub.stderr.slice(-2000)).toBe(1);
    expect(lastLine(r.sub)).toMatch(/timed out .*manifests rejected: \d+ replay/);
    expect(r.stats.manifests.accepted).toBe(1);
    expect(r.stats.manifests.rejected.replay).toBeGreaterThan(3);
    const idx = segmentChunkIndexes(r.hls, chunks);
    expect(idx).not.toContain(-1);
    expect(idx.length).toBeLessThanOrEqual(1);
  });

  it("stale: a window that never advances: detected and named; only that window written", () => {
    const r = results.get("stale")!;
    expect(r.sub.code, r.sub.stderr.slice(-2000)).toBe(1);
    expect(lastLine(r.sub)).toMatch(/timed out .*manifests from .* stopped advancing: the last \d+ vouched for no new chunk/);
    expect(r.sub.stderr).toMatch(/manifests are not advancing/);
    expect(r.stats.manifests.stalled).toBeGreaterThanOrEqual(5);
    const idx = segmentChunkIndexes(r.hls, chunks);
    expect(idx).not.toContain(-1);
    expect(idx.length).toBeLessThanOrEqual(1);
  });

  it.each(["fork", "broken-chain"] as const)("%s mixed into genuine manifests: the lies are rejected and counted; the genuine stream is written whole", (mode) => {
    const r = results.get(mode)!;
    expect(r.sub.code, r.sub.stderr.slice(-3000)).toBe(0);
    expect(r.stats.manifests.rejected[mode]).toBeGreaterThan(0);
    expect(r.stats.peers.manifests[r.liar].rejected[mode]).toBeGreaterThan(0);
    expect(r.sub.stderr).toMatch(new RegExp(`manifest rejected.*reason=${mode}`));
    expect(r.stats.objects.rejected).toEqual({});
    const idx = segmentChunkIndexes(r.hls, chunks);
    expect(idx.length).toBeGreaterThanOrEqual(4);
    idx.forEach((v, i) => expect(v).toBe(idx[0]! + i));
  });
});
