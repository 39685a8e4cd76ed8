/**
 * Preloaded (`node --import`) into a bench process when `EC_BENCH_LOOP_WATCH` names its label:
 * logs, as JSON lines on stderr beside the process's own logs, every event-loop stall over 4 ms
 * (with the CPU time the process used meanwhile: about the stall's length means our own work,
 * much less means the process was not scheduled or waited in a syscall) and every GC pause over
 * 2 ms. A diagnostic for the latency tail; it adds a 2 ms timer, so not for figures.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";

const TICK_MS = 2;
const STALL_MS = 4;
const GC_MS = 2;

function log(startMs, fields) {
  const ts = new Date(performance.timeOrigin + startMs).toISOString();
  process.stderr.write(JSON.stringify({ ts, level: "debug", ...fields }) + "\n");
}

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.duration > GC_MS) log(e.startTime, { msg: "loop-watch gc", ms: +e.duration.toFixed(1), kind: e.detail?.kind });
  }
}).observe({ entryTypes: ["gc"] });

let last = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const late = now - last - TICK_MS;
  if (late > STALL_MS) {
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    log(last, { msg: "loop-watch stall", ms: +late.toFixed(1), cpuMs: +cpuMs.toFixed(1) });
  }
  last = now;
  lastCpu = cpu;
}, TICK_MS).unref();
