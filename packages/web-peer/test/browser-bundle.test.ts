/**
 * The library and the page are browser code: esbuild with platform=browser bundles them with no
 * Node built-in and no `ws` on their import paths (a Node import would fail the build or show up
 * as an input), and the page's transport is `@ec/moq-transport`'s browser entry.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

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
});
