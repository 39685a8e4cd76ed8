/**
 * One relay hop, measured: `ec-node relay` (verifies every object against the leader's manifests
 * before it stores or forwards it) beside a raw `@moq/lite` forwarder (none of our code: no
 * manifest, no hash, no window store, no identity; procs/raw-forwarder.mjs), both fed by the same
 * capturing relay R0 in the same run.
 *
 * Leader (manifests only) and R0 (objects only) are `ec-node moq-publish` on the HD recording at
 * 1x with `--chunk-ms 250` (4 chunks a second, ~260 kB each, as live). Three plain `@moq/lite`
 * clients stamp each chunk's arrival (one clock): from R0, from `ec-node relay` R1 (upstream R0,
 * manifests from the leader), and from the raw forwarder (upstream R0).
 *
 * - Latency added per hop: arrival from R1 minus the moment R1 could have had both the object and
 *   its manifest (the later of the arrivals from R0 and of manifest seq N from the leader, stamped
 *   by a fourth plain client; the leader issues manifest N with chunk N), per seq, p50/p99 over
 *   200+ chunks. The raw forwarder needs no manifest: arrival from it minus arrival from R0. The
 *   wait for the manifest itself (leader and R0 pace the recording independently, so one can be
 *   a chunk behind the other) is reported beside it: it is the leader's, not the hop's.
 * - CPU per downstream subscriber: each forwarder's CPU (from /proc, over whole chunk intervals)
 *   with 10 more downstream subscribers (`subscribeTrack` clients on R1, plain clients on the
 *   forwarder) minus the same without them, divided by 10.
 */
import { join } from "node:path";
import { percentile, quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { chunkPlan, hdRecording, HD_MBITS, tempDir } from "./lib/media.js";
import { cpuMark, cpuPercentSince } from "./lib/proc-stats.js";
import { cliOnce, ProcGroup, sleep, withTimeout, type LogLine, type Proc } from "./lib/procs.js";

const STREAM = "bench-relay-hop";
const CHUNK_MS = 250;
/** Chunks left out at the start: connection warm-up, not steady state. */
const WARMUP = 8;
const SUBSCRIBERS = 10;

function arrivals(p: Proc): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of p.all("frame")) if (typeof l.seq === "number" && !m.has(l.seq)) m.set(l.seq, l.at);
  return m;
}

function portOf(addr: string): number {
  return Number(/:(\d+)$/.exec(addr)![1]);
}

/** Sends `cmd` and waits for the next record of `type` from `p`. */
async function ask(p: Proc, cmd: string, type: string, timeoutMs: number): Promise<LogLine> {
  const from = p.lines.length;
  p.send(cmd);
  let seen = 0;
  return p.waitFor((l) => ++seen > from && l.type === type, timeoutMs, `${type} after "${cmd}"`);
}

/** CPU % of each process over the same window. */
async function cpuOver(a: number, b: number, ms: number): Promise<[number, number]> {
  const ma = cpuMark(a);
  const mb = cpuMark(b);
  await sleep(ms);
  return [cpuPercentSince(a, ma), cpuPercentSince(b, mb)];
}

