/**
 * Fault: the manifest peer (the leader) and the relay are killed mid-stream and come back on the
 * same addresses as a new run with a new epoch, their sequence numbers starting over at 0. The
 * subscriber must notice the restart (not wait for seqs of the old run), resume once they are
 * back, and mark the switch with one `#EXT-X-DISCONTINUITY` — not a corrupt or stuck stream.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  meshSuite, publishArgs, readPlaylist, readStats, runCli, segmentChunkIndexes, tryStats, videoStartSeconds, waitFor,
} from "./procs/mesh.js";

const STREAM = "fault-restart";
const suite = meshSuite("ec-fault-restart-");
const { procs } = suite;

describe("fault: the leader restarts with a new epoch", () => {
  it("the subscriber resumes from the new run's first chunk after one discontinuity", async () => {
    const { dir, keys, chunks } = suite;
    const leaderNode = join(dir, "leader-node.key");
    const relayNode = join(dir, "relay-node.key");
    await Promise.all([runCli(["keygen", "--out", leaderNode]), runCli(["keygen", "--out", relayNode])]);
    const leaderArgs = (listen: string, epoch: string, speed: number) =>
      publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false", "--node-key", leaderNode, "--listen", listen, "--epoch", epoch], { speed, startupDelayMs: 1500 });
    const relayArgs = (listen: string, epoch: string, speed: number) =>
      publishArgs(STREAM, ["--node-key", relayNode, "--listen", listen, "--epoch", epoch], { speed, startupDelayMs: 1500 });

    let leader = procs.cli(leaderArgs("127.0.0.1:0", "run1", 1));
    let relay = procs.cli(relayArgs("127.0.0.1:0", "run1", 1));
    const [addrL, addrR] = await Promise.all([leader.firstLine, relay.firstLine]);
    const hls = join(dir, "hls");
    const statsPath = join(dir, "stats.json");
    const sub = runCli(
      [
        "moq-subscribe", "--remote", addrR, "--remote-manifests", addrL, "--stream-id", STREAM, "--trusted-key", keys.leaderPk,
        "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", "8s", "--timeout", "50s", "--stats-json", statsPath,
      ],
      { timeoutMs: 60_000 },
    );
    await waitFor("2 segments of run 1", () => (tryStats(statsPath)?.segments ?? 0) >= 2);
    leader.proc.kill("SIGKILL");
    relay.proc.kill("SIGKILL");
    await Promise.all([leader.exit, relay.exit]);
    const written = readStats(statsPath).segments as number;
    expect(written).toBeLessThan(8);
    // Back on the same addresses, as a new run.
    leader = procs.cli(leaderArgs(`127.0.0.1:${addrL.split(":").at(-1)}`, "run2", 2));
    relay = procs.cli(relayArgs(`127.0.0.1:${addrR.split(":").at(-1)}`, "run2", 2));
    expect(await leader.firstLine).toBe(addrL);
    expect(await relay.firstLine).toBe(addrR);

    const res = await sub;
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const s = readStats(statsPath);
    expect(s.epoch).toBe("run2");
    expect(s.discontinuities).toBe(1);
    expect(s.peers.manifests[addrL].restarts).toBeGreaterThanOrEqual(1);
    expect(s.objects.rejected).toEqual({});
    expect(s.manifests.rejected).toEqual({});
    expect(res.stderr).toMatch(/epoch changed: the leader restarted/);

    const pl = readPlaylist(hls);
    expect(pl.endList).toBe(true);
    pl.segments.forEach((seg, i) => expect(seg.uri).toBe(`${String(i).padStart(5, "0")}.ts`));
    const cut = pl.segments.findIndex((x) => x.discontinuity);
    expect(cut).toBeGreaterThanOrEqual(2);
    expect(pl.segments.filter((x) => x.discontinuity)).toHaveLength(1);
    expect(pl.text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    // Run 1: consecutive chunks. Run 2: consecutive chunks from its first one, seq 0.
    const idx = segmentChunkIndexes(hls, chunks);
    expect(idx).not.toContain(-1);
    const run1 = idx.slice(0, cut);
    const run2 = idx.slice(cut);
    run1.forEach((v, i) => expect(v).toBe(run1[0]! + i));
    run2.forEach((v, i) => expect(v).toBe(i));
    // PTS is continuous within each run; it jumps back at the discontinuity (the new run starts over).
    const starts = pl.segments.map((seg) => videoStartSeconds(join(hls, seg.uri)));
    for (let i = 1; i < starts.length; i++) {
      if (i === cut) expect(starts[i]!).toBeLessThan(starts[i - 1]!);
      else expect(starts[i]! - starts[i - 1]!, `PTS step into segment ${i}`).toBeCloseTo(pl.segments[i - 1]!.duration, 2);
    }
  });
});
