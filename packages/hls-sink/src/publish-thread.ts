/**
 * Publishing a segment and its playlist on a thread of their own.
 *
 * Why: with `node:fs/promises` one segment + playlist write is about a dozen thread-pool requests
 * (open, write, close and rename of each file), and each completion needs a turn of the main
 * thread before the next request starts. A subscriber's main thread spends those turns verifying
 * and decrypting the next chunk (synchronous native crypto, milliseconds per 2 MiB), so the write
 * advanced one request per chunk and barely overlapped the crypto (docs/PERFORMANCE.md,
 * "Subscriber pipeline"). Here the whole sequence is one request to a worker thread that makes
 * the same calls synchronously, in the same order, on the other core: one main-thread turn per
 * segment.
 *
 * The calls, in order, for files `[segment, playlist]`: for each, `open(temp, "wx")`, `write` until
 * all of it is written, `close`; then `rename(temp, path)` for each in turn. No fsync (the sink's
 * group commit makes them durable later), exactly as the sink's `node:fs/promises` path does. On
 * failure every temp file not renamed yet is removed, and the error says how many renames
 * happened (so the sink can take back a segment whose playlist did not follow). A file may ask
 * for an fdatasync before its close, and a request for a directory fsync after the renames: the
 * fresh directory's first commit record (written, fdatasynced, renamed, directory fsynced) goes
 * the same way, one turn instead of eight before the first segment.
 *
 * One worker per process, shared by every sink that uses it (its requests run one at a time, in
 * the order sent); started when the first such sink opens ({@link startPublishThread}: a thread
 * takes tens of milliseconds to boot, better spent while the subscriber is still connecting than
 * in front of its first segment), holding the process open only while a request is pending.
 */
import { Worker } from "node:worker_threads";

/** One file for {@link publishFiles}: `data` written to `tempPath` (created, must not exist), then renamed over `path`. */
export interface PublishFile {
  tempPath: string;
  path: string;
  /** The bytes; a view on a `SharedArrayBuffer` is not copied on its way to the thread. */
  data: Uint8Array;
  /** fdatasync the temp file before closing it (a file that must be durable before its name is). */
  sync?: boolean;
}

/** What else a {@link publishFiles} request does. */
export interface PublishOptions {
  /** fsync this directory after the renames (making them durable). */
  syncDir?: string;
  /**
   * Before anything is written: the CRC-32 (zlib's) of file `of`'s data, written as 8 lowercase
   * hex digits over bytes `at`..`at + 8` of file `into`'s data (the playlist's `crc32=` field of
   * the newest segment). The request resolves with it.
   */
  crc32?: { of: number; into: number; at: number };
}

/** Why a {@link publishFiles} request failed: the errno-style fields of the failing call. */
export class PublishFailure extends Error {
  readonly code: string | undefined;
  readonly syscall: string | undefined;
  /** How many of the files were renamed into place before the failure. */
  readonly renamed: number;
  /** Index of the file whose call failed. */
  readonly file: number;

  constructor(info: { message: string; code?: string; syscall?: string; renamed: number; file: number }) {
    super(info.message);
    this.name = "PublishFailure";
    this.code = info.code;
    this.syscall = info.syscall;
    this.renamed = info.renamed;
    this.file = info.file;
  }
}

// As atomic-file.ts's syncDirectory.
const DIR_SYNC_UNSUPPORTED = ["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EISDIR", "EBADF"];