export default async function (): Promise<BenchRow[]> {
  const quick = quickRun();
  const latencyChunks = quick ? 60 : 200;
  const intervalMs = CHUNK_MS;
  const windowMs = (quick ? 16 : 32) * intervalMs;
  const seconds = Math.ceil(((WARMUP + latencyChunks) * CHUNK_MS + 2 * windowMs + 20_000) / 1000);
  const rec = await hdRecording(seconds);
  const plan = chunkPlan(rec, CHUNK_MS);
  const dir = tempDir("relay-hop");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const group = new ProcGroup();
  try {
    const common = ["--input", rec, "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS), "--startup-delay-ms", "4000"];
    const leader = group.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"]);
    const r0 = group.cli("r0", ["moq-publish", ...common]);
    const [addrL, addrR0] = await Promise.all([leader.firstLine(), r0.firstLine()]);
    const r1 = group.cli("relay", ["relay", "--stream-id", STREAM, "--remote", addrR0, "--remote-manifests", addrL, "--trusted-key", pk]);
    const fwd = group.helper("raw forwarder", "raw-forwarder.mjs", { upstreamPort: portOf(addrR0), streamId: STREAM });
    const [addrR1, fwdReady] = await Promise.all([r1.firstLine(), fwd.waitFor((l) => l.type === "ready", 30_000, "forwarder ready")]);
    const fwdPort = fwdReady.port as number;
    const stamp = (label: string, port: number, rotateAfter?: number) =>
      group.helper(label, "raw-client.mjs", { port, streamId: STREAM, track: "chunks", mode: "stamp", ...(rotateAfter ? { rotateAfter } : {}) });
    const atR0 = stamp("stamp R0", portOf(addrR0), 64);
    const atR1 = stamp("stamp R1", portOf(addrR1), 64);
    const atFwd = stamp("stamp forwarder", fwdPort);
    const atManifest = group.helper("stamp manifests", "raw-client.mjs", { port: portOf(addrL), streamId: STREAM, track: "manifests", mode: "stamp", rotateAfter: 64 });

    // Latency phase: until R0 has delivered the chunks to measure.
    const need = WARMUP + latencyChunks;
    await withTimeout(
      (async () => {
        while (arrivals(atR0).size < need) await sleep(500);
      })(),
      need * CHUNK_MS + 60_000,
      "chunks from R0",
    );
    await sleep(2000); // let the hops deliver the last ones
    const a0 = arrivals(atR0);
    const a1 = arrivals(atR1);
    const af = arrivals(atFwd);
    const am = arrivals(atManifest);
    const seqs = [...a0.keys()].sort((x, y) => x - y).slice(WARMUP, need);
    const hop: number[] = [];
    const raw: number[] = [];
    /** Arrival from R1 minus arrival from R0 (including any wait for the manifest). */
    const hopFromObject: number[] = [];
    /** How long after the object its manifest was available (0 when the manifest came first). */
    const manifestWait: number[] = [];
    let missing1 = 0;
    let missingF = 0;
    for (const s of seqs) {
      const t0 = a0.get(s)!;
      const t1 = a1.get(s);
      const tf = af.get(s);
      const tm = am.get(s);
      if (t1 === undefined || tm === undefined) missing1++;
      else {
        hop.push(t1 - Math.max(t0, tm));
        hopFromObject.push(t1 - t0);
        manifestWait.push(Math.max(0, tm - t0));
      }
      if (tf === undefined) missingF++;
      else raw.push(tf - t0);
    }
    if (hop.length === 0 || raw.length === 0) throw new Error(`no chunk through both hops (relay ${hop.length}, raw ${raw.length}): ${r1.tail()}`);

    // CPU phase: the same window without, then with, SUBSCRIBERS more downstream subscribers.
    const [idle1, idleF] = await cpuOver(r1.pid, fwd.pid, windowMs);
    const ecSubs = group.helper("subscribers R1", "fanout-clients.mjs", { kind: "ec", remote: addrR1, streamId: STREAM });
    const rawSubs = group.helper("subscribers forwarder", "fanout-clients.mjs", { kind: "raw", port: fwdPort, streamId: STREAM });
    await Promise.all([ecSubs, rawSubs].map((c) => c.waitFor((l) => l.type === "ready", 30_000, "ready")));
    await Promise.all([ask(ecSubs, `add ${SUBSCRIBERS}`, "added", 60_000), ask(rawSubs, `add ${SUBSCRIBERS}`, "added", 60_000)]);
    await sleep(1.5 * intervalMs);
    const before = await Promise.all([ask(ecSubs, "report", "report", 30_000), ask(rawSubs, "report", "report", 30_000)]);
    const [busy1, busyF] = await cpuOver(r1.pid, fwd.pid, windowMs);
    const after = await Promise.all([ask(ecSubs, "report", "report", 30_000), ask(rawSubs, "report", "report", 30_000)]);
    const streamBytes = (plan.chunkBytes / plan.mediaSeconds) * (windowMs / 1000) * SUBSCRIBERS;
    const delivered = after.map((r, i) => ((r.bytes as number) - (before[i]!.bytes as number)) / streamBytes) as [number, number];
    if (!r1.running) throw new Error(`relay exited: ${r1.tail()}`);
    const perSub = (busy: number, idle: number, d: number) => (busy - idle) / (SUBSCRIBERS * Math.max(d, 1e-3));

    const n = `${hop.length} chunks of ${(plan.meanChunkSeconds * 1000).toFixed(0)} ms (${(plan.meanChunkBytes / 1e3).toFixed(0)} kB)${quick ? ", QUICK: fewer than 200" : ""}`;
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return [
      {
        name: "latency added per relay hop, p50 (ec-node relay: arrival from R1 - object and manifest upstream)",
        value: percentile(hop, 50),
        unit: "ms",
        baselineName: "raw @moq/lite forwarder, same upstream",
        baseline: percentile(raw, 50),
        note: `${n}; not delivered in time: relay ${missing1}, raw ${missingF}; counted from the object alone: p50 ${percentile(hopFromObject, 50)} ms, of which waiting for the leader's manifest p50 ${percentile(manifestWait, 50)} ms`,
        detail: {
          p50: percentile(hop, 50), p90: percentile(hop, 90), p99: percentile(hop, 99), max: Math.max(...hop), mean: mean(hop), rawP90: percentile(raw, 90), rawMax: Math.max(...raw),
          fromObjectP50: percentile(hopFromObject, 50), fromObjectP99: percentile(hopFromObject, 99), manifestWaitP50: percentile(manifestWait, 50), manifestWaitP99: percentile(manifestWait, 99),
        },
      },
      {
        name: "latency added per relay hop, p99",
        value: percentile(hop, 99),
        unit: "ms",
        baselineName: "raw @moq/lite forwarder, same upstream",
        baseline: percentile(raw, 99),
        note: `max ${Math.max(...hop)} ms (raw ${Math.max(...raw)} ms); from the object alone p99 ${percentile(hopFromObject, 99)} ms (manifest wait p99 ${percentile(manifestWait, 99)} ms)`,
      },
      {
        name: `relay CPU, ${HD_MBITS} Mbit/s in, one downstream (verify + store + serve)`,
        value: idle1,
        unit: "% CPU",
        baselineName: "raw @moq/lite forwarder",
        baseline: idleF,
        note: `% of one core, over ${windowMs / 1000} s`,
      },
      {
        name: `relay CPU per downstream subscriber (N = ${SUBSCRIBERS} added, per ${HD_MBITS} Mbit/s delivered)`,
        value: perSub(busy1, idle1, delivered[0]!),
        unit: "% CPU",
        baselineName: "raw @moq/lite forwarder, same N",
        baseline: perSub(busyF, idleF, delivered[1]!),
        note: `relay ${busy1.toFixed(1)}% with them, ${idle1.toFixed(1)}% without (raw ${busyF.toFixed(1)}% / ${idleF.toFixed(1)}%); delivered ${(delivered[0]! * 100).toFixed(0)}% of N x stream (raw ${(delivered[1]! * 100).toFixed(0)}%)`,
        detail: { busy: busy1, idle: idle1, rawBusy: busyF, rawIdle: idleF, delivered: delivered[0], rawDelivered: delivered[1] },
      },
    ];
  } finally {
    await group.stopAll();
  }
}
