import { spawn } from "node:child_process";
import { join } from "node:path";

const PKG = join(import.meta.dirname, "..", "..");

/** xorshift32: the kill points vary from run to run, and the seed in a failure message replays them. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** The last `wrote <mediaSequence> <seq>` line a child printed before it was killed. */
export interface KilledChildResult {
  lastReported?: { mediaSequence: number; seq: number };
}

/**
 * Runs `node --import tsx <script> ...args` (a writer printing `wrote <mediaSequence> <seq>` after
 * each published segment), lets it report `writes` segments, waits `delayMs` more (so the kill
 * lands anywhere inside the next write), then SIGKILLs it. Rejects if it exits by itself.
 */
export async function runAndKill(script: string, args: string[], writes: number, delayMs: number): Promise<KilledChildResult> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: PKG, stdio: ["ignore", "pipe", "pipe"] });
  const result: KilledChildResult = {};
  let stderr = "";
  let buffered = "";
  let reported = 0;
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^wrote (\d+) (\d+)$/.exec(line);
        if (!m) continue;
        result.lastReported = { mediaSequence: Number(m[1]), seq: Number(m[2]) };
        if (++reported === writes) {
          setTimeout(() => {
            child.kill("SIGKILL");
            resolve();
          }, delayMs);
        }
      }
    });
    void exited.then((code) => reject(new Error(`writer exited by itself (code ${code}): ${stderr}`)));
  });
  await exited;
  return result;
}
