/**
 * Splits a raw request target into its decoded path segments, or refuses it. Shared by every
 * route table of the http module, so the traversal rules live once.
 *
 * Nothing here turns a URL into a file-system path: callers match the segments exactly. Everything
 * that smells of traversal is refused, in raw and in decoded form: `.`/`..` segments (also as
 * `%2e`), encoded separators (`%2f`, `%5c`), anything still containing `%` after one decoding
 * (double encoding), NUL and control bytes, backslashes, empty segments (`//etc`, a trailing `/`),
 * fragments, and absolute-form targets (`http://host/...`). The query string is ignored.
 */

/** Why a request target was not routed: `status` 400 for a hostile or malformed target, 404 for an unknown one. */
export interface RouteRefusal {
  kind: "refused";
  status: 400 | 404;
  why: string;
}

/** Longest request target considered; longer ones are refused unread. */
export const MAX_TARGET_LENGTH = 2048;

/** The decoded segments of a target's path; `[""]` for `/`. */
export function splitTarget(target: string): string[] | RouteRefusal {
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
  for (const r of raw) {
    // "/" alone is the page; otherwise an empty segment is "//" or a trailing slash.
    if (r === "" && raw.length !== 1) return refuse(400, "empty path segment");
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
  return segs;
}

export function refuse(status: 400 | 404, why: string): RouteRefusal {
  return { kind: "refused", status, why };
}
