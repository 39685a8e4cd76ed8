/**
 * File-system steps the CLI takes on paths an operator typed, done so that a bad path is a one-line
 * error instead of a hang or an out-of-memory crash.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Why a path given on the command line cannot be used; `code` says what is wrong (never match the message). */
export class PathError extends Error {
  override readonly name = "PathError";
  constructor(
    readonly code: "not-regular" | "too-large" | "not-directory" | "io",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a small text file (a key, a secret) of at most `maxBytes`. Anything but a regular file is
 * refused before a byte is read: `/dev/zero` would otherwise be read until memory runs out, and a
 * FIFO would block forever (it is opened non-blocking, so opening cannot hang either).
 */
export function readSmallTextFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new PathError("io", `cannot read ${path}: ${errCode(err)}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new PathError("not-regular", `${path} is not a regular file (${kindOf(st)})`);
    if (st.size > maxBytes) throw new PathError("too-large", `${path} is ${st.size} bytes; at most ${maxBytes} expected`);
    // The size can change under us: read at most one byte more than allowed and check again.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        throw new PathError("io", `cannot read ${path}: ${errCode(err)}`);
      }
      if (got === 0) break;
      n += got;
      if (n > maxBytes) throw new PathError("too-large", `${path} is over ${maxBytes} bytes`);
    }
    return buf.subarray(0, n).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `dir` and any missing parents, one level at a time. Not `mkdirSync(dir, {recursive:
 * true})`: on Node 20 that loops forever inside one synchronous call when the kernel answers
 * ENOENT for a parent that exists (e.g. anything under /proc), pinning a core and leaving no chance
 * to handle SIGTERM. Here every failure is a {@link PathError} naming the path.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      const code = errCode(err);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new PathError("io", `cannot use ${p}: ${code}`);
      // ENOTDIR: some parent is a file; walking up finds it and names it below.
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) throw new PathError("io", `cannot use ${p}: ENOENT`);
      p = parent;
      continue;
    }
    if (!st.isDirectory()) throw new PathError("not-directory", `${p} is a file, not a directory`);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      const code = errCode(err);
      if (code === "EEXIST" && isDirectory(m)) continue;
      throw new PathError("io", `cannot create directory ${m}: ${code}`);
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? String(err);
}

function kindOf(st: import("node:fs").Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a file";
}
