/** Bundles a browser entry with esbuild, platform=browser: a Node import anywhere on its path fails the build. */
import { build } from "esbuild";

export async function bundleForBrowser(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}
