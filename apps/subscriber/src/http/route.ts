/**
 * Maps a raw request target to the one thing it may name, or refuses it.
 *
 * The server never turns a URL into a file-system path by joining: every route is an exact match,
 * and the only variable part, an HLS file name, is one path segment from a strict alphabet with an
 * extension from a short list. Hostile targets are refused before matching (see target.ts).
 */
import { refuse, splitTarget, type RouteRefusal } from "./target.js";

export { MAX_TARGET_LENGTH, type RouteRefusal } from "./target.js";

/** The page's own files (served from memory; never looked up by name on disk). */
export type WebAssetName = "index.html" | "app.js" | "style.css" | "favicon.svg" | "hls.min.js";

/** What a request target names. */
export type Route =
  | { kind: "asset"; asset: WebAssetName }
  | { kind: "hls"; name: string }
  | { kind: "stats" }
  | { kind: "events" };

/** An HLS file the server will look up: one segment, safe alphabet, no leading dot, .m3u8 or .ts. */
const HLS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}(\.[A-Za-z0-9_-]{1,32}){0,3}\.(m3u8|ts)$/;

const ASSETS: Record<string, WebAssetName> = {
  "": "index.html",
  "index.html": "index.html",
  "app.js": "app.js",
  "style.css": "style.css",
  "favicon.svg": "favicon.svg",
};

/** Routes a raw request target (`req.url`, as received). */
export function routeRequest(target: string): Route | RouteRefusal {
  const segs = splitTarget(target);
  if (!Array.isArray(segs)) return segs;
  if (segs.length === 1) {
    const asset = ASSETS[segs[0]!];
    if (asset) return { kind: "asset", asset };
  }
  if (segs.length === 2) {
    const [a, b] = segs as [string, string];
    if (a === "vendor" && b === "hls.min.js") return { kind: "asset", asset: "hls.min.js" };
    if (a === "api" && b === "stats") return { kind: "stats" };
    if (a === "api" && b === "events") return { kind: "events" };
    if (a === "hls") return HLS_NAME.test(b) ? { kind: "hls", name: b } : refuse(404, "not an HLS file name");
  }
  return refuse(404, "no such route");
}
