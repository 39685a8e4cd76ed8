/**
 * An esbuild plugin for the page's bundle: @moq/lite's `console.debug` calls (several per
 * subscription, group and frame in a playing page) are marked pure, so the bundle's minifier drops
 * them (their arguments' side effects stay). Nothing else in a module changes. Only @moq/lite's own modules are touched, and only
 * `console.debug`: its warnings and errors still reach the console, and so does everything of ours.
 * (Node's `ec-node` silences the same chatter at run time with `quietMoqLiteLogs`, which tells
 * @moq/lite's calls apart by their stack's file paths; a bundle has none.)
 */
import { readFile } from "node:fs/promises";
import { transform } from "esbuild";
import type { Plugin } from "esbuild";

/** @moq/lite's modules, in a pnpm store (`.pnpm/@moq+lite@…/node_modules/@moq/lite/…`) or a flat node_modules. */
export const MOQ_LITE_MODULE = /[\\/]node_modules[\\/]@moq[\\/]lite[\\/].*\.js$/;

export function quietMoqLite(): Plugin {
  return {
    name: "quiet-moq-lite",
    setup(build) {
      build.onLoad({ filter: MOQ_LITE_MODULE }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const { code } = await transform(source, { loader: "js", format: "esm", pure: ["console.debug"], sourcefile: args.path });
        return { contents: code, loader: "js" };
      });
    },
  };
}
