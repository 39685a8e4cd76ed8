/**
 * `pnpm bench`: runs every `packages/<pkg>/bench/*.bench.ts` and `apps/<app>/bench/*.bench.ts`
 * (or only those whose path contains one of the arguments) and prints each figure beside its
 * same-run baseline. `--json` prints the rows as JSON instead. Exit code is non-zero only when a
 * benchmark failed to run, never because something was slow.
 */
import { readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchRow } from "./bench-lib.js";

const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
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
  return files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "-";
  if (n >= 1000) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

const all: Array<BenchRow & { file: string }> = [];
let failed = 0;
for (const file of benchFiles()) {
  const rel = relative(root, file);
  if (!json) process.stderr.write(`running ${rel} ...\n`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<BenchRow[]> };
    const rows = await mod.default();
    for (const r of rows) all.push({ ...r, file: rel });
    if (!json) printTable(rel, rows);
  } catch (err) {
    failed++;
    process.stderr.write(`bench failed: ${rel}: ${(err as Error)?.stack ?? err}\n`);
  }
}
if (json) {
  process.stdout.write(
    JSON.stringify(
      all.map((r) => ({ ...r, ratio: r.baseline ? r.value / r.baseline : undefined })),
      null,
      2,
    ) + "\n",
  );
}
process.exitCode = failed ? 1 : 0;

function printTable(title: string, rows: BenchRow[]): void {
  const lines = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baselineName ? `${fmt(r.baseline)} ${r.unit} (${r.baselineName})` : "",
    r.baseline ? fmt(r.value / r.baseline) : "",
    r.goalRatio !== undefined ? `>= ${r.goalRatio}` : "",
    r.note ?? "",
  ]);
  const head = ["measure", "ours", "baseline (same run)", "ratio", "goal", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  process.stdout.write(`\n${title}\n${row(head)}\n${row(widths.map((w) => "-".repeat(w)))}\n`);
  for (const l of lines) process.stdout.write(row(l) + "\n");
}
