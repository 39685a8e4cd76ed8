/**
 * The browser entry holds no Node built-in and no `ws`: bundled by esbuild for `platform: "browser"`
 * (which would fail on, or leave external, any `node:` import), every input is listed in the
 * metafile and none is a Node built-in or the `ws` package. Checked three ways a page gets it: the
 * source entry, the built `dist/browser.js`, and the package root through the `browser` condition.
 * Prints the minified+gzipped size and the share of each dependency.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { ensureBuilt, pkgDir } from "./helpers.js";

async function bundle(entry: { file: string } | { contents: string }) {
  const r = await build({
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: pkgDir, loader: "ts" } }),
    // Input paths in the metafile are relative to this directory, wherever vitest was started.
    absWorkingDir: pkgDir,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { meta: r.metafile, bytes: r.outputFiles[0]!.contents };
}

/** Inputs that are Node built-ins or the `ws` package, and imports left external in the output. */
function nodeOnly(meta: Metafile): string[] {
  const bad = Object.keys(meta.inputs).filter((i) => /^node:/.test(i) || /(^|\/)node_modules\/(\.pnpm\/ws@[^/]+\/node_modules\/)?ws\//.test(i));
  for (const out of Object.values(meta.outputs)) for (const imp of out.imports) bad.push(`external: ${imp.path}`);
  return bad;
}

function report(name: string, meta: Metafile, bytes: Uint8Array): void {
  const shares = new Map<string, number>();
  const out = Object.values(meta.outputs)[0]!;
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = m ? m[1]! : input.includes("stream-rules") ? "@ec/stream-rules" : "@ec/moq-transport";
    shares.set(key, (shares.get(key) ?? 0) + bytesInOutput);
  }
  const total = bytes.byteLength;
  const parts = [...shares].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`);
  console.log(`${name}: ${(total / 1024).toFixed(1)} KiB minified, ${(gzipSync(bytes).byteLength / 1024).toFixed(1)} KiB gzipped (${parts.join(", ")})`);
}

describe("browser entry bundle", () => {
  it("src/browser.ts: no Node built-in, no ws, and only the subscriber API", async () => {
    const { meta, bytes } = await bundle({ file: join(pkgDir, "src/browser.ts") });
    expect(nodeOnly(meta)).toEqual([]);
    expect(Object.keys(meta.inputs)).toContain("src/dial-browser.ts");
    expect(Object.keys(meta.inputs)).not.toContain("src/dial.ts");
    expect(Object.keys(meta.inputs)).not.toContain("src/node.ts");
    expect(Object.values(meta.outputs)[0]!.exports.sort()).toEqual(
      [
        "Aborted", "DEFAULT_DEADLINE_CHUNKS", "DEFAULT_RETRY", "ENDPOINT_SCHEME", "FramePool", "MIN_DEADLINE_MS", "ObjectSources", "ResetCode", "TRACK_NAMES",
        "TransportError", "assertStreamId", "backoffDelay", "broadcastPath", "describeCounts", "formatEndpointAddr", "parseEndpointAddr",
        "parseWireTrackName", "pause", "silentLogger", "sleep", "sourceDeadlines", "subscribeTrack", "wireTrackName",
      ].sort(),
    );
    report("src/browser.ts", meta, bytes);
  });

  it("dist/browser.js and the package root under the browser condition bundle the same way", async () => {
    ensureBuilt();
    const dist = await bundle({ file: join(pkgDir, "dist/browser.js") });
    expect(nodeOnly(dist.meta)).toEqual([]);
    report("dist/browser.js", dist.meta, dist.bytes);
    // A page importing the package by name gets the browser build, not the Node one.
    const root = await bundle({ contents: `export { subscribeTrack, ObjectSources } from "@ec/moq-transport";` });
    expect(nodeOnly(root.meta)).toEqual([]);
    expect(Object.keys(root.meta.inputs).some((i) => i.endsWith("dist/browser.js"))).toBe(true);
    const sub = await bundle({ contents: `export { subscribeTrack } from "@ec/moq-transport/browser";` });
    expect(nodeOnly(sub.meta)).toEqual([]);
  });

  it("the check itself notices a Node import: the Node entry fails it", async () => {
    const r = await build({ entryPoints: [join(pkgDir, "src/index.ts")], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" }).then(
      (x) => nodeOnly(x.metafile),
      (e: { errors?: Array<{ text: string }> }) => (e.errors ?? []).map((x) => x.text),
    );
    expect(r.length).toBeGreaterThan(0);
  });
});
