/**
 * The package must run in a browser: bundled by esbuild for `platform: "browser"` (which resolves
 * `@ec/moq-transport` through its `browser` condition), no Node built-in (`node:*`) and no `ws` may
 * reach the bundle, nothing may be left external, and chunk decryption must be able to use the
 * portable backend (`@noble/ciphers`), since `node:crypto` is not there. Prints the
 * minified+gzipped size and the share of each dependency.
 */
import { describe, expect, it } from "vitest";
import { build, type Metafile } from "esbuild";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles `entry` (a file, or source resolved from the package) for a browser. */
async function bundle(entry: { file: string } | { contents: string }, alias?: Record<string, string>) {
  const r = await build({
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: pkgDir, loader: "ts" } }),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    ...(alias ? { alias } : {}),
  });
  return { meta: r.metafile, bytes: r.outputFiles[0]!.contents };
}

/** Inputs that are Node built-ins or the `ws` package, and imports left external in the output. */
function nodeOnly(meta: Metafile): string[] {
  const bad = Object.keys(meta.inputs).filter((i) => /^node:/.test(i) || /(^|\/)node_modules\/(\.pnpm\/ws@[^/]+\/node_modules\/)?ws\//.test(i));
  for (const out of Object.values(meta.outputs)) for (const imp of out.imports) bad.push(`external: ${imp.path}`);
  return bad;
}

/** Which package each input belongs to (workspace siblings by their directory). */
function packageOf(input: string): string {
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (dep) return dep[1]!;
  const sibling = /(?:^|\/)packages\/([^/]+)\//.exec(input) ?? /^\.\.\/([^/]+)\//.exec(input);
  return sibling ? `@ec/${sibling[1]}` : "@ec/verified-stream";
}

function report(name: string, meta: Metafile, bytes: Uint8Array): void {
  const shares = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(meta.outputs)[0]!.inputs)) {
    shares.set(packageOf(input), (shares.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const total = bytes.byteLength;
  const parts = [...shares].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`);
  console.log(`${name}: ${(total / 1024).toFixed(1)} KiB minified, ${(gzipSync(bytes).byteLength / 1024).toFixed(1)} KiB gzipped (${parts.join(", ")})`);
}

const inputs = (meta: Metafile) => Object.keys(meta.inputs);

describe("browser bundle", () => {
  it("src/index.ts with everything it imports: no Node built-in, no ws, nothing external; the transport's browser entry and the portable cipher are in", async () => {
    const { meta, bytes } = await bundle({ file: join(pkgDir, "src/index.ts") });
    expect(nodeOnly(meta)).toEqual([]);
    expect(inputs(meta).some((i) => /moq-transport\/dist\/browser\.js$/.test(i))).toBe(true);
    expect(inputs(meta).some((i) => /moq-transport\/dist\/index\.js$/.test(i))).toBe(false);
    expect(inputs(meta).some((i) => i.includes("@noble/ciphers"))).toBe(true);
    expect(Object.values(meta.outputs)[0]!.exports).toEqual(expect.arrayContaining(["VerifiedStream", "positionOf", "whyStuck", "peerState"]));
    report("@ec/verified-stream (src/index.ts)", meta, bytes);
  });

  it("the built package by name, as a page imports it, and with the node-free orderer beside it", async () => {
    expect(existsSync(join(pkgDir, "dist/index.js")), "build the package first").toBe(true);
    const { meta, bytes } = await bundle({
      contents: `export { VerifiedStream, positionOf } from "@ec/verified-stream"; export { SegmentOrderer, chooseStart } from "@ec/hls-sink/order";`,
    });
    expect(nodeOnly(meta)).toEqual([]);
    expect(inputs(meta).some((i) => i.endsWith("hls-sink/dist/order.js"))).toBe(true);
    report("@ec/verified-stream + @ec/hls-sink/order (dist)", meta, bytes);
  });

  it("the check itself notices Node code: with the transport's Node entry forced in, it fails", async () => {
    const nodeEntry = join(pkgDir, "node_modules/@ec/moq-transport/dist/index.js");
    const bad = await bundle({ file: join(pkgDir, "src/index.ts") }, { "@ec/moq-transport": nodeEntry }).then(
      (x) => nodeOnly(x.meta),
      (e: { errors?: Array<{ text: string }> }) => (e.errors ?? []).map((x) => x.text),
    );
    expect(bad.length).toBeGreaterThan(0);
  });
});
