/**
 * Why a sink operation failed. A closed set so callers can `switch` on it:
 * - `unwritable-dir`: the output directory cannot be created or written (permissions, a file in the
 *   way, read-only file system, directory removed under us).
 * - `disk-full`: the file system ran out of space or quota; nothing half-written was left behind.
 * - `io-error`: any other file-system failure.
 * - `bad-chunk`: the chunk handed to {@link HlsSink.write} is malformed or out of order.
 * - `bad-options`: {@link HlsSink.open} was given options it cannot honour.
 * - `closed`: the sink was closed before this call.
 * - `corrupt-playlist`: the existing playlist in the directory cannot be continued safely.
 */
export type HlsSinkErrorCode =
  | "unwritable-dir"
  | "disk-full"
  | "io-error"
  | "bad-chunk"
  | "bad-options"
  | "closed"
  | "corrupt-playlist";

/** The one error type `@ec/hls-sink` throws; `code` says why, `cause` keeps the underlying error. */
export class HlsSinkError extends Error {
  /** Machine-readable reason, see {@link HlsSinkErrorCode}. */
  readonly code: HlsSinkErrorCode;

  constructor(code: HlsSinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HlsSinkError";
    this.code = code;
  }
}

// errno values that mean "this directory is not a place we can write to".
const UNWRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "ENOENT", "EISDIR", "ELOOP", "ENAMETOOLONG"]);
// errno values that mean "out of space" (EDQUOT: per-user quota, EFBIG: file size limit).
const FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/**
 * Wraps a file-system error as an {@link HlsSinkError}, classifying it by errno.
 * `doing` is a short phrase for the message, e.g. "writing 00012.ts in /srv/hls".
 * @internal
 */
export function fsError(err: unknown, doing: string): HlsSinkError {
  if (err instanceof HlsSinkError) return err;
  const errno = (err as { code?: unknown } | null)?.code;
  const tag = typeof errno === "string" ? errno : "unknown error";
  if (typeof errno === "string" && FULL.has(errno)) {
    return new HlsSinkError("disk-full", `disk full while ${doing} (${tag})`, { cause: err });
  }
  if (typeof errno === "string" && UNWRITABLE.has(errno)) {
    return new HlsSinkError("unwritable-dir", `cannot write while ${doing} (${tag})`, { cause: err });
  }
  return new HlsSinkError("io-error", `I/O error while ${doing} (${tag})`, { cause: err });
}
