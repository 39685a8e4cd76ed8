/**
 * Start-up: from spawning `ec-node moq-subscribe` to its first playable segment (segment and
 * playlist renamed into place), in chunk durations, against a split mesh already running in real
 * time (leader + relay on the HD recording, default 2 s chunks). The subscriber joins with the
 * default `--backfill 3`, so it starts three chunks behind the live edge from the relay's window.
 *
 * Baseline, same run, same relay: spawning a plain `@moq/lite` client process (none of our code:
 * no identity check, no manifest, no decryption, no disk) until its first object arrives. Both
 * include starting Node and loading modules; the difference is our layer. Several trials each,
 * alternating; medians reported.
 */
import { join } from "node:path";
import { percentile, quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, hdRecording, tempDir } from "./lib/media.js";
import { cliOnce, ProcGroup, sleep, withTimeout, type LogLine } from "./lib/procs.js";

const STREAM = "bench-startup";

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const trials = quick ? 3 : 7;
  const rec = await hdRecording(120);
  const plan = chunkPlan(rec, 2000);
  const chunkMs = plan.meanChunkSeconds * 1000;
  const dir = tempDir("startup");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const mesh = new ProcGroup();
  try {
    const common = ["--input", rec, "--stream-id", STREAM];
    const leader = mesh.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"]);
    const relay = mesh.cli("relay", ["moq-publish", ...common]);
    const [leaderAddr, relayAddr] = await Promise.all([leader.firstLine(), relay.firstLine()]);
    // Let the window fill past the backfill, as for a subscriber joining a stream that is on air.
    await relay.waitFor((l) => l.msg === "first chunk", 30_000, "first chunk");
    await sleep(4 * chunkMs);
    const port = Number(/:(\d+)$/.exec(relayAddr)![1]);

    const ours: number[] = [];
    const plain: number[] = [];
    // Where the start-up goes: each milestone of the subscriber's debug log, ms after spawn.
    const milestones: Record<string, number[]> = {};
    const milestone = (name: string, at: number | undefined, spawnedAt: number) => {
      if (at !== undefined) (milestones[name] ??= []).push(at - spawnedAt);
    };
    for (let i = 0; i < trials; i++) {
      const g = new ProcGroup();
      try {
        const sub = g.cli(
          "subscriber",
          [
            "moq-subscribe", "--remote", relayAddr, "--remote-manifests", leaderAddr, "--stream-id", STREAM, "--trusted-key", pk,
            "--hls-dir", join(dir, `hls-${i}`), "--stop-after", "1s", "--timeout", "30s",
          ],
          "debug",
        );
        const first = await sub.waitFor((l) => l.msg === "segment written", 30_000, "first segment");
        ours.push(first.at - sub.spawnedAt);
        const at = (pred: (l: LogLine) => boolean) => sub.lines.find(pred)?.at;
        milestone("running", at((l) => l.msg === "subscribing"), sub.spawnedAt);
        milestone("manifest peer connected", at((l) => l.msg === "peer connected" && l.role === "manifests"), sub.spawnedAt);
        milestone("first manifest verified", at((l) => l.msg === "manifest signer verified"), sub.spawnedAt);
        milestone("object peer connected", at((l) => l.msg === "peer connected" && l.role === "objects"), sub.spawnedAt);
        milestone("first segment in place", first.at, sub.spawnedAt);
        await withTimeout(sub.exited, 30_000, "subscriber did not stop after its first segment");
        const client = g.helper("plain client", "raw-client.mjs", { port, streamId: STREAM, track: "chunks", mode: "first" });
        const got = await client.waitFor((l) => l.type === "first", 30_000, "first object");
        plain.push(got.at - client.spawnedAt);
      } finally {
        await g.stopAll();
      }
    }
    const median = (xs: number[]) => percentile(xs, 50);
    return [
      {
        name: `start-up: moq-subscribe spawn -> first playable segment (${(chunkMs / 1000).toFixed(1)} s chunks, backfill 3)`,
        value: median(ours) / chunkMs,
        unit: "chunk durations",
        baselineName: "plain @moq/lite client: spawn -> first object",
        baseline: median(plain) / chunkMs,
        note: `median of ${trials}: ${median(ours).toFixed(0)} ms vs ${median(plain).toFixed(0)} ms; worst ${Math.max(...ours).toFixed(0)} ms`,
        detail: { trials, chunkMs, oursMs: ours.join(" "), plainMs: plain.join(" ") },
      },
      {
        name: "  where it goes (median ms after spawn)",
        value: median(ours),
        unit: "ms",
        note: Object.entries(milestones)
          .map(([k, v]) => `${k} ${median(v).toFixed(0)}`)
          .join(", "),
        detail: Object.fromEntries(Object.entries(milestones).map(([k, v]) => [k, median(v)])),
      },
    ];
  } finally {
    await mesh.stopAll();
  }
}
