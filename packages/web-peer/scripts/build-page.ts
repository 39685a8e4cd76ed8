/**
 * Builds the static watch page into dist/page/: index.html, style.css and one bundled, minified
 * app.js (esbuild, platform=browser: a Node built-in anywhere on the page's import path fails the
 * build; @moq/lite's console.debug calls dropped). The esbuild metafile goes to
 * dist/page-meta.json, beside (not inside) the served directory, for `pnpm bench`'s per-dependency
 * size shares.
 *
 *   tsx scripts/build-page.ts
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { quietMoqLite } from "./quiet-moq-lite.js";

const root = join(import.meta.dirname, "..");
const out = join(root, "dist", "page");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(root, "page", "main.ts")],
  bundle: true,
  minify: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  outfile: join(out, "app.js"),
  metafile: true,
  legalComments: "none",
  // @moq/lite's console.debug chatter is dropped from the page (see quiet-moq-lite.ts).
  plugins: [quietMoqLite()],
  logLevel: "warning",
});
for (const f of ["index.html", "style.css"]) copyFileSync(join(root, "page", f), join(out, f));
writeFileSync(join(root, "dist", "page-meta.json"), JSON.stringify(result.metafile));
