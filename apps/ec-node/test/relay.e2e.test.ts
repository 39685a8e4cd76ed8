/**
 * `ec-node relay`: an availability relay without a tuner, verified hop by hop. Real processes on
 * loopback: a leader (manifests only), a capturing relay R0 (`moq-publish`, objects only), one or
 * more `ec-node relay` processes, hostile junk relays (test/procs/junk-relay.mjs) and a real
 * `moq-subscribe`. Every segment written is compared byte for byte with the recording.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import type { TsChunk } from "@ec/hdhr-capture";
import { meshSuite, publishArgs, readPlaylist, readStats, runCli, segmentChunkIndexes, tryStats, waitFor } from "./procs/mesh.js";
import type { MeshSuite } from "./procs/mesh.js";

const STREAM = "relay-hop";
const suite = meshSuite("ec-relay-");
const { procs } = suite;

function leaderAndR0(s: MeshSuite, opts: { speed?: number; startupDelayMs?: number } = {}) {
  const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", s.keys.leaderKey, "--publish-chunks=false"], opts));
  const r0 = procs.cli(publishArgs(STREAM, [], opts));
  return Promise.all([leader.firstLine, r0.firstLine]);
}

function relayArgs(remotes: string[], extra: string[]): string[] {
  return ["relay", "--stream-id", STREAM, ...remotes.flatMap((r) => ["--remote", r]), ...extra];
}

function subscribeArgs(s: MeshSuite, remotes: string[], manifests: string, hls: string, statsPath: string, stopAfter = "8s", timeout = "50s"): string[] {
  return [
    "moq-subscribe", ...remotes.flatMap((r) => ["--remote", r]), "--remote-manifests", manifests, "--stream-id", STREAM,
    "--trusted-key", s.keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", stopAfter,
    "--timeout", timeout, "--stats-json", statsPath,
  ];
}

/** Every listed segment is a chunk of the recording, each the next one: no missing, no duplicate, nothing else. */
function expectContiguousRecording(hls: string, chunks: TsChunk[], atLeast: number): number[] {
  const idx = segmentChunkIndexes(hls, chunks);
  expect(idx.length).toBeGreaterThanOrEqual(atLeast);
  expect(idx).not.toContain(-1);
  idx.forEach((v, i) => expect(v, `segment ${i}`).toBe(idx[0]! + i));
  const pl = readPlaylist(hls);
  expect(pl.endList).toBe(true);
  expect(pl.segments.some((x) => x.discontinuity)).toBe(false);
  return idx;
}

