/**
 * The page's files, read once at start and served from memory: the page cannot be made to read
 * any other file, and a missing asset is an error at start, not a broken page later.
 *
 * `web/` sits beside `src/` and `dist/` in the package (and ships in `files`); hls.js comes from
 * the installed npm package, never a CDN.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { contentTypeFor } from "./content-type.js";
import { WatchServerError } from "./errors.js";
import { etagOf } from "./etag.js";
import type { MemoryFile } from "./memory-file.js";
import type { WebAssetName } from "./route.js";

/** One asset, ready to send; its ETag lets a reload revalidate with a 304, not 624 KB of hls.js. */
export type WebAsset = MemoryFile;

const PAGE_FILES = ["index.html", "app.js", "style.css", "favicon.svg"] as const;

/**
 * Where `web/` is. This module runs from `src/http/*.ts` (tests) or bundled into `dist/http.js`
 * (everyone else), which sit at different depths below the package root.
 */
export function webDir(): string {
  const candidates = [new URL("../web/", import.meta.url), new URL("../../web/", import.meta.url)];
  for (const c of candidates) {
    const dir = fileURLToPath(c);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new WatchServerError("missing-asset", "the watch page (web/index.html) is missing from @ec/subscriber");
}

/** Path of hls.js's browser build in the installed `hls.js` package. */
export function hlsJsPath(): string {
  try {
    return createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js");
  } catch {
    throw new WatchServerError("missing-asset", "hls.js is not installed (it is a dependency of @ec/subscriber)");
  }
}

/** Reads every asset the page needs. @throws WatchServerError `missing-asset`. */
export function loadWebAssets(): Map<WebAssetName, WebAsset> {
  const dir = webDir();
  const out = new Map<WebAssetName, WebAsset>();
  const read = (name: WebAssetName, path: string) => {
    try {
      const body = readFileSync(path);
      out.set(name, { body, contentType: contentTypeFor(name), etag: etagOf(body) });
    } catch {
      throw new WatchServerError("missing-asset", `cannot read the watch page asset ${name}`);
    }
  };
  for (const f of PAGE_FILES) read(f, `${dir}${f}`);
  read("hls.min.js", hlsJsPath());
  return out;
}
