/**
 * Sends a file held in memory (a page asset, a generated config): exact content type, revalidated
 * on every load (`no-cache` + ETag, so an unchanged file costs a 304), headers only for HEAD.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ifNoneMatch } from "./etag.js";

/** What {@link sendMemoryFile} needs of a file. */
export interface MemoryFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

export function sendMemoryFile(req: IncomingMessage, res: ServerResponse, file: MemoryFile, headers: Record<string, string>): void {
  const out: Record<string, string> = {
    ...headers,
    "content-type": file.contentType,
    "content-length": String(file.body.length),
    "cache-control": "no-cache",
    etag: file.etag,
  };
  if (ifNoneMatch(req.headers["if-none-match"], file.etag)) {
    delete out["content-length"];
    res.writeHead(304, out);
    res.end();
    return;
  }
  res.writeHead(200, out);
  res.end(req.method === "HEAD" ? undefined : file.body);
}
