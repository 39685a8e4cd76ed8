/**
 * Child processes for the mesh benches: `ec-node` commands and the raw `@moq/lite` helpers, each a
 * real process on loopback whose JSON output lines (the CLI's `--log-format json` logs on stderr,
 * the helpers' records on stdout) are collected with their timestamps.
 *
 * Every process started here is registered in a {@link ProcGroup}; a bench stops its group in a
 * `finally`, and a process-exit hook SIGKILLs anything still alive, so a failed or interrupted run
 * never leaves a node serving on a port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The built `ec-node` binary (`pnpm build` makes it). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** A helper script in `bench/procs/`. */
export function procScript(name: string): string {
  return fileURLToPath(new URL(`../procs/${name}`, import.meta.url));
}

/** One JSON line a child printed: its parsed fields, and `at` = its `ts` (ms since the epoch). */
export interface LogLine {
  at: number;
  msg?: string;
  type?: string;
  [field: string]: unknown;
}

const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of alive) p.kill("SIGKILL");
});
// Ctrl-C or a kill: exit through the 'exit' hooks (children killed, scratch directory removed).
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));

/** A running child process with its JSON lines. */
export class Proc {
  readonly child: ChildProcess;
  /** Every JSON line seen so far, from stdout and stderr, in arrival order. */
  readonly lines: LogLine[] = [];
  /** Non-JSON output, kept (bounded) to explain a failure. */
  #text = "";
  /** Every non-empty stdout line so far, in order (an EndpointAddr, a page URL, helper records). */
  readonly #stdout: string[] = [];
  #waiters: Array<() => void> = [];
  #closed = false;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Date.now() just before spawn. */
  readonly spawnedAt: number;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {},
  ) {
    this.spawnedAt = Date.now();
    this.child = spawn(command, args, {
      stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
      env: { ...process.env, ...opts.env },
    });
    alive.add(this.child);
    // A failed spawn, or a command written to a child that just exited, must not crash the bench.
    this.child.on("error", (err) => (this.#text += `${err.message}\n`));
    this.child.stdin?.on("error", () => {});
    this.#collect(this.child.stdout!, (line) => this.#stdout.push(line));
    this.#collect(this.child.stderr!, () => {});
    // 'close' (not 'exit'): it comes after the pipes are drained, so every line the child printed
    // before it ended has been seen.
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code, signal) => {
        alive.delete(this.child);
        this.#closed = true;
        this.#wake();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first stdout line (an EndpointAddr for `moq-publish`, a JSON record for the helpers). */
  firstLine(timeoutMs = 30_000): Promise<string> {
    return this.stdoutLine(0, timeoutMs);
  }

  /** The `n`th (from 0) non-empty stdout line: with `--serve-web`, line 1 is the page's URL. */
  async stdoutLine(n: number, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#stdout[n];
      if (line !== undefined) return line;
      if (this.#closed) throw new Error(`${this.label} exited before printing stdout line ${n + 1}: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: stdout line ${n + 1} not printed (timed out after ${timeoutMs} ms)`);
      await this.#sleepUntilWoken(left);
    }
  }

  /** Resolves with the first line matching `pred` (already seen or future); rejects on exit or timeout. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    let from = 0;
    for (;;) {
      for (; from < this.lines.length; from++) if (pred(this.lines[from]!)) return this.lines[from]!;
      if (this.#closed) throw new Error(`${this.label} exited while waiting for ${what}: ${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}`);
      await this.#sleepUntilWoken(left);
    }
  }

  /** Resolves on the next output or exit, or after `ms` (at most a second). */
  #sleepUntilWoken(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, Math.min(ms, 1000));
      this.#waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  /** Lines with the CLI log message `msg` (or helper record type `msg`). */
  all(msg: string): LogLine[] {
    return this.lines.filter((l) => l.msg === msg || l.type === msg);
  }

  /** Writes one line on the child's stdin (helpers take commands there). */
  send(line: string): void {
    this.child.stdin?.write(line + "\n");
  }

  /** The last lines of output, for an error message. */
  tail(): string {
    const last = this.lines.slice(-4).map((l) => JSON.stringify(l));
    return [this.#text.slice(-600), ...last].filter(Boolean).join(" | ").slice(-1500);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      const r = await this.exited;
      clearTimeout(t);
      return r;
    }
    return this.exited;
  }

  #collect(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line) continue;
        onLine(line);
        if (line.startsWith("{")) {
          try {
            const o = JSON.parse(line) as Record<string, unknown>;
            const at = typeof o.ts === "string" ? Date.parse(o.ts) : typeof o.ts === "number" ? o.ts : Date.now();
            this.lines.push({ ...o, at });
          } catch {
            this.#text = (this.#text + line + "\n").slice(-4000);
          }
        } else {
          this.#text = (this.#text + line + "\n").slice(-4000);
        }
      }
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

let profiles = 0;

/** The processes of one bench; `stopAll()` in a `finally`. */
export class ProcGroup {
  readonly #procs: Proc[] = [];

  /**
   * Starts `ec-node <args>` with JSON logs on stderr at `logLevel`. With `EC_BENCH_PROFILE=<dir>`,
   * each thread of each process writes a V8 CPU profile when it exits, in `<dir>/<label>-<time>-<n>/`;
   * summarise with `pnpm tsx apps/ec-node/bench/profile-summary.ts <dir>`). With
   * `EC_BENCH_LOOP_WATCH=<label>[,<label>…]`, those processes log their event-loop stalls and GC
   * pauses (`procs/loop-watch.mjs`); `EC_BENCH_DUMP=<file>` makes a bench that supports it save
   * its per-chunk timings and those lines.
   */
  cli(label: string, args: string[], logLevel: "debug" | "info" = "info"): Proc {
    const profileDir = process.env.EC_BENCH_PROFILE;
    // One directory per process, named by Node per thread: a fixed --cpu-prof-name would let a
    // worker thread's profile (the HLS publish thread) overwrite the main thread's.
    const node = profileDir ? ["--cpu-prof", "--cpu-prof-dir", join(profileDir, `${label}-${Date.now()}-${++profiles}`)] : [];
    const watched = (process.env.EC_BENCH_LOOP_WATCH ?? "").split(",").includes(label);
    const watch = watched ? ["--import", pathToFileURL(procScript("loop-watch.mjs")).href] : [];
    return this.add(new Proc(label, process.execPath, [...node, ...watch, CLI, ...args, "--log-format", "json", "--log-level", logLevel]));
  }

  /** Starts a helper from `bench/procs/` with a JSON argument (stdin open for commands) and extra `env`. */
  helper(label: string, script: string, arg: unknown, env?: NodeJS.ProcessEnv): Proc {
    return this.add(new Proc(label, process.execPath, [procScript(script), JSON.stringify(arg)], { stdin: true, ...(env ? { env } : {}) }));
  }

  /** The `loop-watch` lines of every process of the group, each with its process's label. */
  watchLines(): Array<LogLine & { proc: string }> {
    return this.#procs.flatMap((p) => p.lines.filter((l) => String(l.msg).startsWith("loop-watch")).map((l) => ({ ...l, proc: p.label })));
  }

  /** Adopts a process started elsewhere, so `stopAll()` stops it too. */
  add(p: Proc): Proc {
    this.#procs.push(p);
    return p;
  }

  /** Stops every process of the group (SIGTERM, then SIGKILL after 5 s). */
  async stopAll(): Promise<void> {
    await Promise.all(this.#procs.splice(0).map((p) => p.stop()));
  }
}

/** `p`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} (timed out after ${ms} ms)`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs `ec-node <args>` to completion and returns its stdout; throws with its stderr on failure. */
export async function cliOnce(args: string[], timeoutMs = 30_000): Promise<string> {
  const p = new Proc(`ec-node ${args[0]}`, process.execPath, [CLI, ...args]);
  let out = "";
  p.child.stdout!.on("data", (d: string) => (out += d));
  const t = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  const { code, signal } = await p.exited;
  clearTimeout(t);
  if (code !== 0) throw new Error(`ec-node ${args.join(" ")} failed (${code ?? signal}): ${p.tail()}`);
  return out.trim();
}
