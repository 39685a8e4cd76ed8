import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const pkgDir = join(here, "..");

/** Builds the package once if dist is missing (the process scripts import the built package). */
export function ensureBuilt(): void {
  if (!existsSync(join(pkgDir, "dist", "index.js")) || !existsSync(join(pkgDir, "dist", "browser.js"))) {
    execFileSync("pnpm", ["build"], { cwd: pkgDir, stdio: "inherit" });
  }
}

// biome-ignore lint: JSON lines from our own scripts
export type Line = Record<string, any>;

/** A child process running one of test/procs/*.mjs, speaking JSON lines on stdout. */
export class Proc {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #waiters: Array<{ pred: (l: Line) => boolean; resolve: (l: Line) => void }> = [];

  constructor(script: string, arg: unknown, opts: { exposeGc?: boolean } = {}) {
    const args = [...(opts.exposeGc ? ["--expose-gc"] : []), join(here, "procs", script), JSON.stringify(arg)];
    this.child = spawn(process.execPath, args, { cwd: pkgDir, stdio: ["pipe", "pipe", "pipe"] });
    let buf = "";
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          this.stderr.push(`stdout: ${text}`);
          continue;
        }
        this.lines.push(line);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (d: string) => this.stderr.push(d));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.#waiters) w.resolve({ type: "exited", stderr: this.stderr.join("") });
      this.#waiters = [];
    });
  }

  /** Resolves with the first line (already seen or future) matching `pred`; {type:"exited"} if the process dies first. */
  waitFor(pred: (l: Line) => boolean): Promise<Line> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve({ type: "exited", stderr: this.stderr.join("") });
    }
    return new Promise((resolve) => this.#waiters.push({ pred, resolve }));
  }

  /** Resolves once `count` lines match `pred`. */
  async waitCount(pred: (l: Line) => boolean, count: number): Promise<Line[]> {
    for (;;) {
      const got = this.lines.filter(pred);
      if (got.length >= count) return got;
      const before = this.lines.length;
      const l = await this.waitFor((x) => pred(x) && this.lines.indexOf(x) >= before);
      if (l.type === "exited") throw new Error(`process exited early: ${this.stderr.join("").slice(0, 2000)}`);
    }
  }

  /** Asks for a stats line and waits for it. */
  async stats(): Promise<Line> {
    const before = this.lines.length;
    this.child.stdin!.write("stats\n");
    const l = await this.waitFor((x) => x.type === "stats" && this.lines.indexOf(x) >= before);
    if (l.type === "exited") throw new Error(`process exited: ${this.stderr.join("").slice(0, 2000)}`);
    return l;
  }

  async ready(): Promise<Line> {
    const l = await this.waitFor((x) => x.type === "ready");
    if (l.type !== "ready") throw new Error(`process failed to start: ${this.stderr.join("").slice(0, 2000)}`);
    return l;
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Tracks spawned processes so afterEach can kill all of them. */
export class Procs {
  #all: Proc[] = [];
  spawn(script: string, arg: unknown, opts?: { exposeGc?: boolean }): Proc {
    const p = new Proc(script, arg, opts);
    this.#all.push(p);
    return p;
  }
  async killAll(): Promise<void> {
    await Promise.all(this.#all.map((p) => p.kill("SIGKILL")));
    this.#all = [];
  }
}

/** Items of one track from a subscriber's lines. */
export function items(p: Proc, track: string): Line[] {
  return p.lines.filter((l) => l.type === "item" && l.track === track);
}
