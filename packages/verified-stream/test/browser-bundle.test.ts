/**
 * The package must run in a browser: bundled by esbuild for `platform: "browser"`, no Node
 * built-in (`node:*`) and no `ws` may reach it, and chunk decryption must be the portable backend
 * (`@noble/ciphers`), since `node:crypto` is not there.
 */
import { describe, expect, it } from "vitest";
import { build, type Metafile } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles the package's entry for a browser; returns the metafile and the output text. */
async function bundle(external: string[] = []): Promise<{ meta: Metafile; text: string }> {
  const r = await build({
    entryPoints: [join(pkgDir, "src/index.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    external,
  });
  return { meta: r.metafile, text: r.outputFiles[0]!.text };
}

/** Every module in the bundle, and every import left outside it. */
function reached(meta: Metafile): { inputs: string[]; externals: string[] } {
  const externals = Object.values(meta.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path));
  return { inputs: Object.keys(meta.inputs), externals };
}

const nodeOnly = (p: string) => p.startsWith("node:") || /(^|\/)node_modules\/(\.pnpm\/)?ws[@/]/.test(p) || p === "ws";

describe("browser bundle", () => {
  it("the package's own code, @ec/manifest and @ec/chunk-crypto (the transport aside): no node: import, no ws, the portable cipher", async () => {
    const { meta, text } = await bundle(["@ec/moq-transport"]);
    const { inputs, externals } = reached(meta);
    expect(inputs.filter(nodeOnly)).toEqual([]);
    expect(externals).toEqual(expect.arrayContaining(["@ec/moq-transport"]));
    expect(externals.filter((p) => p !== "@ec/moq-transport")).toEqual([]);
    expect(inputs.some((p) => p.includes("@noble/ciphers"))).toBe(true);
    expect(text).not.toMatch(/from\s*["']node:/);
  });
});
