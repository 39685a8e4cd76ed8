/**
 * Fan-out: one relay process serving N = 1, 10, 50, 100 subscribers of an 8 Mbit/s stream. The
 * relay is `ec-node moq-publish` on the HD recording in real time (2 s chunks, objects only: an
 * availability relay). Subscribers are `subscribeTrack` clients from `@ec/moq-transport` (identity
 * check, dedupe, resume), held by two helper processes: 100 subscriber processes would not fit on
 * two cores, and the point is the relay's cost, read from /proc: CPU % (utime + stime over a
 * window of whole chunk intervals) and RSS (averaged over the window), each beside the same relay
 * with no subscriber.
 *
 * Each N is a fresh relay whose subscribers connect during its `--startup-delay-ms`, before any
 * data flows: connecting 50 more clients to a relay that is already saturating both cores takes
 * a minute and measures nothing useful.
 *
 * Baseline, same run: a raw `@moq/lite` publisher process sending frames of the same size at the
 * same rate to N plain `@moq/lite` clients (no window store, no per-peer limits, no identity
 * check, no subscription rotation), set up the same way.
 */
import { quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, hdRecording, HD_MBITS } from "./lib/media.js";
import { cpuMark, cpuPercentSince, memoryMB } from "./lib/proc-stats.js";
import { ProcGroup, sleep, type LogLine, type Proc } from "./lib/procs.js";

const STREAM = "bench-fanout";
const STEPS = [0, 1, 10, 50, 100];
/** Clients per helper process. */
const PER_PROC = 50;

interface Step {
  n: number;
  cpu: number;
  rss: number;
  /** Bytes delivered to all subscribers over what the stream carried to each of them. */
  delivered: number;
  /** CPU % of the subscriber processes (they share the two cores with the relay). */
  clientsCpu: number;
}

interface Timing {
  /** One chunk interval, ms. */
  intervalMs: number;
  windowMs: number;
  bytesPerSec: number;
}

/** Sends `cmd` and waits for the next record of `type` from `p`. */
async function ask(p: Proc, cmd: string, type: string, timeoutMs: number): Promise<LogLine> {
  const from = p.lines.length;
  p.send(cmd);
  let seen = 0;
  return p.waitFor((l) => ++seen > from && l.type === type, timeoutMs, `${type} after "${cmd}"`);
}

