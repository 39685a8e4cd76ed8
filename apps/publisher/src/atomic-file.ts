import { renameSync, rmSync, writeFileSync } from "node:fs";

/**
 * The apps' one atomic file write, for small files other programs read while we run (stats JSON,
 * endpoint files, key files, debug chunk dumps): write a temp file beside `path`, then rename it
 * over `path`, so a reader sees the old file or the whole new one, never half of it. On failure
 * the temp file is removed and `path` is untouched. Not fsync'd: these files are rewritten often
 * and a crash may lose the latest one (the HLS sink's durable write lives in `@ec/hls-sink`).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  // The pid keeps two processes writing the same path from renaming each other's half-written temp.
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
