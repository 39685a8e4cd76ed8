import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { defineConfig } from "tsup";
import type { Options } from "tsup";

export interface PackageBuildOptions {
  /** Files (relative to the package) copied to `dist/vectors/` so the tarball ships them (see the `./vectors/*` export). */
  vectors?: string[];
  /** Output formats. Libraries ship both (ESM and CommonJS consumers); the CLI is ESM only. */
  format?: Options["format"];
  /** Workspace packages bundled into the output instead of being dependencies (private apps into the CLI). */
  noExternal?: Options["noExternal"];
}

/**
 * The one build every package and app uses: ESM (`.js`, `.d.ts`) and CommonJS (`.cjs`, `.d.cts`) with
 * source maps, from `src/index.ts` unless the package names other entries.
 * - `removeNodeProtocol: false`: tsup strips `node:` from builtin imports by default; we keep it, so a
 *   bundler or a reader sees at once that the import is a Node builtin.
 * - `shims: true`: `import.meta.url` works in the CommonJS output (hdhr-capture locates its files with it).
 */
export function packageBuild(entry: Options["entry"] = ["src/index.ts"], opts: PackageBuildOptions = {}) {
  const vectors = opts.vectors ?? [];
  return defineConfig({
    entry,
    format: opts.format ?? ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    removeNodeProtocol: false,
    shims: true,
    noExternal: opts.noExternal,
    onSuccess: async () => {
      // npm packs a LICENSE beside package.json on its own; the one text lives at the repository root.
      copyFileSync("../../LICENSE", "LICENSE");
      if (vectors.length) mkdirSync("dist/vectors", { recursive: true });
      for (const f of vectors) copyFileSync(f, join("dist/vectors", basename(f)));
    },
  });
}
