/**
 * Followers, measured (issue 13): one live HD broadcast (8.2 Mbit/s, `hdhr-sim --live` on the
 * bench's HD recording) received by four fake tuners. The leader captures antenna A and signs
 * manifests only. Follower B captures antenna B (another device profile), follower C antenna C
 * (another profile, with reception damage bursts), both joining after the leader; a plain
 * capturing publisher (`moq-publish --hdhr`, objects only, its own epoch: no manifests to verify,
 * nothing to match) captures antenna D in the same run as the baseline.
 *
 * - Share matched: each follower's published / captured chunks over the run (from its
 *   `--stats-json`), with the mismatch reasons behind it.
 * - CPU per stream: each follower's CPU (from /proc over the same window) beside the plain
 *   capturing publisher's: what following (verifying the leader's manifests, sealing with its
 *   epoch and seq, hashing each object) costs over capturing alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { hdRecording, HD_MBITS, tempDir } from "./lib/media.js";
import { cpuMark, cpuPercentSince } from "./lib/proc-stats.js";
import { cliOnce, ProcGroup, sleep, type Proc } from "./lib/procs.js";

const STREAM = "bench-follower";
const CHUNK_MS = 1000;
const CHANNEL = "5.1";

function followStats(path: string): { captured: number; published: number; mismatched: Record<string, number> } {
  return JSON.parse(readFileSync(path, "utf8")).follow;
}

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const windowMs = quick ? 12_000 : 40_000;
  const rec = await hdRecording(20);
  const dir = tempDir("follower");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const group = new ProcGroup();
  try {
    const sim = (label: string, extra: string[]) => group.cli(label, ["hdhr-sim", "--input", rec, "--live", "--channel", CHANNEL, ...extra]);
    const sims = [sim("antenna A", []), sim("antenna B", ["--device-profile", "1"]), sim("antenna C", ["--device-profile", "2", "--damage", "seed=5,every=10,burst=16,mode=mix"]), sim("antenna D", ["--device-profile", "3"])];
    const [hostA, hostB, hostC, hostD] = await Promise.all(sims.map(async (s: Proc) => new URL(await s.firstLine()).host));
    const common = ["--channel", CHANNEL, "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS)];
    const leader = group.cli("leader", ["moq-publish", "--hdhr", hostA!, ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"]);
    const addrL = await leader.firstLine();
    await sleep(3000);
    const statsB = join(dir, "b.json");
    const statsC = join(dir, "c.json");
    const follower = (label: string, host: string, stats: string) =>
      group.cli(label, ["moq-publish", "--hdhr", host, ...common, "--follow", addrL, "--trusted-key", pk, "--stats-json", stats]);
    const b = follower("follower B", hostB!, statsB);
    const c = follower("follower C", hostC!, statsC);
    const plain = group.cli("capturing publisher D", ["moq-publish", "--hdhr", hostD!, ...common]);
    await Promise.all([b.firstLine(), c.firstLine(), plain.firstLine()]);
    // Steady state: after the followers' first objects.
    await sleep(4000);
    const marks = [b, c, plain].map((p) => cpuMark(p.pid));
    await sleep(windowMs);
    const [cpuB, cpuC, cpuD] = [b, c, plain].map((p, i) => cpuPercentSince(p.pid, marks[i]!)) as [number, number, number];
    await sleep(1200); // the stats files are rewritten every second
    for (const p of [leader, b, c, plain]) if (!p.running) throw new Error(`${p.label} exited: ${p.tail()}`);
    const sB = followStats(statsB);
    const sC = followStats(statsC);
    const share = (s: typeof sB) => (s.captured ? s.published / s.captured : 0);
    const reasons = (s: typeof sB) => Object.entries(s.mismatched).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
    const note = `${HD_MBITS} Mbit/s, ${CHUNK_MS} ms chunks, CPU over ${windowMs / 1000} s${quick ? " (QUICK)" : ""}`;
    return [
      {
        name: "follower B (another device): share of captured chunks that matched the leader's",
        value: share(sB) * 100,
        unit: "%",
        note: `${sB.published} of ${sB.captured}; not matched: ${reasons(sB)} (the first chunk after joining is expected not to)`,
        detail: { captured: sB.captured, published: sB.published },
      },
      {
        name: "follower C (another device, damage burst every 10 s): share matched",
        value: share(sC) * 100,
        unit: "%",
        note: `${sC.published} of ${sC.captured}; not matched: ${reasons(sC)}`,
        detail: { captured: sC.captured, published: sC.published },
      },
      {
        name: "follower CPU per stream (capture + chunk + verify leader manifests + seal + hash + serve)",
        value: cpuB,
        unit: "% CPU",
        baselineName: "capturing publisher, same broadcast (capture + chunk + seal + serve)",
        baseline: cpuD,
        note: `${note}; damaged follower C: ${cpuC.toFixed(1)}%`,
        detail: { followerB: cpuB, followerC: cpuC, plain: cpuD },
      },
    ];
  } finally {
    await group.stopAll();
  }
}