/** Connects n subscribers (before data flows), starts the stream, and measures the relay. */
async function step(
  group: ProcGroup,
  n: number,
  t: Timing,
  startRelay: () => Promise<{ relay: Proc; clientArg: object; go: () => Promise<void> }>,
): Promise<Step> {
  const { relay, clientArg, go } = await startRelay();
  const clients: Proc[] = [];
  for (let left = n, i = 0; left > 0; left -= PER_PROC, i++) {
    const c = group.helper(`subscribers ${i}`, "fanout-clients.mjs", clientArg);
    clients.push(c);
    await c.waitFor((l) => l.type === "ready", 30_000, "ready");
    await ask(c, `add ${Math.min(PER_PROC, left)}`, "added", 120_000);
  }
  await go();
  // Chunks leave at 0, 1, 2, ... intervals after go(). The window starts half an interval after one
  // and spans whole intervals, so it holds exactly windowMs / intervalMs sends, each with half an
  // interval to reach everyone before the window closes.
  await sleep(1.5 * t.intervalMs);
  const before = await Promise.all(clients.map((c) => ask(c, "report", "report", 30_000)));
  const mark = cpuMark(relay.pid);
  const clientMarks = clients.map((c) => cpuMark(c.pid));
  // RSS swings by several MB with each garbage collection: average it over the window.
  const rssSamples: number[] = [];
  const end = performance.now() + t.windowMs;
  while (performance.now() < end) {
    rssSamples.push(memoryMB(relay.pid).rss);
    await sleep(Math.min(250, Math.max(0, end - performance.now())));
  }
  const cpu = cpuPercentSince(relay.pid, mark);
  const clientsCpu = clients.reduce((s, c, i) => s + cpuPercentSince(c.pid, clientMarks[i]!), 0);
  const after = await Promise.all(clients.map((c) => ask(c, "report", "report", 30_000)));
  const errors = clients.flatMap((c) => c.all("error"));
  if (errors.length) throw new Error(`subscriber errors: ${JSON.stringify(errors.slice(0, 3))}`);
  if (!relay.running) throw new Error(`relay exited: ${relay.tail()}`);
  const bytes = after.reduce((s, r, i) => s + (r.bytes as number) - (before[i]!.bytes as number), 0);
  const rss = rssSamples.reduce((a, b) => a + b, 0) / rssSamples.length;
  const delivered = n ? bytes / (n * t.bytesPerSec * (t.windowMs / 1000)) : 1;
  if (process.env.EC_BENCH_VERBOSE) process.stderr.write(`fanout ${relay.label} n=${n} cpu=${cpu.toFixed(1)} rss=${rss.toFixed(0)} delivered=${delivered.toFixed(2)} clientsCpu=${clientsCpu.toFixed(0)}\n`);
  return { n, cpu, rss, delivered, clientsCpu };
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return num / den;
}

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const plan = chunkPlan(await hdRecording(120), 2000);
  const rec = await hdRecording(60);
  const intervalMs = plan.meanChunkSeconds * 1000;
  // Whole chunk intervals, so each window holds the same number of chunk sends whatever its phase.
  const t: Timing = { intervalMs, windowMs: (quick ? 2 : 3) * intervalMs, bytesPerSec: plan.chunkBytes / plan.mediaSeconds };

  const raw: Step[] = [];
  const ours: Step[] = [];
  for (const n of STEPS) {
    const rawGroup = new ProcGroup();
    try {
      raw.push(
        await step(rawGroup, n, t, async () => {
          const relay = rawGroup.helper("raw publisher", "raw-publisher.mjs", { mode: "paced", streamId: STREAM, frameBytes: Math.round(plan.meanChunkBytes), intervalMs });
          const { port } = await relay.waitFor((l) => l.type === "ready", 30_000, "ready");
          return {
            relay,
            clientArg: { kind: "raw", port, streamId: STREAM },
            go: async () => {
              relay.send("go");
              await relay.waitFor((l) => l.type === "first", 10_000, "first frame");
            },
          };
        }),
      );
    } finally {
      await rawGroup.stopAll();
    }
    const group = new ProcGroup();
    try {
      ours.push(
        await step(group, n, t, async () => {
          // Subscribers connect while the relay waits to ingest; a slow connect only costs time.
          const relay = group.cli("relay", ["moq-publish", "--input", rec, "--stream-id", STREAM, "--startup-delay-ms", "3000"]);
          const remote = await relay.firstLine();
          return {
            relay,
            clientArg: { kind: "ec", remote, streamId: STREAM },
            go: async () => void (await relay.waitFor((l) => l.msg === "first chunk", 30_000, "first chunk")),
          };
        }),
      );
    } finally {
      await group.stopAll();
    }
  }

  const idle = ours[0]!;
  const rawIdle = raw[0]!;
  const rows: BenchRow[] = [
    {
      name: `fan-out relay, no subscriber (reads, chunks, seals ${HD_MBITS} Mbit/s)`,
      value: idle.cpu,
      unit: "% CPU",
      baselineName: "raw @moq/lite publisher, same frames and rate",
      baseline: rawIdle.cpu,
      note: `RSS ${idle.rss.toFixed(0)} MB (raw ${rawIdle.rss.toFixed(0)} MB); % of one core`,
    },
  ];
  // CPU per subscriber is counted per subscriber actually served at the stream's rate: when the
  // receivers cannot keep up (the machine's two cores also run them), fewer bytes leave the relay
  // and its CPU falls with them; dividing by what was delivered keeps the figure a cost per stream.
  const perServed = (s: Step, base: Step) => (s.cpu - base.cpu) / (s.n * Math.max(s.delivered, 1e-3));
  ours.forEach((s, i) => {
    if (s.n === 0) return;
    const r = raw[i]!;
    rows.push(
      {
        name: `fan-out relay CPU per subscriber, N = ${s.n} (per ${HD_MBITS} Mbit/s delivered)`,
        value: perServed(s, idle),
        unit: "% CPU",
        baselineName: "raw @moq/lite publisher, same fan-out",
        baseline: perServed(r, rawIdle),
        note: `relay ${s.cpu.toFixed(1)}% CPU in all (raw ${r.cpu.toFixed(1)}%); delivered ${(s.delivered * 100).toFixed(0)}% of N x stream (raw ${(r.delivered * 100).toFixed(0)}%); receivers ${s.clientsCpu.toFixed(0)}% CPU`,
        detail: { n: s.n, cpu: s.cpu, rawCpu: r.cpu, delivered: s.delivered, rawDelivered: r.delivered, clientsCpu: s.clientsCpu, rawClientsCpu: r.clientsCpu },
      },
      {
        name: `fan-out relay RSS, N = ${s.n}`,
        value: s.rss,
        unit: "MB",
        baselineName: "raw @moq/lite publisher, same fan-out",
        baseline: r.rss,
        note: `${((s.rss - idle.rss) / s.n).toFixed(2)} MB/subscriber over the idle relay (raw ${((r.rss - rawIdle.rss) / s.n).toFixed(2)}); mean over the window`,
        detail: { n: s.n, rss: s.rss, rawRss: r.rss },
      },
    );
  });
  // Each N runs in a fresh process, whose RSS differs by several MB from the last one's for
  // reasons that have nothing to do with N (when the GC ran): a least-squares slope over all N is
  // the per-subscriber figure that noise cannot swamp.
  rows.push({
    name: "fan-out relay RSS per subscriber (slope over N = 0..100)",
    value: slope(ours.map((s) => [s.n, s.rss])),
    unit: "MB",
    baselineName: "raw @moq/lite publisher, same fan-out",
    baseline: slope(raw.map((s) => [s.n, s.rss])),
    note: `one ${(plan.meanChunkBytes / 1e6).toFixed(1)} MB chunk per subscriber would be ${(plan.meanChunkBytes / 1e6).toFixed(1)}`,
  });
  return rows;
}
