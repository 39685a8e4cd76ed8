/**
 * Latency added by the mesh, real-time paced: from a chunk being complete at the publishers to its
 * segment being renamed into place at the subscriber, p50 and p99 over 200+ chunks.
 *
 * Leader (manifests only) and relay (objects only) are `ec-node moq-publish` processes reading the
 * HD recording at 1x with `--chunk-ms 250` (the recording has an IDR every 0.25 s), so chunks
 * arrive four times a second at their real size (~260 kB): 200 chunks in 50 s, as live. A chunk
 * is "complete at the publisher" at the later of the two "published chunk" logs for its seq (the
 * subscriber needs both the manifest and the object); it is in place at the subscriber at its
 * "segment written" log, logged after the segment and the playlist are renamed into place. All
 * three are `--log-format json` lines with millisecond timestamps from the same clock.
 *
 * Baseline, same run, same relay: a plain `@moq/lite` client (none of our code) subscribed to the
 * relay's objects, stamping each arrival: the transport's own share of the latency.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { percentile, quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, hdRecording, tempDir } from "./lib/media.js";
import { cliOnce, ProcGroup, withTimeout, type Proc } from "./lib/procs.js";

const STREAM = "bench-latency";
const CHUNK_MS = 250;
/** Segments written first are left out: backfill and connection warm-up, not steady state. */
const WARMUP = 8;

function bySeq(p: Proc, msg: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of p.all(msg)) if (typeof l.seq === "number" && !m.has(l.seq)) m.set(l.seq, l.at);
  return m;
}

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const rec = await hdRecording(quick ? 20 : 60);
  const plan = chunkPlan(rec, CHUNK_MS);
  const dir = tempDir("latency");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const group = new ProcGroup();
  try {
    const common = ["--input", rec, "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS), "--startup-delay-ms", "3000"];
    const leader = group.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"], "debug");
    const relay = group.cli("relay", ["moq-publish", ...common], "debug");
    const [leaderAddr, relayAddr] = await Promise.all([leader.firstLine(), relay.firstLine()]);
    const stopAfterMs = Math.floor((plan.count - 4) * plan.meanChunkSeconds * 1000);
    const sub = group.cli(
      "subscriber",
      [
        "moq-subscribe", "--remote", relayAddr, "--remote-manifests", leaderAddr, "--stream-id", STREAM, "--trusted-key", pk,
        "--hls-dir", join(dir, "hls"), "--backfill", "1", "--stop-after", `${stopAfterMs}ms`, "--timeout", `${Math.ceil(stopAfterMs / 1000) + 60}s`,
      ],
      "debug",
    );
    const port = Number(/:(\d+)$/.exec(relayAddr)![1]);
    const plain = group.helper("plain client", "raw-client.mjs", { port, streamId: STREAM, track: "chunks", mode: "stamp", rotateAfter: 64 });
    const { code } = await withTimeout(sub.exited, stopAfterMs + 90_000, "subscriber did not finish");
    if (code !== 0) throw new Error(`subscriber exited ${code}: ${sub.tail()}`);

    const leaderAt = bySeq(leader, "published chunk");
    const relayAt = bySeq(relay, "published chunk");
    const writtenAt = bySeq(sub, "segment written");
    const verifiedAt = bySeq(sub, "chunk verified");
    const arrivedAt = bySeq(plain, "frame");
    const seqs = [...writtenAt.keys()].sort((a, b) => a - b).slice(WARMUP);
    const mesh: number[] = [];
    const transport: number[] = [];
    /** Per chunk: [mesh latency, the plain client's transport latency for the same chunk]. */
    const paired: Array<[number, number]> = [];
    const perSeq: Array<[number, number]> = [];
    for (const seq of seqs) {
      const a = leaderAt.get(seq);
      const b = relayAt.get(seq);
      if (a === undefined || b === undefined) continue;
      const m = writtenAt.get(seq)! - Math.max(a, b);
      mesh.push(m);
      perSeq.push([seq, m]);
      const raw = arrivedAt.get(seq);
      if (raw !== undefined) {
        transport.push(raw - b);
        paired.push([m, raw - b]);
      }
    }
    // The slowest 5% of chunks: was the transport slow for them too (the machine stalled), or
    // only our side (GC, fsync)? The plain client's latency for the same chunks says which.
    const slowest = [...paired].sort((x, y) => y[0] - x[0]).slice(0, Math.max(1, Math.ceil(paired.length / 20)));
    // Where the slowest 5% spent their time inside the subscriber: up to verification (receive,
    // wait for the manifest, hash, decrypt) or after it (order, write, rename).
    const slowSplit = [...perSeq]
      .sort((x, y) => y[1] - x[1])
      .slice(0, Math.max(1, Math.ceil(perSeq.length / 20)))
      .flatMap(([q]) => {
        const v = verifiedAt.get(q);
        const start = Math.max(leaderAt.get(q)!, relayAt.get(q)!);
        return v === undefined ? [] : [[v - start, writtenAt.get(q)! - v] as const];
      });
    // Which chunks were slow (seq:ms): scattered, or at the 64-group subscription rotations?
    const slowSeqs = [...perSeq]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 12)
      .map(([q, m]) => `${q}:${m}`)
      .join(" ");
    const dump = process.env.EC_BENCH_DUMP;
    if (dump) {
      const watch = group.watchLines();
      writeFileSync(dump, JSON.stringify({ leaderAt: [...leaderAt], relayAt: [...relayAt], verifiedAt: [...verifiedAt], writtenAt: [...writtenAt], arrivedAt: [...arrivedAt], watch }));
    }
    if (mesh.length === 0) throw new Error("no chunk was both published and written");
    const skew = seqs.map((s) => Math.abs((leaderAt.get(s) ?? 0) - (relayAt.get(s) ?? 0)));
    const n = `${mesh.length} chunks of ${(plan.meanChunkSeconds * 1000).toFixed(0)} ms (${(plan.meanChunkBytes / 1e3).toFixed(0)} kB)${quick ? ", QUICK: fewer than 200" : ""}`;
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return [
      {
        name: "latency added by the mesh, p50 (publisher chunk -> segment in place)",
        value: percentile(mesh, 50),
        unit: "ms",
        baselineName: "plain @moq/lite client, relay -> arrival",
        baseline: percentile(transport, 50),
        note: n,
        detail: { chunks: mesh.length, p50: percentile(mesh, 50), p90: percentile(mesh, 90), p99: percentile(mesh, 99), max: Math.max(...mesh), mean: mean(mesh) },
      },
      {
        name: "latency added by the mesh, p99",
        value: percentile(mesh, 99),
        unit: "ms",
        baselineName: "plain @moq/lite client, relay -> arrival",
        baseline: percentile(transport, 99),
        goal: "p99 < 50 ms",
        note: `max ${Math.max(...mesh)} ms, mean ${mean(mesh).toFixed(1)} ms; slowest 5%: mesh ${percentile(slowest.map((x) => x[0]), 50)} ms with transport ${percentile(slowest.map((x) => x[1]), 50)} ms (medians)${slowSplit.length ? `, of which to verified ${percentile(slowSplit.map((x) => x[0]), 50)} ms + verified to written ${percentile(slowSplit.map((x) => x[1]), 50)} ms` : ""}; leader/relay skew p50 ${percentile(skew, 50)} ms`,
        detail: { transportP50: percentile(transport, 50), transportP99: percentile(transport, 99), transportMax: Math.max(...transport), transportChunks: transport.length, slowestChunks: slowSeqs },
      },
    ];
  } finally {
    await group.stopAll();
  }
}
