/**
 * Split-source throughput: a long HD recording moved, unpaced (`--as-fast-as-possible`), through
 * the whole mesh as three `ec-node` processes on loopback: a leader that signs and serves only
 * manifests, a relay that serves only the encrypted objects, and a subscriber that takes manifests
 * from the leader and objects from the relay, verifies, decrypts and writes HLS.
 *
 * Measured from the moment both publishers have their first chunk (their JSON logs) to the
 * subscriber's last "segment written" log: one machine, one clock. Both publishers start reading
 * after `--startup-delay-ms`, by which time the subscriber is connected; `--window` and
 * `--backfill` are large enough that nothing is dropped, so every chunk is counted.
 *
 * Baseline, same run: raw `@moq/lite` over the same ws + qmux path (one publisher process reading
 * the same file into frames of the mean chunk size, one subscriber process writing each frame to a
 * file), no chunking, crypto, manifests, identity check or HLS; once with the installed @moq/lite
 * (patched, as our nodes run it) and once with 0.2.2 as published (its receive copy is quadratic
 * in the frame size), so the patch's gain shows in the same run. Rounds alternate raw and ours.
 *
 * A fourth round, "from a backlog", separates delivery from ingest: the raw publisher does no
 * per-byte work (it sends the file's bytes as read), while our two publishers chunk, seal, hash
 * and sign the same bytes on the same two cores during the timed window. Here both publishers
 * first publish the whole recording into their windows (`input published`), then the subscriber
 * is started and timed from its object peer's connection to its last segment: what a relay
 * serving a backlog of sealed objects delivers, beside the same raw baseline.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, hdRecording, tempDir, type ChunkPlan } from "./lib/media.js";
import { ProcSampler } from "./lib/proc-stats.js";
import { pristineMoqLite, RAW_MOQ_LITE_ENV } from "./lib/pristine-moq-lite.js";
import { cliOnce, ProcGroup, withTimeout, type Proc } from "./lib/procs.js";

const STREAM = "bench-split";
const STARTUP_DELAY_MS = 4000;
/** Where the rounds write (removed between rounds). */
let scratchOut = "";
let rounds = 0;

interface Figures {
  mbPerSec: number;
  seconds: number;
  chunks: number;
  /** Peak RSS (MB) and CPU seconds per process. */
  procs: Record<string, { peakMB: number; cpuS: number }>;
  note?: string;
}

const firstAt = (p: Proc, msg: string): number => {
  const l = p.all(msg)[0];
  if (!l) throw new Error(`${p.label}: no "${msg}" log line`);
  return l.at;
};

async function ours(rec: string, plan: ChunkPlan, keyPath: string, pk: string, fromBacklog = false): Promise<Figures> {
  const group = new ProcGroup();
  const dir = join(scratchOut, `ours-${++rounds}`);
  mkdirSync(dir, { recursive: true });
  try {
    const delay = fromBacklog ? 0 : STARTUP_DELAY_MS;
    const common = ["--input", rec, "--stream-id", STREAM, "--as-fast-as-possible", "--window", "1024", "--startup-delay-ms", String(delay)];
    const leader = group.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"], "debug");
    const relay = group.cli("relay", ["moq-publish", ...common], "debug");
    const [leaderAddr, relayAddr] = await Promise.all([leader.firstLine(), relay.firstLine()]);
    if (fromBacklog) {
      const published = (p: Proc) => p.waitFor((l) => l.msg === "input published; still serving the window until SIGINT/SIGTERM", 180_000, "input published");
      await Promise.all([published(leader), published(relay)]);
    }
    const sub = group.cli(
      "subscriber",
      [
        "moq-subscribe", "--remote", relayAddr, "--remote-manifests", leaderAddr, "--stream-id", STREAM, "--trusted-key", pk,
        "--hls-dir", join(dir, "hls"), "--backfill", "1024", "--stop-after", `${Math.floor(plan.mediaSeconds * 1000) - 1}ms`,
        "--timeout", "180s",
      ],
      "debug",
    );
    const sampler = new ProcSampler([leader.pid, relay.pid, sub.pid], 250);
    const { code } = await withTimeout(sub.exited, 200_000, "subscriber did not finish");
    sampler.stop();
    if (code !== 0) throw new Error(`subscriber exited ${code}: ${sub.tail()}`);
    const written = sub.all("segment written");
    if (written.length === 0) throw new Error(`subscriber wrote no segment: ${sub.tail()}`);
    const objectPeer = sub.all("peer connected").find((l) => l.role === "objects");
    if (fromBacklog && !objectPeer) throw new Error(`subscriber: no object peer connected log: ${sub.tail()}`);
    const start = fromBacklog ? objectPeer!.at : Math.max(firstAt(leader, "first chunk"), firstAt(relay, "first chunk"));
    const end = written[written.length - 1]!.at;
    // The object feed connects only once a manifest is verified (by design); the manifest peer
    // must be connected before the publishers start, or the run measured part of its start-up.
    const manifestPeer = sub.all("peer connected").find((l) => l.role === "manifests");
    const late = !fromBacklog && (!manifestPeer || manifestPeer.at > start);
    const seconds = (end - start) / 1000;
    const procs: Figures["procs"] = {};
    for (const p of [leader, relay, sub]) procs[p.label] = { peakMB: sampler.peakRss(p.pid), cpuS: sampler.cpuUsed(p.pid) };
    return {
      mbPerSec: plan.fileBytes / 1e6 / seconds,
      seconds,
      chunks: written.length,
      procs,
      ...(late ? { note: "subscriber connected after the publishers started" } : {}),
    };
  } finally {
    await group.stopAll();
  }
}

