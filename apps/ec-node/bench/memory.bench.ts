/**
 * Memory over a long run: leader, relay and subscriber (`ec-node` processes) move 10 minutes of
 * media, accelerated with `--speed 20` (paced, so about 30 s of wall time), and their RSS is read
 * from /proc every 250 ms. Reported per process: the peak, beside the same process's RSS when
 * it was up and connected but had not ingested anything yet (same run), and the peaks of the first
 * and the second half of the run: a process whose memory grows with run length shows a higher
 * second half.
 *
 * The recording is the committed SD fixture (0.78 Mbit/s, 2 s chunks of about 0.2 MB) looped:
 * at 20x that is 1.6 MB/s, well inside what the mesh moves, so the run measures memory, not a
 * backlog. RSS at HD sizes is in the split-source bench (2 MB chunks).
 */
import { join } from "node:path";
import { quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, sdRecording, tempDir } from "./lib/media.js";
import { ProcSampler } from "./lib/proc-stats.js";
import { cliOnce, ProcGroup, withTimeout, type Proc } from "./lib/procs.js";

const STREAM = "bench-memory";
const SPEED = 20;

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const rec = await sdRecording(quick ? 200 : 600);
  const plan = chunkPlan(rec, 2000);
  const dir = tempDir("memory");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const group = new ProcGroup();
  try {
    const common = ["--input", rec, "--stream-id", STREAM, "--speed", String(SPEED), "--startup-delay-ms", "3000"];
    const leader = group.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"]);
    const relay = group.cli("relay", ["moq-publish", ...common]);
    const sampler = new ProcSampler([leader.pid, relay.pid], 250);
    const [leaderAddr, relayAddr] = await Promise.all([leader.firstLine(), relay.firstLine()]);
    const stopAfterMs = Math.floor((plan.mediaSeconds - 4) * 1000);
    const sub = group.cli(
      "subscriber",
      [
        "moq-subscribe", "--remote", relayAddr, "--remote-manifests", leaderAddr, "--stream-id", STREAM, "--trusted-key", pk,
        "--hls-dir", join(dir, "hls"), "--backfill", "1", "--stop-after", `${stopAfterMs}ms`,
        "--timeout", `${Math.ceil(stopAfterMs / 1000 / SPEED) + 120}s`,
      ],
      "debug",
    );
    sampler.samples.set(sub.pid, []);
    const wallStart = performance.now();
    const { code } = await withTimeout(sub.exited, (stopAfterMs / SPEED) + 150_000, "subscriber did not finish");
    sampler.stop();
    if (code !== 0) throw new Error(`subscriber exited ${code}: ${sub.tail()}`);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const segments = sub.all("segment written");
    if (segments.length < 2) throw new Error("the subscriber wrote fewer than two segments");

    // The active period, on the sampler's clock: first chunk ingested to last segment written.
    const firstChunkAt = Math.max(leader.all("first chunk")[0]!.at, relay.all("first chunk")[0]!.at);
    const lastAt = segments[segments.length - 1]!.at;
    // Convert log timestamps (Date ms) to sampler time (ms since the sampler started).
    const toSampler = (at: number) => at - sampler.startedAt;
    const from = toSampler(firstChunkAt);
    const to = toSampler(lastAt);
    const mid = (from + to) / 2;
    const idleOf = (p: Proc, until: number) => {
      const before = (sampler.samples.get(p.pid) ?? []).filter((s) => s.t < until);
      return before.length ? before[before.length - 1]!.rss : Number.NaN;
    };
    const media = `${(plan.mediaSeconds / 60).toFixed(1)} min of media at ${SPEED}x`;
    const rows: BenchRow[] = [];
    for (const p of [leader, relay, sub]) {
      // The subscriber's idle point is before its first segment; the publishers' before their first chunk.
      const idleUntil = p === sub ? toSampler(segments[0]!.at) : from;
      const first = sampler.peakRss(p.pid, from, mid);
      const second = sampler.peakRss(p.pid, mid, to + 1);
      rows.push({
        name: `peak RSS, ${p.label} (${media})`,
        value: sampler.peakRss(p.pid, from, to + 1),
        unit: "MB",
        baselineName: "same process, connected, before ingest",
        baseline: idleOf(p, idleUntil),
        goal: "no growth with run length",
        note: `peak 1st half ${first.toFixed(0)} MB, 2nd half ${second.toFixed(0)} MB (${second - first >= 0 ? "+" : ""}${(second - first).toFixed(1)} MB)`,
        detail: { firstHalfPeakMB: first, secondHalfPeakMB: second, mediaSeconds: plan.mediaSeconds, wallSeconds, segments: segments.length },
      });
    }
    return rows;
  } finally {
    await group.stopAll();
  }
}
