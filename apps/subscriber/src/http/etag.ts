/**
 * Entity tags for files served from memory: a reload revalidates (`cache-control: no-cache`) and
 * gets a 304 while the file is unchanged, instead of the whole body again.
 */
import { createHash } from "node:crypto";

/** A strong validator: the quoted SHA-256 prefix of the body. */
export function etagOf(body: Uint8Array): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
}

/** Does an `If-None-Match` header (a list of entity tags, or `*`) match `etag`? Weak comparison, as RFC 9110 asks for GET. */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}
