/**
 * SIGTERM stops `ec-node demo` and every node it started, every time (issue 14 item 7).
 *
 * `timeout`, systemd and container runtimes stop a service with SIGTERM, often to the whole process
 * group; the demo once stayed up until SIGKILL because a child that died of the second SIGTERM had
 * already emitted "exit" and the demo waited for another one. Real processes, several repetitions.
 */
import { describe, expect, it, afterAll, afterEach } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "./cli-harness.js";

const root = mkdtempSync(join(tmpdir(), "ec-demo-sigterm-"));
/** Process groups of demos still running: a failed (timed-out) test must not leave them behind. */
const running = new Set<number>();
afterEach(() => {
  for (const pgid of running) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  running.clear();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A process as /proc sees it: pid plus start time, so a reused pid is not mistaken for a survivor. */
interface Proc {
  pid: number;
  start: string;
}

function statOf(pid: number): { ppid: number; state: string; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name: state ppid ... starttime is field 22.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, ppid: Number(rest[1]), start: rest[19]! };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s?.ppid === pid) out.push({ pid: Number(name), start: s.start });
  }
  return out;
}

function alive(p: Proc): boolean {
  const s = statOf(p.pid);
  return s !== undefined && s.start === p.start && s.state !== "Z";
}

type Target = "group" | "demo";

/**
 * Starts a demo in its own process group, waits for `readyText` on its output, sends SIGTERM to the
 * whole group (as `timeout` does) or to the demo alone (as `kill <pid>` does), and reports how it ended.
 */
async function runAndStop(n: number, target: Target, readyText: string, readyOn: "stdout" | "stderr", minChildren: number) {
  const out = join(root, `run-${n}`);
  const proc = spawn(process.execPath, [CLI, "demo", "--out", out, "--serve-http", "off"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(proc.pid!);
  let stdout = "";
  let stderr = "";
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once("exit", (code, signal) => {
      running.delete(proc.pid!);
      r({ code, signal });
    }),
  );
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    const check = () => ((readyOn === "stdout" ? stdout : stderr).includes(readyText) ? resolveReady() : undefined);
    proc.stdout.on("data", (d) => ((stdout += d), check()));
    proc.stderr.on("data", (d) => ((stderr += d), check()));
    void exit.then((e) => rejectReady(new Error(`demo exited (${e.code ?? e.signal}) before ${JSON.stringify(readyText)}: ${stderr.slice(-2000)}`)));
  });
  let children: Proc[] = [];
  try {
    await ready;
    // The line is printed just before the nodes are spawned: wait until they exist.
    while ((children = childrenOf(proc.pid!)).length < minChildren && proc.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    process.kill(target === "group" ? -proc.pid! : proc.pid!, "SIGTERM");
    const ended = await exit;
    return { ended, children, stdout, stderr };
  } finally {
    // Only if the test failed: leave nothing behind.
    if (proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, "SIGKILL");
    for (const c of children) if (alive(c)) process.kill(c.pid, "SIGKILL");
  }
}

describe("ec-node demo under SIGTERM", () => {
  const cases: Array<{ name: string; target: Target; readyText: string; readyOn: "stdout" | "stderr"; minChildren: number }> = [
    // Running: all four nodes up (the subscriber just spawned, maybe without its handlers yet). The
    // signal reaches every process (timeout, systemd's control group).
    { name: "to the process group while running", target: "group", readyText: "every.channel demo:", readyOn: "stdout", minChildren: 3 },
    // Running; only the demo is signalled: it must stop its children itself.
    { name: "to the demo alone while running", target: "demo", readyText: "every.channel demo:", readyOn: "stdout", minChildren: 3 },
    // Starting: the leader spawned, not ready yet (the follower joins later); the demo must not wait for it to come up.
    { name: "to the demo alone during start-up", target: "demo", readyText: "live fake tuners up", readyOn: "stderr", minChildren: 1 },
    // Starting, whole group: the node dies of the signal before its handlers exist; still a stop, exit 0.
    { name: "to the process group during start-up", target: "group", readyText: "live fake tuners up", readyOn: "stderr", minChildren: 1 },
  ];
  let n = 0;
  for (const c of cases) {
    it(
      `${c.name}: the demo exits 0 and no node it started survives (3 runs)`,
      async () => {
        for (let rep = 0; rep < 3; rep++) {
          const r = await runAndStop(n++, c.target, c.readyText, c.readyOn, c.minChildren);
          expect(r.children.length, r.stderr.slice(-2000)).toBeGreaterThanOrEqual(c.minChildren);
          expect(r.ended, r.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
          expect(r.children.filter(alive)).toEqual([]);
          // Each node stopped on SIGTERM alone; none needed the SIGKILL fallback.
          expect(r.stderr).not.toContain("did not stop after SIGTERM");
        }
      },
      180_000,
    );
  }
});
