/**
 * Live TV from many antennas (issue 13), as operators would run it: one live broadcast received
 * by three fake tuners (`hdhr-sim --live`), B a different device, C with reception damage. The
 * leader captures A and publishes manifests only; followers B and C capture their own tuner,
 * join later, and serve the leader's objects; the subscriber takes objects from C and B and
 * manifests from the leader. Every process is a real `ec-node` on loopback.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { meshSuite, readPlaylist, readStats, RECORDING, tryStats, waitFor } from "./procs/mesh.js";

const suite = meshSuite("ec-live-antennas-");
const CHUNK_MS = 1000;
const CHUNK_TICKS = CHUNK_MS * 90;
const STREAM = "live-tv";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The leader's own capture, by leader seq: `--dump-chunks` names files `<seq>-<firstPts>.ts`. */
function dumpedChunks(dir: string): Map<number, { firstPts: number; bytes: Buffer }> {
  const out = new Map<number, { firstPts: number; bytes: Buffer }>();
  for (const f of readdirSync(dir)) {
    const m = /^(\d+)-(\d+)\.ts$/.exec(f);
    if (m) out.set(Number(m[1]), { firstPts: Number(m[2]), bytes: readFileSync(join(dir, f)) });
  }
  return out;
}

/** `capture-mismatch` log lines of a follower: the leader seq (when known) and the reason. */
function mismatchesIn(stderr: string): Array<{ seq?: number; reason: string }> {
  return stderr
    .split("\n")
    .filter((l) => /\bmsg="?capture-mismatch\b/.test(l))
    .map((l) => ({ seq: /\bseq=(\d+)/.exec(l)?.[1] !== undefined ? Number(/\bseq=(\d+)/.exec(l)![1]) : undefined, reason: /\breason=([\w-]+)/.exec(l)?.[1] ?? "?" }));
}

describe("three antennas, one channel", () => {
  it("followers serve exactly the leader's objects; damaged chunks are never served by the damaged antenna", async () => {
    const { dir, keys, procs } = suite;
    const sim = (name: string, extra: string[]) => procs.cli(["hdhr-sim", "--input", RECORDING, "--live", "--channel", "5.1", ...extra]);
    const hostOf = async (r: { firstLine: Promise<string> }) => new URL(await r.firstLine).host;
    // Three antennas of one broadcast: B another device, C damaged (a burst every 3 s of broadcast).
    const [simA, simB, simC] = [sim("A", []), sim("B", ["--device-profile", "1"]), sim("C", ["--damage", "seed=11,every=3,burst=24,mode=mix"])];
    const [hostA, hostB, hostC] = await Promise.all([hostOf(simA), hostOf(simB), hostOf(simC)]);

    const leaderDump = join(dir, "leader-chunks");
    const leader = procs.cli([
      "moq-publish", "--hdhr", hostA, "--channel", "5.1", "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS),
      "--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false", "--dump-chunks", leaderDump,
    ]);
    const leaderAddr = await leader.firstLine;
    const follower = (host: string, stats: string) =>
      procs.cli([
        "moq-publish", "--hdhr", host, "--channel", "5.1", "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS),
        "--follow", leaderAddr, "--trusted-key", keys.leaderPk, "--stats-json", stats,
      ]);
    const started = Date.now();
    await sleep(3000);
    const statsC = join(dir, "c.json");
    const c = follower(hostC, statsC);
    await sleep(Math.max(0, 7500 - (Date.now() - started)));
    const statsB = join(dir, "b.json");
    const b = follower(hostB, statsB);
    const [addrB, addrC] = await Promise.all([b.firstLine, c.firstLine]);
    await waitFor("follower B to publish", () => (tryStats(statsB)?.follow?.published ?? 0) > 0, 30_000);

    const hls = join(dir, "hls");
    const subStats = join(dir, "sub.json");
    const sub = procs.cli([
      "moq-subscribe", "--stream-id", STREAM, "--remote", addrC, "--remote", addrB, "--remote-manifests", leaderAddr,
      "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--stop-after", "10s", "--timeout", "60s",
      "--stats-json", subStats,
    ]);
    const done = await sub.exit;
    expect(done.code, done.stderr.slice(-3000)).toBe(0);
    // Let the followers write their final stats.
    await sleep(1200);

    const sB = readStats(statsB).follow;
    const sC = readStats(statsC).follow;
    // Convergence: a follower's first object is at most one chunk after the first grid line it captured.
    for (const s of [sB, sC]) {
      expect(s.firstAligned, JSON.stringify(s)).toBeDefined();
      expect(s.firstPublished, JSON.stringify(s)).toBeDefined();
      // (It may be sooner: a capture-start chunk that happens to begin on the leader's cut matches too.)
      const lag = s.firstPublished.firstPts - s.firstAligned.firstPts;
      expect(lag, JSON.stringify(s)).toBeLessThanOrEqual(CHUNK_TICKS + CHUNK_TICKS / 2);
    }
    // B, another device of the same broadcast, matches every chunk after its start.
    expect(sB.mismatched["hash-mismatch"] ?? 0, JSON.stringify(sB)).toBe(0);
    expect(sB.mismatched["no-entry"] ?? 0, JSON.stringify(sB)).toBe(0);
    // C's damage shows in its counters and its log, by seq.
    const cMismatches = mismatchesIn(c.stderr());
    const damagedAtC = cMismatches.filter((m) => m.seq !== undefined && m.reason !== "unaligned").map((m) => m.seq!);
    expect(cMismatches.length, `${JSON.stringify(sC)}\n${simC.stderr().slice(-1500)}\n${c.stderr().split("\n").filter((l) => !l.includes("level=debug")).slice(-30).join("\n")}`).toBeGreaterThan(0);
    expect((sC.mismatched["hash-mismatch"] ?? 0) + (sC.mismatched["size-mismatch"] ?? 0) + (sC.mismatched["no-entry"] ?? 0)).toBeGreaterThan(0);

    // Every segment, from B's first aligned chunk on, is the leader's chunk at that seq, byte for byte.
    const leaderChunks = dumpedChunks(leaderDump);
    const playlist = readPlaylist(hls);
    const written = new Map<number, Buffer>();
    const seqs: number[] = [];
    for (const seg of playlist.segments) {
      const bytes = readFileSync(join(hls, seg.uri));
      const match = [...leaderChunks].find(([, ch]) => ch.bytes.equals(bytes));
      expect(match, `segment ${seg.uri} is no chunk of the leader's capture`).toBeDefined();
      seqs.push(match![0]);
      written.set(match![0], bytes);
    }
    const fromB = sB.firstPublished.seq as number;
    const tail = seqs.filter((s) => s >= fromB);
    expect(tail.length).toBeGreaterThan(3);
    for (let i = 1; i < tail.length; i++) expect(tail[i], `seqs ${tail.join(",")}`).toBe(tail[i - 1]! + 1);
    // The chunks C could not serve were written all the same (from B).
    const inRange = damagedAtC.filter((s) => s >= tail[0]! && s <= tail[tail.length - 1]!);
    for (const s of inRange) expect(written.has(s), `damaged seq ${s} missing`).toBe(true);
    // And the subscriber never had to reject anything: followers serve nothing the leader did not sign.
    const subS = readStats(subStats);
    expect(subS.objects.rejected).toEqual({});
  }, 120_000);
});

/**
 * The same shape against two real HDHomeRun tuners (or two devices) receiving one channel: skipped
 * unless `EC_HDHR_HOSTS=hostA,hostB` names them (`EC_HDHR_CHANNEL`, default 2.1). docs/USAGE.md
 * ("The end-to-end tests") says how to run it.
 */
const realHosts = (process.env.EC_HDHR_HOSTS ?? "").split(",").filter(Boolean);
describe.skipIf(realHosts.length < 2)("two real tuners, one channel (EC_HDHR_HOSTS)", () => {
  it("a follower on the second tuner serves the leader's objects", async () => {
    const { dir, keys, procs } = suite;
    const channel = process.env.EC_HDHR_CHANNEL ?? "2.1";
    const [hostA, hostB] = realHosts as [string, string];
    const leader = procs.cli([
      "moq-publish", "--hdhr", hostA, "--channel", channel, "--stream-id", "real-live",
      "--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false",
    ]);
    const leaderAddr = await leader.firstLine;
    await sleep(5000);
    const statsB = join(dir, "real-b.json");
    const b = procs.cli([
      "moq-publish", "--hdhr", hostB, "--channel", channel, "--stream-id", "real-live",
      "--follow", leaderAddr, "--trusted-key", keys.leaderPk, "--stats-json", statsB,
    ]);
    const addrB = await b.firstLine;
    await waitFor("the follower to publish", () => (tryStats(statsB)?.follow?.published ?? 0) > 0, 60_000);
    const hls = join(dir, "hls-real-live");
    const sub = await procs.cli([
      "moq-subscribe", "--stream-id", "real-live", "--remote", addrB, "--remote-manifests", leaderAddr,
      "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--stop-after", "10s", "--timeout", "90s",
    ]).exit;
    expect(sub.code, sub.stderr.slice(-2000)).toBe(0);
    expect(readPlaylist(hls).segments.length).toBeGreaterThan(0);
    const s = readStats(statsB).follow;
    // Two real devices: most chunks should match; report the share either way.
    console.log(`follower matched ${s.published} of ${s.captured} captured chunks; mismatches ${JSON.stringify(s.mismatched)}`);
    expect(s.published).toBeGreaterThan(0);
  }, 180_000);
});
