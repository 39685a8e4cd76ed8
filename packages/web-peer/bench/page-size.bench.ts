/**
 * The watch page's weight: dist/page/app.js (everything the page runs: verifier, decryption,
 * transport, mux.js, player) minified and gzipped, and each dependency's share, from the esbuild
 * metafile the page build writes (dist/page-meta.json; run `pnpm --filter @ec/web-peer build`
 * first — `pnpm bench` builds). Baseline, same run: the HLS watch page's scripts
 * (apps/subscriber/web/app.js + hls.js's hls.min.js), which need a server-side subscriber besides.
 *
 * A dependency's gzip share is its share of the minified bytes applied to the gzipped total
 * (gzip works across module boundaries, so there is no exact per-module gzip size).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { BenchRow } from "../../../scripts/bench-lib.js";

const pkg = join(import.meta.dirname, "..");
const repo = join(pkg, "..", "..");

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** The package a bundled input belongs to: an npm package name, `@ec/<dir>` for workspace code, or `page` for the page's own. */
export function packageOf(input: string): string {
  const nm = input.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = input.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  // Inputs are relative to packages/web-peer: its own src/ and page/, siblings as ../<dir>/dist/….
  if (input.startsWith("page/")) return "@ec/web-peer (page)";
  if (input.startsWith("src/")) return "@ec/web-peer";
  const sibling = /^\.\.\/([^/]+)\//.exec(input);
  if (sibling) return `@ec/${sibling[1]}`;
  return "other";
}

const gz = (b: Uint8Array | string) => gzipSync(b, { level: 9 }).length;
const kb = (n: number) => Math.round(n / 102.4) / 10;

export default async function (): Promise<BenchRow[]> {
  const app = readFileSync(join(pkg, "dist", "page", "app.js"));
  const meta = JSON.parse(readFileSync(join(pkg, "dist", "page-meta.json"), "utf8")) as Metafile;
  const out = Object.values(meta.outputs).find((o) => Object.keys(o.inputs).length > 0)!;
  const byPkg = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) byPkg.set(packageOf(input), (byPkg.get(packageOf(input)) ?? 0) + bytesInOutput);
  const minified = app.length;
  const gzipped = gz(app);
  const shares = [...byPkg.entries()].sort((a, b) => b[1] - a[1]);
  const detail: Record<string, number | string> = { minifiedBytes: minified, gzipBytes: gzipped };
  for (const [name, bytes] of shares) detail[`share ${name} %`] = Math.round((1000 * bytes) / minified) / 10;
  const hls = readFileSync(createRequire(join(repo, "apps", "subscriber", "package.json")).resolve("hls.js/dist/hls.min.js"));
  const hlsApp = readFileSync(join(repo, "apps", "subscriber", "web", "app.js"));
  const baseline = gz(hls) + gz(hlsApp);
  const top = shares
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kb((gzipped * bytes) / minified)}`)
    .join(", ");
  return [
    {
      name: "web-peer page app.js, min+gzip",
      value: kb(gzipped),
      unit: "KB",
      baselineName: "HLS watch page scripts (hls.min.js + app.js), min+gzip",
      baseline: kb(baseline),
      note: `by dependency (KB gzip, est.): ${top}`,
      detail,
    },
    ...shares.map(([name, bytes]) => ({
      name: `  share: ${name}`,
      value: Math.round((1000 * bytes) / minified) / 10,
      unit: "% of min",
      note: `${kb(bytes)} KB min, ~${kb((gzipped * bytes) / minified)} KB gzip`,
    })),
  ];
}
