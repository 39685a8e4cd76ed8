/**
 * Where the CPU time of a bench process went: reads the V8 CPU profiles that
 * `EC_BENCH_PROFILE=<dir> pnpm tsx scripts/bench.ts ec-node/bench/<name>` leaves in <dir> and prints,
 * per profile, self time grouped by package (our `@ec/*` builds, `@moq/lite`, `@moq/qmux`, `ws`,
 * Node internals, GC) and the hottest functions. Not a benchmark: a tool for docs/PERFORMANCE.md.
 *
 *   pnpm tsx apps/ec-node/bench/profile-summary.ts /tmp/prof [top=12]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or runtime part) a script URL belongs to. */
function bucketOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  // node:internal/crypto/hash -> node:internal/crypto: which part of the runtime, not which file.
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const scoped = /node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)\//.exec(url.replace(/.*node_modules\/\.pnpm\/[^/]+\//, ""));
  if (scoped) return scoped[1]!;
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1] === "packages" ? "@ec/" : "app:"}${ours[2]}`;
  return url;
}

function summarise(file: string, top: number): string {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const buckets = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") continue;
    const b = bucketOf(url, functionName);
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    const key = `${functionName || "(anonymous)"} ${b}${url ? `:${lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = [...buckets.values()].reduce((a, b) => a + b, 0);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`,
    "  by package (share of busy time):",
    ...[...buckets].sort((a, b) => b[1] - a[1]).slice(0, top).map(([b, us]) => `    ${pct(us)}  ${b}`),
    "  hottest functions (self time):",
    ...[...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, us]) => `    ${pct(us)}  ${f}`),
  ];
  return lines.join("\n");
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: profile-summary.ts <dir with .cpuprofile files> [top]\n");
  process.exitCode = 2;
} else {
  const top = Number(process.argv[3] ?? 12);
  // Profiles directly in <dir>, or one level down (one directory per process, a file per thread).
  const files = readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? readdirSync(join(dir, e.name)).filter((f) => f.endsWith(".cpuprofile")).map((f) => join(dir, e.name, f))
      : e.name.endsWith(".cpuprofile") ? [join(dir, e.name)] : [],
  );
  for (const f of files.sort()) process.stdout.write(summarise(f, top) + "\n\n");
}
