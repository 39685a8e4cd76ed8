/**
 * The documented embedding example runs as written: the `<!-- runnable: verifying-relay -->` code
 * block of docs/protocol/embedding-relay.md (identical in packages/moq-transport/README.md) is
 * extracted, saved as a .mjs file inside @ec/moq-transport (so it resolves the packages the way an
 * embedder's project would), and run as a process against a real leader and capturing relay; a
 * real `moq-subscribe` then writes verified HLS through it.
 */
import { describe, expect, it } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNodeScript } from "./cli-harness.js";
import { MOQ_PKG, meshSuite, publishArgs, readPlaylist, runCli, segmentChunkIndexes } from "./procs/mesh.js";

const STREAM = "doc-example";
const suite = meshSuite("ec-relay-doc-");
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The runnable block of a markdown file. */
function runnableBlock(file: string): string {
  const text = readFileSync(join(ROOT, file), "utf8");
  const m = /<!-- runnable: verifying-relay -->\n```ts\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error(`${file}: no runnable verifying-relay block`);
  return m[1]!;
}

describe("docs: embedding a verifying relay", () => {
  it("the README carries the same example as docs/protocol/embedding-relay.md", () => {
    expect(runnableBlock("packages/moq-transport/README.md")).toBe(runnableBlock("docs/protocol/embedding-relay.md"));
  });

  it("runs as written against a real leader, and a subscriber writes verified HLS through it", async () => {
    const { dir, keys, chunks, procs } = suite;
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"]));
    const r0 = procs.cli(publishArgs(STREAM, []));
    const [addrL, addrR0] = await Promise.all([leader.firstLine, r0.firstLine]);
    const file = join(MOQ_PKG, `.doc-example-${process.pid}.mjs`);
    writeFileSync(file, runnableBlock("docs/protocol/embedding-relay.md"));
    try {
      const env = { LEADER: addrL, OBJECTS: addrR0, LEADER_KEY: keys.leaderPk, STREAM };
      const example = startNodeScript(file, [], { label: "doc example", cwd: MOQ_PKG, env });
      procs.list.push(example);
      const addr = await example.firstLine;
      expect(addr).toMatch(/^ecmoq:\/\/[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
      const hls = join(dir, "hls");
      const res = await runCli(
        [
          "moq-subscribe", "--remote", addr, "--remote-manifests", addr, "--stream-id", STREAM, "--trusted-key", keys.leaderPk,
          "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", "5s", "--timeout", "40s",
        ],
        { timeoutMs: 60_000 },
      );
      expect(res.code, res.stderr.slice(-2000)).toBe(0);
      const idx = segmentChunkIndexes(hls, chunks);
      expect(idx.length).toBeGreaterThanOrEqual(5);
      expect(idx).not.toContain(-1);
      idx.forEach((v, i) => expect(v).toBe(idx[0]! + i));
      expect(readPlaylist(hls).endList).toBe(true);
      // SIGTERM: the example closes the relay and prints its stats.
      await example.stop();
      const r = await example.exit;
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/relay verifying: verified manifests/);
      const stats = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
      expect(stats.objectsForwarded).toBeGreaterThanOrEqual(idx.length);
      expect(stats.gate.objects.rejected).toEqual({});
    } finally {
      rmSync(file, { force: true });
    }
  }, 90_000);
});