describe("ec-node relay", () => {
  it("chain: leader + R0 -> relay R1 -> relay R2 (manifests from R1) -> subscriber: every segment is the recording's chunk", async () => {
    const { dir, keys, chunks } = suite;
    const [addrL, addrR0] = await leaderAndR0(suite);
    const r1Stats = join(dir, "chain-r1.json");
    const r2Stats = join(dir, "chain-r2.json");
    const r1 = procs.cli(relayArgs([addrR0], ["--remote-manifests", addrL, "--trusted-key", keys.leaderPk, "--stats-json", r1Stats]));
    const addrR1 = await r1.firstLine;
    const r2 = procs.cli(relayArgs([addrR1], ["--trusted-key", keys.leaderPk, "--stats-json", r2Stats]));
    const addrR2 = await r2.firstLine;
    const hls = join(dir, "chain-hls");
    const subStats = join(dir, "chain-sub.json");
    const res = await runCli(subscribeArgs(suite, [addrR2], addrR2, hls, subStats), { timeoutMs: 60_000 });
    expect(res.code, res.stderr.slice(-3000)).toBe(0);

    const idx = expectContiguousRecording(hls, chunks, 8);
    const sub = readStats(subStats);
    expect(sub.objects.rejected).toEqual({});
    expect(sub.manifests.rejected).toEqual({});
    // R2 is the subscriber's only peer (objects and manifests): every segment came through both hops.
    expect(Object.keys(sub.peers.manifests)).toEqual([addrR2]);
    expect(Object.keys(sub.peers.objects)).toEqual([addrR2]);
    expect(sub.peers.objects[addrR2].accepted).toBe(sub.objects.accepted);
    // Each hop verified and forwarded (at least) what the subscriber wrote, and refused nothing
    // (stopped first: a relay rewrites its stats file once more on the way out).
    await Promise.all([r1.stop(), r2.stop()]);
    for (const [path, upstream] of [[r1Stats, addrR0], [r2Stats, addrR1]] as const) {
      const r = readStats(path);
      expect(r.state).toBe("verifying");
      expect(r.objectsForwarded).toBeGreaterThanOrEqual(idx.length);
      expect(r.manifestsForwarded).toBeGreaterThan(0);
      expect(r.gate.objects.rejected).toEqual({});
      expect(r.upstreams[upstream].accepted).toBe(r.objectsForwarded);
    }
  }, 90_000);

  it("junk upstreams listed first (random bytes, other stream, replayed seqs): R1 forwards none, names the rejects, serves from R0", async () => {
    const { dir, keys, chunks } = suite;
    const [addrL, addrR0] = await leaderAndR0(suite);
    const addrOther = await procs.cli(publishArgs("relay-other", [])).firstLine;
    const junk = await Promise.all(
      (["random", "other-stream", "replay"] as const).map((mode) =>
        procs.script("junk-relay.mjs", [
          "--upstream", mode === "other-stream" ? addrOther : addrR0, "--stream-id", STREAM, "--mode", mode,
          "--upstream-stream", mode === "other-stream" ? "relay-other" : STREAM,
        ]).firstLine.then((addr) => ({ mode, addr })),
      ),
    );
    const r1Stats = join(dir, "junk-r1.json");
    const r1 = procs.cli(relayArgs([...junk.map((j) => j.addr), addrR0], ["--remote-manifests", addrL, "--trusted-key", keys.leaderPk, "--stats-json", r1Stats]));
    const addrR1 = await r1.firstLine;
    const hls = join(dir, "junk-hls");
    const subStats = join(dir, "junk-sub.json");
    const res = await runCli(subscribeArgs(suite, [addrR1], addrR1, hls, subStats), { timeoutMs: 60_000 });
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    // Let R1 see enough junk to judge every junk peer.
    await waitFor("every junk peer dropped", () => {
      const r = tryStats(r1Stats);
      return r !== undefined && junk.every((j) => r.upstreams[j.addr]?.dropped !== undefined);
    });
    await r1.stop();

    const r = readStats(r1Stats);
    for (const j of junk) {
      const u = r.upstreams[j.addr];
      expect(u.accepted, `${j.mode}: nothing of it forwarded`).toBe(0);
      expect(u.duplicates, `${j.mode}: no copy of it verified`).toBe(0);
      for (const reason of Object.keys(u.rejected)) expect(["hash-mismatch", "size-mismatch"], j.mode).toContain(reason);
    }
    // Each kind of junk is refuted by current manifests: blamed, demoted, and dropped at the threshold (3), with why.
    for (const j of junk) {
      expect(r.upstreams[j.addr].junk, j.mode).toBe(3);
      expect(r.upstreams[j.addr].dropped, j.mode).toMatch(/served 3 objects a current manifest refutes \(last: (hash|size)-mismatch\)/);
    }
    expect(r.gate.objects.blamed).toBe(9);
    expect(r.upstreams[addrR0].accepted).toBe(r.objectsForwarded);
    expect(r.objectsForwarded).toBeGreaterThanOrEqual(8);
    expect(res.stderr).not.toMatch(/object rejected/);
    const sub = readStats(subStats);
    expect(sub.objects.rejected).toEqual({});
    expect(sub.manifests.rejected).toEqual({});
    expectContiguousRecording(hls, chunks, 8);
  }, 120_000);

  it("killing relay R1 while the subscriber lists a second relay path: no missing and no duplicated segment", async () => {
    const { dir, keys, chunks } = suite;
    const [addrL, addrR0] = await leaderAndR0(suite, { speed: 1.5, startupDelayMs: 2000 });
    const r1 = procs.cli(relayArgs([addrR0], ["--remote-manifests", addrL, "--trusted-key", keys.leaderPk]));
    const r1b = procs.cli(relayArgs([addrR0], ["--remote-manifests", addrL, "--trusted-key", keys.leaderPk]));
    const [addrR1, addrR1b] = await Promise.all([r1.firstLine, r1b.firstLine]);
    const hls = join(dir, "kill-hls");
    const subStats = join(dir, "kill-sub.json");
    const sub = runCli(subscribeArgs(suite, [addrR1, addrR1b], addrR1b, hls, subStats), { timeoutMs: 60_000 });
    await waitFor("3 segments through R1", () => (tryStats(subStats)?.segments ?? 0) >= 3);
    expect(readStats(subStats).peers.objects[addrR1].accepted).toBeGreaterThanOrEqual(3);
    r1.proc.kill("SIGKILL");
    await r1.exit;

    const res = await sub;
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    const s = readStats(subStats);
    expect(s.peers.objects[addrR1].disconnects).toBeGreaterThanOrEqual(1);
    expect(s.peers.objects[addrR1b].accepted).toBeGreaterThan(0);
    // (R1b's peer counters also count the manifests it serves, so only R1's are objects alone.)
    expect(s.peers.objects[addrR1].accepted).toBeGreaterThanOrEqual(3);
    expect(s.objects.rejected).toEqual({});
    const idx = expectContiguousRecording(hls, chunks, 8);
    // The kill is inside the one contiguous run: segments from both relays.
    expect(s.peers.objects[addrR1].accepted).toBeLessThan(idx.length);
    expect(readPlaylist(hls).segments.map((x) => x.uri)).toEqual(idx.map((_, i) => `${String(i).padStart(5, "0")}.ts`));
  }, 90_000);

  it("untrusted or unreachable manifest source: serves nothing, says why; an impostor or manifest-less source: exit 1", async () => {
    const { dir, keys } = suite;
    const [addrL, addrR0] = await leaderAndR0(suite);
    // Manifests signed by a key this relay does not trust.
    const untrustedStats = join(dir, "untrusted.json");
    const untrusted = procs.cli(relayArgs([addrR0], ["--remote-manifests", addrL, "--trusted-key", keys.otherPk, "--stats-json", untrustedStats]));
    // A manifest source nobody listens on.
    const deadKey = addrL.slice("ecmoq://".length, "ecmoq://".length + 64);
    const unreachableStats = join(dir, "unreachable.json");
    const unreachable = procs.cli(relayArgs([addrR0], ["--remote-manifests", `ecmoq://${deadKey}@127.0.0.1:9`, "--trusted-key", keys.leaderPk, "--stats-json", unreachableStats]));
    const addrU = await untrusted.firstLine;
    await unreachable.firstLine;
    await waitFor("untrusted state with objects offered", () => {
      const r = tryStats(untrustedStats);
      return r?.state === "untrusted" && r.upstreams[addrR0].received >= 3 && (r.gate.manifests.rejected["unknown-signer"] ?? 0) >= 3;
    });
    await waitFor("unreachable state", () => tryStats(unreachableStats)?.state === "unreachable");
    // A subscriber of the untrusted relay gets nothing at all.
    const hls = join(dir, "untrusted-hls");
    const subStats = join(dir, "untrusted-sub.json");
    const res = await runCli(subscribeArgs(suite, [addrU], addrU, hls, subStats, "4s", "6s"), { timeoutMs: 30_000 });
    expect(res.code).toBe(1);
    const sub = readStats(subStats);
    expect(sub.segments).toBe(0);
    expect(sub.objects.accepted + sub.manifests.accepted).toBe(0);

    const u = readStats(untrustedStats);
    expect(u.reason).toMatch(/unknown-signer/);
    expect(u.objectsForwarded + u.manifestsForwarded).toBe(0);
    expect(u.node.framesServed).toBe(0);
    expect(u.gate.objects.accepted).toBe(0);
    expect(untrusted.stderr()).toMatch(/relay state.*state=untrusted/);
    const d = readStats(unreachableStats);
    expect(d.reason).toContain("127.0.0.1:9");
    expect(d.objectsForwarded + d.manifestsForwarded).toBe(0);
    expect(unreachable.stderr()).toMatch(/relay state.*state=unreachable/);

    // The leader's address with another node's key: the identity check fails, which never heals.
    const impostor = await runCli(relayArgs([addrR0], ["--remote-manifests", addrL.replace(deadKey, addrR0.slice(8, 72)), "--trusted-key", keys.leaderPk]), { timeoutMs: 30_000 });
    expect(impostor.code).toBe(1);
    expect(impostor.stderr).toMatch(/ec-node relay: manifest source .*failed the identity check/);
    // A manifest source that serves no manifests (R0, objects only, as the default first --remote): exit 1, named.
    const noManifests = await runCli(relayArgs([addrR0], ["--trusted-key", keys.leaderPk]), { timeoutMs: 30_000 });
    expect(noManifests.code).toBe(1);
    expect(noManifests.stderr).toMatch(/ec-node relay: manifest source .*does not serve track manifests/);
  }, 90_000);
});
