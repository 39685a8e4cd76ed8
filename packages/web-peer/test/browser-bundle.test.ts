/**
 * The library and the page are browser code: esbuild with platform=browser bundles them with no
 * Node built-in and no `ws` on their import paths (a Node import would fail the build or show up
 * as an input), and the page's transport is `@ec/moq-transport`'s browser entry. The page's bundle
 * keeps @moq/lite's warnings but not its console.debug chatter.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Plugin } from "esbuild";
import { MOQ_LITE_MODULE, quietMoqLite } from "../scripts/quiet-moq-lite.js";

const pkg = fileURLToPath(new URL("..", import.meta.url));

async function inputsOf(entry: string): Promise<string[]> {
  const r = await build({ entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent", absWorkingDir: pkg });
  return Object.keys(r.metafile.inputs);
}

describe("browser bundles", () => {
  it("the library: no node:, no ws, mux.js in", async () => {
    const inputs = await inputsOf("src/index.ts");
    expect(inputs.filter((i) => i.startsWith("node:") || /node_modules\/ws\//.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes("mux.js/lib/mp4/transmuxer.js"))).toBe(true);
  });

  it("the page: no node:, no ws, the browser transport entry", async () => {
    const inputs = await inputsOf("page/main.ts");
    expect(inputs.filter((i) => i.startsWith("node:") || /node_modules\/ws\//.test(i))).toEqual([]);
    expect(inputs.some((i) => /moq-transport\/dist\/browser\.js$/.test(i))).toBe(true);
    expect(inputs.some((i) => /moq-transport\/dist\/index\.js$/.test(i))).toBe(false);
  });

  it("the built page directory holds the three files, and app.js is one module", () => {
    for (const f of ["index.html", "app.js", "style.css"]) expect(existsSync(`${pkg}/dist/page/${f}`), f).toBe(true);
    const html = readFileSync(`${pkg}/dist/page/index.html`, "utf8");
    expect(html).toContain('<script src="./app.js" type="module"></script>');
    expect(readFileSync(`${pkg}/dist/page/app.js`, "utf8")).not.toMatch(/\bimport\s*["(]|from\s*"/);
  });

  it("the page: @moq/lite's console.debug calls are dropped, its warnings and errors kept", async () => {
    // Unminified and without the plugin, modules are marked by path comments: say whose each call is.
    const calls = (text: string, fn: string) => {
      const by: Record<string, number> = {};
      let module = "?";
      for (const line of text.split("\n")) {
        const m = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
        if (m) module = MOQ_LITE_MODULE.test(`/${m[1]}`) ? "@moq/lite" : m[1]!;
        else for (const _ of line.matchAll(new RegExp(`console\\.${fn}\\(`, "g"))) by[module] = (by[module] ?? 0) + 1;
      }
      return by;
    };
    const bundle = async (minify: boolean, plugins: Plugin[]) =>
      (await build({ entryPoints: ["page/main.ts"], bundle: true, minify, platform: "browser", format: "esm", write: false, logLevel: "silent", absWorkingDir: pkg, plugins })).outputFiles[0]!.text;
    const plain = await bundle(false, []);
    // Without the plugin there is chatter to drop, and all of it is @moq/lite's.
    const debug = calls(plain, "debug");
    expect(debug["@moq/lite"]).toBeGreaterThan(0);
    expect(Object.keys(debug)).toEqual(["@moq/lite"]);
    const count = (text: string, fn: string) => text.match(new RegExp(`console\\.${fn}\\b`, "g"))?.length ?? 0;
    const unquiet = await bundle(true, []);
    const quiet = await bundle(true, [quietMoqLite()]);
    expect(count(unquiet, "debug")).toBe(debug["@moq/lite"]);
    expect(count(quiet, "debug")).toBe(0);
    for (const fn of ["warn", "error", "info", "log"]) expect(count(quiet, fn), fn).toBe(count(unquiet, fn));
    // The built page is bundled so: no console.debug in it.
    const shipped = readFileSync(`${pkg}/dist/page/app.js`, "utf8");
    expect(count(shipped, "debug")).toBe(0);
    expect(count(shipped, "warn")).toBe(count(unquiet, "warn"));
  });
});
