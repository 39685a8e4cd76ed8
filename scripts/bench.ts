/**
 * `pnpm bench`: runs every `packages/<pkg>/bench/*.bench.ts` and `apps/<app>/bench/*.bench.ts`
 * (or only those whose path contains one of the arguments) and prints each figure beside its
 * same-run baseline. Exit code is non-zero only when a benchmark failed to run, never because
 * something was slow.
 *
 * Flags: `--json` prints `{ machine, rows, failed }` as JSON on stdout instead of tables;
 * `--out=<file>` also writes that JSON to a file; `--quick` (or `EC_BENCH_QUICK=1`) asks the
 * long benches for a shorter run. The machine (CPU, cores, load average, date) is part of every
 * report: figures from a shared 2-core machine mean little without it.
 */
import { readdirSync, existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, release, platform } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { quickRun, type BenchRow } from "./bench-lib.js";

const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
const outFile = args.find((a) => a.startsWith("--out="))?.slice("--out=".length);
if (args.includes("--quick")) process.env.EC_BENCH_QUICK = "1";
const filters = args.filter((a) => !a.startsWith("--"));

function benchFiles(): string[] {
  const files: string[] = [];
  for (const top of ["packages", "apps"]) {
    const dir = join(root, top);
    if (!existsSync(dir)) continue;
    for (const pkg of readdirSync(dir).sort()) {
      const bdir = join(dir, pkg, "bench");
      if (!existsSync(bdir)) continue;
      for (const f of readdirSync(bdir).sort()) if (f.endsWith(".bench.ts")) files.push(join(bdir, f));
    }
  }
  // Match against the path inside the repository: a checkout whose own path contains the filter word
  // (e.g. a worktree named after a package) must not select every bench.
  return files.filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)));
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "-";
  if (n >= 1000) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const machine = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model.trim() ?? "unknown",
  cores: cpus().length,
  memoryGB: Math.round(totalmem() / 1e8) / 10,
  os: `${platform()} ${release()}`,
  node: process.version,
  quick: quickRun(),
  loadAvgAtStart: load(),
  loadAvgAtEnd: [] as number[],
};
if (!json) {
  process.stdout.write(
    `${machine.date}  ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.os}, node ${machine.node}` +
      `${machine.quick ? ", QUICK run" : ""}\nload average (1/5/15 min) at start: ${machine.loadAvgAtStart.join(" ")}\n`,
  );
}

const all: Array<BenchRow & { file: string; loadAvg1m: number; seconds: number }> = [];
const failed: Array<{ file: string; error: string }> = [];
for (const file of benchFiles()) {
  const rel = relative(root, file);
  const loadAvg1m = load()[0]!;
  const started = performance.now();
  if (!json) process.stderr.write(`running ${rel} ...\n`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<BenchRow[]> };
    const rows = await mod.default();
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    for (const r of rows) all.push({ ...r, file: rel, loadAvg1m, seconds });
    if (!json) printTable(`${rel}  (${seconds} s, load average ${loadAvg1m} at start)`, rows);
  } catch (err) {
    failed.push({ file: rel, error: String((err as Error)?.message ?? err) });
    process.stderr.write(`bench failed: ${rel}: ${(err as Error)?.stack ?? err}\n`);
  }
}
machine.loadAvgAtEnd = load();
const report = {
  machine,
  rows: all.map((r) => ({ ...r, ratio: r.baseline ? r.value / r.baseline : undefined })),
  failed,
};
if (json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
else process.stdout.write(`\nload average (1/5/15 min) at end: ${machine.loadAvgAtEnd.join(" ")}${failed.length ? `; FAILED: ${failed.map((f) => f.file).join(", ")}` : ""}\n`);
if (outFile) writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
process.exitCode = failed.length ? 1 : 0;

function printTable(title: string, rows: BenchRow[]): void {
  const lines = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baselineName ? `${fmt(r.baseline)} ${r.unit} (${r.baselineName})` : "",
    r.baseline ? fmt(r.value / r.baseline) : "",
    [r.goalRatio !== undefined ? `>= ${r.goalRatio}` : "", r.goal ?? ""].filter(Boolean).join("; "),
    r.note ?? "",
  ]);
  const head = ["measure", "ours", "baseline (same run)", "ratio", "goal", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  process.stdout.write(`\n${title}\n${row(head)}\n${row(widths.map((w) => "-".repeat(w)))}\n`);
  for (const l of lines) process.stdout.write(row(l) + "\n");
}
