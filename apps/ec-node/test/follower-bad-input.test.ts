/**
 * `moq-publish --follow` with a leader that cannot be followed, and a follower whose capture never
 * matches (issue 13, bad input): one line, exit 1, nothing published; or a progress line that
 * says so. Real processes on loopback.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixturePath } from "@ec/fixtures";
import { closedPort, meshSuite, RECORDING, runCli, tryStats, waitFor } from "./procs/mesh.js";

const suite = meshSuite("ec-follower-bad-");

const followArgs = (leader: string, pk: string, extra: string[] = []) => [
  "moq-publish", "--input", RECORDING, "--stream-id", "fb", "--chunk-ms", "1000", "--follow", leader, "--trusted-key", pk, ...extra,
];

describe("moq-publish --follow: a leader that cannot be followed", () => {
  it("unreachable: one line naming the leader and why, exit 1", async () => {
    const { keys } = suite;
    const dead = `ecmoq://${keys.otherPk}@127.0.0.1:${await closedPort()}`;
    const r = await runCli(followArgs(dead, keys.leaderPk, ["--follow-timeout", "2s"]), { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split("\n").pop()!;
    expect(last).toMatch(/^ec-node moq-publish: no manifest from leader ecmoq:\/\/.* verified in 2 s: unreachable \(.*ECONNREFUSED/);
  });

  it("signed by another key than --trusted-key: one line naming the rejection, exit 1", async () => {
    const { keys, procs } = suite;
    const leader = procs.cli([
      "moq-publish", "--input", RECORDING, "--stream-id", "fb", "--chunk-ms", "1000", "--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false",
    ]);
    const addr = await leader.firstLine;
    const r = await runCli(followArgs(addr, keys.otherPk), { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n").pop()).toMatch(/cannot be followed: its manifest was rejected \(unknown-signer/);
  });

  it("bad flag combinations are usage errors (exit 2)", async () => {
    const { keys } = suite;
    for (const [args, msg] of [
      [followArgs("ecmoq://x@127.0.0.1:1", keys.leaderPk, ["--publish-manifests", "--signing-key", keys.leaderKey]), /cannot also --publish-manifests/],
      [["moq-publish", "--input", RECORDING, "--stream-id", "fb", "--follow", "ecmoq://x@127.0.0.1:1"], /--follow needs --trusted-key/],
      [["moq-publish", "--input", RECORDING, "--stream-id", "fb", "--trusted-key", keys.leaderPk], /--trusted-key goes with --follow/],
      [followArgs(`ecmoq://${"ab".repeat(32)}@127.0.0.1:1`, keys.leaderPk), /bad endpoint "ecmoq:\/\/abab/],
    ] as const) {
      const r = await runCli([...args], { timeoutMs: 20_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe("a follower whose capture never matches", () => {
  it("says so in its progress line and publishes nothing", async () => {
    const { dir, keys, procs } = suite;
    // The leader reads one recording, the follower another: no chunk can match.
    const leader = procs.cli([
      "moq-publish", "--input", RECORDING, "--stream-id", "fb", "--chunk-ms", "1000", "--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false",
    ]);
    const addr = await leader.firstLine;
    const stats = join(dir, "nomatch.json");
    const f = procs.cli([
      "moq-publish", "--input", fixturePath("h264-scenecut.ts"), "--stream-id", "fb", "--chunk-ms", "1000", "--follow", addr, "--trusted-key", keys.leaderPk,
      "--stats-json", stats, "--speed", "2",
    ]);
    await f.firstLine;
    await waitFor("the no-match progress line", () => /no captured chunk has matched the leader's yet/.test(f.stderr()), 30_000);
    const s = tryStats(stats);
    expect(s?.follow?.published ?? 0).toBe(0);
    expect(s?.chunks ?? 0).toBe(0);
  });
});
