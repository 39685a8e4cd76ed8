import { defineConfig } from "tsup";
import type { Options } from "tsup";

/**
 * The one build every package and app uses: ESM + .d.ts + source maps, from `src/index.ts`
 * unless the package names other entries.
 */
export function packageBuild(entry: Options["entry"] = ["src/index.ts"]) {
  return defineConfig({ entry, format: ["esm"], dts: true, sourcemap: true, clean: true, target: "es2022" });
}
