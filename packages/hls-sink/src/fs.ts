import * as fsp from "node:fs/promises";

/** The part of an open file the sink uses. Node's `FileHandle` fits. */
export interface HlsSinkFileHandle {
  /** Writes all of `data` (looping over short writes). */
  writeFile(data: Uint8Array): Promise<void>;
  /** fsync: returns once the file's bytes are on stable storage. */
  sync(): Promise<void>;
  /**
   * fdatasync: the bytes and what is needed to read them back (the size), not timestamps. Used
   * for the files the sink writes when present; `sync()` otherwise.
   */
  datasync?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls the sink makes, shaped like `node:fs/promises` (which is the default).
 * An option so tests can inject faults the real disk cannot produce on demand (ENOSPC), and so
 * an embedder can route writes elsewhere. Errors must carry a Node-style `code` (errno name).
 */
export interface HlsSinkFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  /**
   * `"wx"`: create a new file for writing, failing if it exists; `"r"`: open a directory or a
   * file already written, to fsync it.
   */
  open(path: string, flags: "wx" | "r"): Promise<HlsSinkFileHandle>;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Entry names in a directory. */
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<{ size: number; isFile(): boolean }>;
}

/**
 * A Node `FileHandle` whose `writeFile` hands the whole buffer to one `write(2)` (looping only on
 * a short write). Node's own `FileHandle.writeFile` splits a buffer into 512 KiB writes, each a
 * separate thread-pool request whose completion needs a turn of the main thread: four turns for
 * a 2 MiB segment where one does, and while the main thread verifies and decrypts the next chunk
 * no turn comes, so the write stalls (docs/PERFORMANCE.md, "Subscriber pipeline").
 */
function wholeWriteHandle(fh: fsp.FileHandle): HlsSinkFileHandle {
  return {
    async writeFile(data) {
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await fh.write(data, offset, data.length - offset);
        // A regular file never takes 0 bytes without an error; do not spin if one does.
        if (bytesWritten <= 0) throw Object.assign(new Error("write(2) took no bytes"), { code: "EIO" });
        offset += bytesWritten;
      }
    },
    sync: () => fh.sync(),
    datasync: () => fh.datasync(),
    close: () => fh.close(),
  };
}

/** `node:fs/promises`, narrowed to {@link HlsSinkFs}. */
export const nodeFs: HlsSinkFs = {
  mkdir: (path, options) => fsp.mkdir(path, options),
  open: async (path, flags) => wholeWriteHandle(await fsp.open(path, flags)),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  readdir: (path) => fsp.readdir(path),
  readFile: (path) => fsp.readFile(path),
  stat: (path) => fsp.stat(path),
};