// CommonJS, evaluated as the worker's main script (no file to locate next to a bundle).
const WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const zlib = require("node:zlib");
const DIR_SYNC_UNSUPPORTED = ${JSON.stringify(DIR_SYNC_UNSUPPORTED)};
function writeAll(fd, data) {
  let offset = 0;
  while (offset < data.length) {
    const n = fs.writeSync(fd, data, offset, data.length - offset);
    if (n <= 0) throw Object.assign(new Error("write(2) took no bytes"), { code: "EIO", syscall: "write" });
    offset += n;
  }
}
parentPort.on("message", (req) => {
  const created = [];
  let renamed = 0;
  let file = 0;
  let crc;
  try {
    if (req.crc32 !== undefined) {
      crc = zlib.crc32(req.files[req.crc32.of].data);
      const hex = crc.toString(16).padStart(8, "0");
      const into = req.files[req.crc32.into].data;
      for (let i = 0; i < 8; i++) into[req.crc32.at + i] = hex.charCodeAt(i);
    }
    for (file = 0; file < req.files.length; file++) {
      const f = req.files[file];
      const fd = fs.openSync(f.tempPath, "wx");
      created.push(f.tempPath);
      let failure;
      try {
        writeAll(fd, f.data);
        if (f.sync) fs.fdatasyncSync(fd);
      } catch (err) {
        failure = err;
      }
      try {
        fs.closeSync(fd);
      } catch (err) {
        // close() can be where a deferred write error (e.g. ENOSPC on NFS) surfaces.
        if (failure === undefined) failure = err;
      }
      if (failure !== undefined) throw failure;
    }
    for (file = 0; file < req.files.length; file++) {
      fs.renameSync(req.files[file].tempPath, req.files[file].path);
      renamed++;
    }
    if (req.syncDir !== undefined) {
      file = -1;
      const fd = fs.openSync(req.syncDir, "r");
      try {
        fs.fsyncSync(fd);
      } catch (err) {
        // Some file systems cannot fsync a directory; durability there is the file system's business.
        if (!DIR_SYNC_UNSUPPORTED.includes(err && err.code)) throw err;
      } finally {
        fs.closeSync(fd);
      }
    }
    parentPort.postMessage({ id: req.id, crc32: crc });
  } catch (err) {
    for (const tmp of created.slice(renamed)) {
      try {
        fs.unlinkSync(tmp);
      } catch {}
    }
    const e = err || {};
    parentPort.postMessage({
      id: req.id,
      error: {
        message: String(e.message || e),
        code: typeof e.code === "string" ? e.code : undefined,
        syscall: typeof e.syscall === "string" ? e.syscall : undefined,
        renamed,
        file,
      },
    });
  }
});
`;

interface Reply {
  id: number;
  crc32?: number;
  error?: { message: string; code?: string; syscall?: string; renamed: number; file: number };
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (crc32: number | undefined) => void; reject: (err: unknown) => void }>();

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, name: "hls-sink publish" });
  w.unref();
  w.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if (reply.error) p.reject(new PublishFailure(reply.error));
    else p.resolve(reply.crc32);
  });
  // The thread died (it catches every call's error, so this is a crash): whatever was pending may
  // have happened or not; the callers fail (a sink stops counting on it) and the next request
  // starts a new thread.
  const died = (err: unknown) => {
    if (worker === w) worker = undefined;
    const message = `the HLS publish thread stopped: ${(err as Error)?.message ?? String(err)}`;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new PublishFailure({ message, code: "EIO", renamed: -1, file: -1 }));
    }
  };
  w.on("error", died);
  w.on("exit", (code) => died(new Error(`exit code ${code}`)));
  worker = w;
  return w;
}

/** Boots the publish thread now if it is not running (it does not hold the process open). */
export function startPublishThread(): void {
  thread();
}

/**
 * Writes each file under its temp name and renames them into place in order, on the publish
 * thread (see the file comment). `data` must not change until the promise settles. Resolves
 * with the CRC-32 asked for in `opts.crc32`, if any.
 * @throws PublishFailure
 */
export function publishFiles(files: PublishFile[], opts: PublishOptions = {}): Promise<number | undefined> {
  const w = thread();
  const id = nextId++;
  return new Promise<number | undefined>((resolve, reject) => {
    if (pending.size === 0) w.ref();
    pending.set(id, { resolve, reject });
    w.postMessage({ id, files, syncDir: opts.syncDir, crc32: opts.crc32 });
  });
}
