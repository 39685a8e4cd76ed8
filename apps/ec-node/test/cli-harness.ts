/**
 * Runs the built `ec-node` binary as a real child process, the way an operator would.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `ec-node args…` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => (stdout += d));
    proc.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

export interface RunningCli {
  proc: ChildProcess;
  /** The first stdout line (an EndpointAddr or URL). */
  firstLine: Promise<string>;
  /** The second stdout line (with `--serve-web`, the page's URL after the EndpointAddr). */
  secondLine: Promise<string>;
  exit: Promise<CliResult>;
  stderr: () => string;
  /** Everything printed on stdout so far. */
  stdout: () => string;
  stop(): Promise<void>;
}

/** Starts a long-running `ec-node` subcommand. */
export function startCli(args: string[]): RunningCli {
  return startNodeScript(CLI, args, { label: `ec-node ${args[0]}` });
}

/**
 * Starts `node <script> args…`. `stop()` sends `stopSignal` (SIGTERM by default, SIGKILL after 5 s);
 * `stdin: "pipe"` keeps stdin open for scripts that exit when it closes.
 */
export function startNodeScript(
  script: string,
  args: string[],
  opts: { label?: string; cwd?: string; stdin?: "ignore" | "pipe"; stopSignal?: NodeJS.Signals; env?: NodeJS.ProcessEnv } = {},
): RunningCli {
  const label = opts.label ?? script;
  const proc = spawn(process.execPath, [script, ...args], {
    stdio: [opts.stdin ?? "ignore", "pipe", "pipe"],
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : undefined,
  });
  let stdout = "";
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const exit = new Promise<CliResult>((resolve) =>
    proc.on("exit", (code, signal) => setImmediate(() => resolve({ code, signal, stdout, stderr }))),
  );
  proc.stdout!.on("data", (d) => (stdout += d));
  const lines = createInterface({ input: proc.stdout! });
  const nthLine = (n: number) => {
    const line = new Promise<string>((resolve, reject) => {
      let seen = 0;
      const onLine = (l: string) => {
        if (seen++ < n) return;
        lines.off("line", onLine);
        resolve(l.trim());
      };
      lines.on("line", onLine);
      void exit.then((r) => reject(new Error(`${label} exited (${r.code ?? r.signal}) before printing line ${n + 1}: ${r.stderr.slice(-2000)}`)));
    });
    line.catch(() => {});
    return line;
  };
  const firstLine = nthLine(0);
  const secondLine = nthLine(1);
  return {
    proc,
    firstLine,
    secondLine,
    exit,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill(opts.stopSignal ?? "SIGTERM");
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await exit;
        clearTimeout(t);
      }
    },
  };
}
