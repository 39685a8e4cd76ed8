/**
 * CPU time and memory of another process, read from Linux `/proc`: utime + stime from
 * `/proc/<pid>/stat` (clock ticks, converted with `getconf CLK_TCK`), and VmRSS / VmHWM from
 * `/proc/<pid>/status`. Reading /proc costs the measured process nothing, unlike asking it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}

/** Resident set size now and its high-water mark, in MB (10^6 bytes). */
export function memoryMB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** A CPU-time reading to take a delta from. */
export interface CpuMark {
  cpu: number;
  wall: number;
}

export function cpuMark(pid: number): CpuMark {
  return { cpu: cpuSeconds(pid), wall: performance.now() };
}

/** CPU use between `since` and now, in percent of one core (200 = two cores busy). */
export function cpuPercentSince(pid: number, since: CpuMark): number {
  const now = cpuMark(pid);
  return ((now.cpu - since.cpu) / ((now.wall - since.wall) / 1000)) * 100;
}

/** One sample of one process. */
export interface ProcSample {
  /** ms since the sampler started. */
  t: number;
  /** Resident set size, MB. */
  rss: number;
  /** CPU seconds used so far. */
  cpu: number;
}

/**
 * Samples RSS and CPU time of some processes every `intervalMs` until stopped. A process that has
 * exited is skipped silently: its last samples stay, so a process that ends by itself (a
 * subscriber reaching --stop-after) is still accounted for up to its last sample.
 */
export class ProcSampler {
  readonly samples = new Map<number, ProcSample[]>();
  /** Date.now() when sampling started: sample `t` + startedAt is on the clock of the JSON logs. */
  readonly startedAt = Date.now();
  readonly #start = performance.now();
  readonly #timer: NodeJS.Timeout;

  constructor(pids: number[], intervalMs = 1000) {
    for (const pid of pids) this.samples.set(pid, []);
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  /** Takes one sample now (also called on the interval). */
  sample(): void {
    const t = performance.now() - this.#start;
    for (const [pid, list] of this.samples) {
      try {
        list.push({ t, rss: memoryMB(pid).rss, cpu: cpuSeconds(pid) });
      } catch {
        // exited
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Peak RSS (MB) over samples with `from <= t < to` (ms since start). */
  peakRss(pid: number, from = 0, to = Infinity): number {
    let peak = 0;
    for (const s of this.samples.get(pid) ?? []) if (s.t >= from && s.t < to) peak = Math.max(peak, s.rss);
    return peak;
  }

  /** CPU seconds used between the first and the last sample. */
  cpuUsed(pid: number): number {
    const list = this.samples.get(pid) ?? [];
    return list.length < 2 ? 0 : list[list.length - 1]!.cpu - list[0]!.cpu;
  }
}
