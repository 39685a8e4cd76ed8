/**
 * Not a bench (not run by scripts/bench.ts): the CPU a subscriber spends receiving objects through
 * two versions of @ec/moq-transport (`subscribeTrack`: dial, qmux, group guard, @moq/lite), in one
 * process, alternating round by round, so both see the same moments of a shared, loaded machine
 * (whose CPU seconds for the same work swung by 1.5x between bench runs minutes apart). Used for
 * round 5's receive-path figures (docs/PERFORMANCE.md):
 *   pnpm tsx apps/ec-node/bench/recv-ab.mts <old-commit> [rounds=6] [groups=40] [bytes=2097152]
 * A publisher child process (the working tree's built MoqNode) serves `groups` objects of `bytes`
 * in its window; each round subscribes from seq 0 with each version and takes every object. CPU is
 * this process's user + system time from the session's `connected` event to the last object (the
 * dial's identity check is left out), per MB received. The old version's src is taken from git and
 * bundled with esbuild into a temp dir; the new one is the working tree's src. Both bundle the
 * installed @moq/lite (its Reader treats the old guard's Uint8Array chunks exactly as before).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { constants as perfConstants, PerformanceObserver } from "node:perf_hooks";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { importPackageVersions } from "./lib/package-versions.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const [oldCommit, roundsArg, groupsArg, sizeArg] = process.argv.slice(2);
if (!oldCommit) {
  console.error("usage: recv-ab.mts <old-commit> [rounds] [groups] [bytes]");
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 6);
const GROUPS = Number(groupsArg ?? 40);
const SIZE = Number(sizeArg ?? 2 * 1024 * 1024);
if (!(ROUNDS > 0) || !(GROUPS > 0 && GROUPS <= 60) || !(SIZE > 0 && SIZE <= 16 * 1024 * 1024)) {
  console.error("rounds > 0, 0 < groups <= 60 (one subscription: nodes rotate after 64), 0 < bytes <= 16 MiB");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "recv-ab-"));
process.once("exit", () => rmSync(work, { recursive: true, force: true }));

type Transport = typeof import("../../../packages/moq-transport/src/index.js");
const { Old, New } = await importPackageVersions<Transport>("moq-transport", oldCommit, work);
// @moq/lite logs every subscription through console.* (bundled, quietMoqLiteLogs cannot tell its
// calls apart); stdout is for the figures.
for (const m of ["debug", "log", "info", "warn"] as const) console[m] = () => {};
const say = (line: string) => process.stdout.write(line + "\n");

// The publisher: the working tree's built node, its window filled at once.
const dist = pathToFileURL(join(REPO, "packages/moq-transport/dist/index.js")).href;
const pubCode = `
import { MoqNode, quietMoqLiteLogs } from ${JSON.stringify(dist)};
quietMoqLiteLogs();
const node = await MoqNode.listen({ listen: "127.0.0.1:0" });
const server = node.serve("ab", { manifests: false, chunks: true, window: { maxGroups: 64, maxBytes: 2 ** 31 } });
for (let seq = 0; seq < ${GROUPS}; seq++) {
  const b = new Uint8Array(${SIZE});
  for (let i = 0; i < b.length; i += 4096) b[i] = (seq + i) & 0xff;
  server.publish("chunks", seq, b);
}
console.log(node.endpoint);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;
const pub = spawn(process.execPath, ["--input-type=module", "-e", pubCode], { stdio: ["pipe", "pipe", "inherit"] });
process.once("exit", () => pub.kill());
const endpoint = await new Promise<string>((resolve, reject) => {
  let buf = "";
  pub.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    const i = buf.indexOf("\n");
    if (i >= 0) resolve(buf.slice(0, i).trim());
  });
  pub.once("exit", (code) => reject(new Error(`publisher exited (${code})`)));
});

// Garbage collections while a version receives: count of major (mark-compact) ones and total pause.
const gcSeen = { major: 0, ms: 0, on: false };
new PerformanceObserver((list) => {
  if (!gcSeen.on) return;
  for (const e of list.getEntries()) {
    gcSeen.ms += e.duration;
    if ((e as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcSeen.major++;
  }
}).observe({ entryTypes: ["gc"] });

const gc = (globalThis as { gc?: () => void }).gc;
interface Figures {
  cpuMsPerMB: number;
  wallMs: number;
  gcMsPerMB: number;
  majorGcs: number;
}
async function receive(mod: Transport): Promise<Figures> {
  gc?.();
  await new Promise((r) => setImmediate(r));
  const ctl = new AbortController();
  let from: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let got = 0;
  let bytes = 0;
  for await (const { bytes: b } of mod.subscribeTrack({
    remote: endpoint,
    streamId: "ab",
    track: "chunks",
    fromSeq: 0,
    signal: ctl.signal,
    onEvent: (e) => {
      if (e.type === "connected") {
        from = process.cpuUsage();
        t0 = performance.now();
        Object.assign(gcSeen, { major: 0, ms: 0, on: true });
      }
    },
  })) {
    bytes += b.length;
    if (++got === GROUPS) break;
  }
  const u = process.cpuUsage(from);
  const wallMs = performance.now() - t0;
  await new Promise((r) => setImmediate(r)); // let the observer see the last GCs
  gcSeen.on = false;
  ctl.abort();
  if (bytes !== GROUPS * SIZE) throw new Error(`received ${bytes} bytes, expected ${GROUPS * SIZE}`);
  const mb = bytes / 1e6;
  return { cpuMsPerMB: (u.user + u.system) / 1000 / mb, wallMs, gcMsPerMB: gcSeen.ms / mb, majorGcs: gcSeen.major };
}

const rows: Array<{ old: Figures; new: Figures }> = [];
say(`load ${loadavg()[0]!.toFixed(2)}; ${GROUPS} x ${SIZE} B per round; old = ${oldCommit}, new = working tree${gc ? "" : " (run with NODE_OPTIONS=--expose-gc for a GC between rounds)"}`);
await receive(New); // warm-up: JIT, the publisher's first session
await receive(Old);
for (let r = 0; r < ROUNDS; r++) {
  const first = r % 2 === 0 ? "old" : "new";
  const a = await receive(first === "old" ? Old : New);
  const b = await receive(first === "old" ? New : Old);
  const row = first === "old" ? { old: a, new: b } : { old: b, new: a };
  rows.push(row);
  const f = (x: Figures) => `${x.cpuMsPerMB.toFixed(2)} CPU ms/MB, GC ${x.gcMsPerMB.toFixed(2)} ms/MB (${x.majorGcs} major)`;
  say(`round ${r + 1}: old ${f(row.old)}; new ${f(row.new)}; CPU new/old ${(row.new.cpuMsPerMB / row.old.cpuMsPerMB).toFixed(2)}`);
}
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const m = (side: "old" | "new", k: keyof Figures) => med(rows.map((r) => r[side][k]));
say(
  `median: CPU ms/MB old ${m("old", "cpuMsPerMB").toFixed(2)}, new ${m("new", "cpuMsPerMB").toFixed(2)} (per-round new/old ${med(rows.map((r) => r.new.cpuMsPerMB / r.old.cpuMsPerMB)).toFixed(2)}); ` +
    `GC ms/MB old ${m("old", "gcMsPerMB").toFixed(2)}, new ${m("new", "gcMsPerMB").toFixed(2)}; major GCs per round old ${m("old", "majorGcs")}, new ${m("new", "majorGcs")}; load ${loadavg()[0]!.toFixed(2)}`,
);
pub.stdin!.end();
process.exit(0);
