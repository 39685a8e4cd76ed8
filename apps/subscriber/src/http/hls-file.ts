/**
 * Sends one file from the HLS directory. The name has already passed the router's alphabet (one
 * segment, no dots in front, .m3u8/.ts), so joining it to the directory cannot climb out; the
 * open refuses a symlink in its place (O_NOFOLLOW), so a link planted in the directory cannot
 * point elsewhere either, and anything but a regular file is "not found".
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { contentTypeFor } from "./content-type.js";

/** Outcome of {@link sendHlsFile}, for the caller's log. */
export type HlsFileResult = "sent" | "not-found" | "not-regular" | "error";

/**
 * Sends `dir/name` (headers only for HEAD). The playlist changes every segment and segment
 * names restart with a new run, so nothing is cacheable without revalidation.
 */
export async function sendHlsFile(dir: string, name: string, head: boolean, res: ServerResponse, headers: Record<string, string>): Promise<HlsFileResult> {
  let fh: FileHandle;
  try {
    fh = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const missing = code === "ENOENT" || code === "ENOTDIR";
    send(res, 404, headers, "not found\n");
    return missing ? "not-found" : code === "ELOOP" ? "not-regular" : "error";
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      send(res, 404, headers, "not found\n");
      return "not-regular";
    }
    res.writeHead(200, {
      ...headers,
      "content-type": contentTypeFor(name),
      "content-length": String(st.size),
      "cache-control": "no-cache",
    });
    if (head || st.size === 0) {
      await fh.close();
      res.end();
      return "sent";
    }
    // The sink replaces files by rename, so this open file is one whole version; read just its size.
    const stream = fh.createReadStream({ start: 0, end: st.size - 1, autoClose: true });
    await new Promise<void>((resolve) => {
      stream.on("error", () => {
        res.destroy();
        resolve();
      });
      res.on("close", () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
    return "sent";
  } catch {
    await fh.close().catch(() => {});
    if (!res.headersSent) send(res, 500, headers, "cannot read file\n");
    else res.destroy();
    return "error";
  }
}

/** A short plain-text response; never echoes the request or a path. */
export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string, extra: Record<string, string> = {}): void {
  const buf = Buffer.from(body);
  res.writeHead(status, {
    ...headers,
    ...extra,
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(buf.length),
    "cache-control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : buf);
}
