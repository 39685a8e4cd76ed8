/**
 * A static site's files, read once at start and served from memory: the server can never be made
 * to read any other file (a request is a lookup in this map, not a path joined to a directory), a
 * file changed on disk afterwards is not served half-written, and a missing page is an error at
 * start rather than a broken page later.
 *
 * Only regular files under the directory whose every path segment is a plain name (letters,
 * digits, `.`, `_`, `-`, not starting with a dot) are taken; symlinks, dotfiles and anything else
 * are skipped, so a link planted in the directory cannot expose another file.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { contentTypeFor } from "./content-type.js";
import { WatchServerError } from "./errors.js";
import { etagOf } from "./etag.js";
import type { MemoryFile } from "./memory-file.js";

/** One file, ready to send. */
export type SiteFile = MemoryFile;

/** Bounds on what a site directory may hold (it is read into memory). */
export const SITE_LIMITS = { maxFiles: 512, maxBytes: 64 * 1024 * 1024, maxDepth: 8 } as const;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * Reads every servable file under `dir`, keyed by its `/`-joined relative path (`index.html`,
 * `assets/app.js`).
 * @throws WatchServerError `missing-asset` (no such directory, no index.html, unreadable file),
 *   `bad-option` (over {@link SITE_LIMITS}).
 */
export function readSiteDir(dir: string): Map<string, SiteFile> {
  const files = new Map<string, SiteFile>();
  let bytes = 0;
  const walk = (abs: string, rel: string[], depth: number) => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      throw new WatchServerError("missing-asset", `cannot read the site directory ${abs}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
    for (const name of names.sort()) {
      if (!NAME.test(name)) continue;
      const path = join(abs, name);
      const st = lstatSync(path);
      if (st.isDirectory()) {
        if (depth < SITE_LIMITS.maxDepth) walk(path, [...rel, name], depth + 1);
        continue;
      }
      if (!st.isFile()) continue;
      if (files.size >= SITE_LIMITS.maxFiles) throw new WatchServerError("bad-option", `the site directory ${dir} has more than ${SITE_LIMITS.maxFiles} files`);
      bytes += st.size;
      if (bytes > SITE_LIMITS.maxBytes) throw new WatchServerError("bad-option", `the site directory ${dir} holds more than ${SITE_LIMITS.maxBytes} bytes`);
      let body: Buffer;
      try {
        body = readFileSync(path);
      } catch (err) {
        throw new WatchServerError("missing-asset", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
      }
      files.set([...rel, name].join("/"), { body, contentType: contentTypeFor(name), etag: etagOf(body) });
    }
  };
  walk(dir, [], 0);
  if (!files.has("index.html")) throw new WatchServerError("missing-asset", `the site directory ${dir} has no index.html`);
  return files;
}

/** A file made in memory (e.g. a generated `config.json`). */
export function siteFile(name: string, body: string | Buffer): SiteFile {
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  return { body: buf, contentType: contentTypeFor(name), etag: etagOf(buf) };
}
