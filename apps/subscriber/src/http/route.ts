/**
 * Maps a raw request target to the one thing it may name, or refuses it.
 *
 * The server never turns a URL into a file-system path by joining: every route is an exact match,
 * and the only variable part, an HLS file name, is one path segment from a strict alphabet with an
 * extension from a short list. Everything that smells of traversal is refused before matching, in
 * raw and in decoded form: `.`/`..` segments (also as `%2e`), encoded separators (`%2f`, `%5c`),
 * anything still containing `%` after one decoding (double encoding), NUL and control bytes,
 * backslashes, empty segments (`//etc`), and absolute-form targets (`http://host/...`).
 */

/** The page's own files (served from memory; never looked up by name on disk). */
export type WebAssetName = "index.html" | "app.js" | "style.css" | "favicon.svg" | "hls.min.js";

/** What a request target names. */
export type Route =
  | { kind: "asset"; asset: WebAssetName }
  | { kind: "hls"; name: string }
  | { kind: "stats" }
  | { kind: "events" };

/** Why a request target was not routed: `status` 400 for a hostile or malformed target, 404 for an unknown one. */
export interface RouteRefusal {
  kind: "refused";
  status: 400 | 404;
  why: string;
}

/** Longest request target considered; longer ones are refused unread. */
export const MAX_TARGET_LENGTH = 2048;

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
  if (target.length > MAX_TARGET_LENGTH) return refuse(400, "target too long");
  // Only printable ASCII on the wire; NUL, controls, spaces and raw UTF-8 are never ours.
  if (/[^\x21-\x7e]/.test(target)) return refuse(400, "bad bytes in target");
  if (!target.startsWith("/")) return refuse(400, "not an origin-form target");
  if (target.includes("\\")) return refuse(400, "backslash in target");
  if (target.includes("#")) return refuse(400, "fragment in target");
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  const raw = path.slice(1).split("/");
  const segs: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    // "/" alone is the page; otherwise an empty segment is "//" or a trailing slash.
    if (r === "" && !(raw.length === 1)) return refuse(400, "empty path segment");
    let d: string;
    try {
      d = decodeURIComponent(r);
    } catch {
      return refuse(400, "malformed percent-encoding");
    }
    if (d === "." || d === "..") return refuse(400, "dot segment");
    if (/[/\\%\x00-\x20\x7f]/.test(d)) return refuse(400, "encoded separator, percent, or control character");
    segs.push(d);
  }
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

function refuse(status: 400 | 404, why: string): RouteRefusal {
  return { kind: "refused", status, why };
}