/** `unpatched`: both raw processes load @moq/lite 0.2.2 as published (lib/pristine-moq-lite.ts). */
async function raw(rec: string, plan: ChunkPlan, unpatched: boolean): Promise<Figures> {
  const group = new ProcGroup();
  const dir = join(scratchOut, `raw-${++rounds}`);
  mkdirSync(dir, { recursive: true });
  const env = unpatched ? { [RAW_MOQ_LITE_ENV]: pristineMoqLite() } : undefined;
  try {
    const frameBytes = Math.round(plan.meanChunkBytes);
    const frames = Math.ceil(plan.fileBytes / frameBytes);
    const pub = group.helper("raw publisher", "raw-publisher.mjs", { mode: "file", streamId: STREAM, file: rec, frameBytes }, env);
    const ready = await pub.waitFor((l) => l.type === "ready", 30_000, "ready");
    const client = group.helper("raw subscriber", "raw-client.mjs", { port: ready.port, streamId: STREAM, track: "chunks", mode: "write", outDir: dir, frames }, env);
    const sampler = new ProcSampler([pub.pid, client.pid], 250);
    const done = await client.waitFor((l) => l.type === "done", 180_000, "all frames");
    sampler.sample();
    sampler.stop();
    const start = firstAt(pub, "start");
    const seconds = (done.at - start) / 1000;
    return {
      mbPerSec: plan.fileBytes / 1e6 / seconds,
      seconds,
      chunks: frames,
      procs: {
        publisher: { peakMB: sampler.peakRss(pub.pid), cpuS: sampler.cpuUsed(pub.pid) },
        subscriber: { peakMB: sampler.peakRss(client.pid), cpuS: sampler.cpuUsed(client.pid) },
      },
    };
  } finally {
    await group.stopAll();
  }
}

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const rec = await hdRecording(quick ? 40 : 120);
  const plan = chunkPlan(rec, 2000);
  const keyPath = join(tempDir("split-key"), "leader.key");
  scratchOut = tempDir("split-out");
  const pk = await cliOnce(["keygen", "--out", keyPath]);

  let best: Figures | undefined;
  let bestRaw: Figures | undefined;
  let bestUnpatched: Figures | undefined;
  let bestBacklog: Figures | undefined;
  const better = (a: Figures | undefined, b: Figures) => (!a || b.mbPerSec > a.mbPerSec ? b : a);
  // The raw subscriber writes the whole recording without fsync; its dirty pages would otherwise be
  // flushed during the next round, and our subscriber's fsyncs would wait behind them. Each round
  // starts on a clean page cache: flushed and its output removed.
  const settle = () => {
    rmSync(scratchOut, { recursive: true, force: true });
    execFileSync("sync");
  };
  for (let round = 0; round < (quick ? 1 : 2); round++) {
    bestUnpatched = better(bestUnpatched, await raw(rec, plan, true));
    settle();
    bestRaw = better(bestRaw, await raw(rec, plan, false));
    settle();
    best = better(best, await ours(rec, plan, keyPath, pk));
    settle();
    bestBacklog = better(bestBacklog, await ours(rec, plan, keyPath, pk, true));
    settle();
  }
  const k = bestBacklog!;
  const o = best!;
  const b = bestRaw!;
  const u = bestUnpatched!;
  const cpu = (f: Figures) =>
    Object.entries(f.procs)
      .map(([k, v]) => `${k} ${v.cpuS.toFixed(1)}`)
      .join(", ");
  const lost = plan.count - o.chunks;
  return [
    {
      name: `split-source, ${(plan.fileBytes / 1e6).toFixed(0)} MB recording (${plan.count} x ${(plan.meanChunkBytes / 1e6).toFixed(1)} MB chunks), leader + relay + subscriber`,
      value: o.mbPerSec,
      unit: "MB/s",
      baselineName: "raw @moq/lite (patched, as our nodes run it) publisher -> subscriber, same ws+qmux path",
      baseline: b.mbPerSec,
      goalRatio: 0.8,
      note: `${o.seconds.toFixed(1)} s vs ${b.seconds.toFixed(1)} s; CPU s: ${cpu(o)} | raw ${cpu(b)}${lost ? `; ${lost} chunks NOT written` : ""}${o.note ? `; ${o.note}` : ""}`,
      detail: {
        chunks: plan.count,
        written: o.chunks,
        seconds: o.seconds,
        rawSeconds: b.seconds,
        ...Object.fromEntries(Object.entries(o.procs).flatMap(([k, v]) => [[`${k}PeakMB`, v.peakMB], [`${k}CpuS`, v.cpuS]])),
        ...Object.fromEntries(Object.entries(b.procs).flatMap(([k, v]) => [[`raw${k}PeakMB`, v.peakMB], [`raw${k}CpuS`, v.cpuS]])),
      },
    },
    {
      name: "  the same run against raw @moq/lite 0.2.2 UNPATCHED (quadratic receive copy)",
      value: o.mbPerSec,
      unit: "MB/s",
      baselineName: "raw @moq/lite 0.2.2 as published, publisher -> subscriber",
      baseline: u.mbPerSec,
      goalRatio: 2,
      note: `raw patched ${b.mbPerSec.toFixed(1)} MB/s = ${(b.mbPerSec / u.mbPerSec).toFixed(2)}x unpatched; ${u.seconds.toFixed(1)} s; CPU s: ${cpu(u)}`,
      detail: { rawUnpatchedSeconds: u.seconds, ...Object.fromEntries(Object.entries(u.procs).flatMap(([k, v]) => [[`unpatched${k}PeakMB`, v.peakMB], [`unpatched${k}CpuS`, v.cpuS]])) },
    },
    {
      name: "  ours from a backlog (publishers done first; object peer connected -> last segment)",
      value: k.mbPerSec,
      unit: "MB/s",
      baselineName: "raw @moq/lite (patched) publisher -> subscriber, same run",
      baseline: b.mbPerSec,
      goalRatio: 0.8,
      note: `${k.seconds.toFixed(1)} s vs ${b.seconds.toFixed(1)} s; CPU s during the whole round: ${cpu(k)}${plan.count - k.chunks ? `; ${plan.count - k.chunks} chunks NOT written` : ""}`,
      detail: { backlogSeconds: k.seconds, backlogWritten: k.chunks },
    },
    {
      name: "  peak RSS during that run: leader / relay / subscriber",
      value: Math.max(o.procs.leader!.peakMB, o.procs.relay!.peakMB, o.procs.subscriber!.peakMB),
      unit: "MB",
      baselineName: "raw publisher / subscriber, max",
      baseline: Math.max(b.procs.publisher!.peakMB, b.procs.subscriber!.peakMB),
      note: `${o.procs.leader!.peakMB.toFixed(0)} / ${o.procs.relay!.peakMB.toFixed(0)} / ${o.procs.subscriber!.peakMB.toFixed(0)} MB | raw ${b.procs.publisher!.peakMB.toFixed(0)} / ${b.procs.subscriber!.peakMB.toFixed(0)} MB (whole window held: --window 1024)`,
    },
  ];
}
