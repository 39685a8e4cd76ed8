/**
 * Not a bench (not run by scripts/bench.ts): the CPU and garbage the publishing side spends per
 * byte, robust to a loaded machine (CPU seconds, not wall time). Each measurement is a fresh Node
 * process running `startPublisher` (what `ec-node moq-publish` runs) on a recording, unpaced, with
 * no subscriber: file read, chunker, seal, hash, manifest signing and the window store, without
 * start-up (timed from the first chunk to the end) and without the transport.
 *
 *   pnpm tsx apps/ec-node/bench/publish-cpu.mts <recording.ts> [reps=3] [chunk-ms=2000] [publisher dist=apps/publisher/dist/index.js] [window=32]
 *
 * Prints per role (leader: manifests only, as in the split-source bench; relay: objects only) the
 * median CPU s per MB of input, major (mark-compact) and minor GCs per 100 MB, their main-thread
 * pause ms per 100 MB, minor page faults per MB (fresh memory: ~7 µs each on the bench VM), and
 * the process's peak RSS. `window` is the groups each track keeps (the split-source bench keeps
 * all of them: 1024). Pass another checkout's `apps/publisher/dist/index.js` to compare two versions
 * (run them alternately for a fair comparison on a busy machine).
 */
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { loadavg } from "node:os";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

interface Sample {
  cpuS: number;
  wallS: number;
  chunks: number;
  major: number;
  minor: number;
  gcMs: number;
  faults: number;
  rssMb: number;
}

const ROLES = ["leader", "relay"] as const;
type Role = (typeof ROLES)[number];

async function child(recording: string, role: Role, chunkMs: number, publisherPath: string, windowChunks: number): Promise<void> {
  const { startPublisher } = (await import(pathToFileURL(publisherPath).href)) as typeof import("@ec/publisher");
  const { generateSigningKey } = await import("@ec/manifest");
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  let major = 0;
  let minor = 0;
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      gcMs += e.duration;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    }
  });
  let cpu0: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let chunks = 0;
  let faults0 = 0;
  const pub = await startPublisher({
    source: { kind: "file", path: recording, realtime: false },
    streamId: "publish-cpu",
    listen: "127.0.0.1:0",
    chunkMs,
    publishChunks: role === "relay",
    publishManifests: role === "leader",
    signingKey: role === "leader" ? generateSigningKey() : undefined,
    windowChunks,
    log: silent,
    onChunk: () => {
      if (chunks++ === 0) {
        cpu0 = process.cpuUsage();
        faults0 = process.resourceUsage().minorPageFault;
        t0 = performance.now();
        gc.observe({ entryTypes: ["gc"] });
      }
    },
  });
  await pub.done;
  const cpu = process.cpuUsage(cpu0);
  const faults = process.resourceUsage().minorPageFault - faults0;
  const wallS = (performance.now() - t0) / 1000;
  gc.disconnect();
  await pub.close();
  const s: Sample = { cpuS: (cpu.user + cpu.system) / 1e6, wallS, chunks, major, minor, gcMs, faults, rssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(s) + "\n");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function parent(): Promise<void> {
  const [recording, repsArg, chunkMsArg, publisherArg, windowArg] = process.argv.slice(2);
  if (!recording) {
    console.error("usage: publish-cpu.mts <recording.ts> [reps=3] [chunk-ms=2000] [publisher dist] [window=32]");
    process.exit(2);
  }
  const reps = Number(repsArg ?? 3);
  const chunkMs = Number(chunkMsArg ?? 2000);
  const windowChunks = Number(windowArg ?? 32);
  const publisher = publisherArg || fileURLToPath(new URL("../../publisher/dist/index.js", import.meta.url));
  const mb = statSync(recording).size / 1e6;
  const self = fileURLToPath(import.meta.url);
  console.log(`${recording}: ${mb.toFixed(1)} MB, chunk-ms ${chunkMs}, ${reps} runs per role, window ${windowChunks}, load ${loadavg()[0]!.toFixed(1)}; ${publisher}`);
  const samples: Record<Role, Sample[]> = { leader: [], relay: [] };
  for (let r = 0; r < reps; r++) {
    for (const role of ROLES) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, "--child", recording, role, String(chunkMs), publisher, String(windowChunks)], { encoding: "utf8" });
      samples[role].push(JSON.parse(out.trim().split("\n").pop()!) as Sample);
    }
  }
  for (const role of ROLES) {
    const s = samples[role];
    const per = s.map((x) => x.cpuS / mb);
    console.log(
      `${role.padEnd(6)} CPU s/MB median ${median(per).toFixed(5)} (runs ${per.map((x) => x.toFixed(5)).join(", ")}); ` +
        `ms per chunk ${((median(s.map((x) => x.cpuS)) * 1000) / s[0]!.chunks).toFixed(2)} (${s[0]!.chunks} chunks); ` +
        `GC per 100 MB: major ${((median(s.map((x) => x.major)) * 100) / mb).toFixed(1)}, minor ${((median(s.map((x) => x.minor)) * 100) / mb).toFixed(1)}; ` +
        `GC pause ms per 100 MB ${((median(s.map((x) => x.gcMs)) * 100) / mb).toFixed(0)}; ` +
        `minor faults per MB ${(median(s.map((x) => x.faults)) / mb).toFixed(0)}; ` +
        `peak RSS ${median(s.map((x) => x.rssMb)).toFixed(0)} MB`,
    );
  }
}

if (process.argv[2] === "--child") {
  const [, , , recording, role, chunkMs, publisherPath, windowChunks] = process.argv;
  await child(recording!, role as Role, Number(chunkMs), publisherPath!, Number(windowChunks));
  setImmediate(() => process.exit(0));
} else {
  await parent();
}
