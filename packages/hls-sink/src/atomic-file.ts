import { join } from "node:path";
import { fsError } from "./errors.js";
import type { HlsSinkFs } from "./fs.js";
import { TEMP_PREFIX, TEMP_SUFFIX } from "./segment-name.js";

let tempCounter = 0;

/** A fresh hidden temp name in the same directory (rename is only atomic within one file system). */
export function tempNameFor(name: string): string {
  const nonce = Math.floor(Math.random() * 0x1_0000_0000).toString(36);
  return `${TEMP_PREFIX}${name}-${process.pid}-${++tempCounter}-${nonce}${TEMP_SUFFIX}`;
}

/**
 * Writes `data` to `dir/name` so that a reader only ever sees the old file or the whole new one:
 * write to a temp name, fdatasync it (unless `sync: false`), then rename it over `name`. On
 * failure the temp file is removed and an `HlsSinkError` is thrown; `dir/name` is untouched. The
 * rename is durable only after {@link syncDirectory}, which the caller runs when it needs
 * ordering against later writes.
 *
 * `sync: false` is for the live path: a running process (and a `kill -9`) only ever sees whole
 * files, but after a power cut the bytes may be missing; the caller then makes them durable
 * later ({@link syncFile}) and must not rely on them before (see the sink's group commit).
 */
export async function writeFileAtomically(
  fs: HlsSinkFs,
  dir: string,
  name: string,
  data: Uint8Array,
  opts: { sync?: boolean } = {},
): Promise<void> {
  const staged = await stageFile(fs, dir, name, data, opts);
  await staged.rename();
}

/** A whole file under a temp name in `dir`, waiting to be renamed over its name (or discarded). */
export interface StagedFile {
  /** Renames the temp file over `dir/name`; on failure removes it. @throws HlsSinkError */
  rename(): Promise<void>;
  /** Removes the temp file (never rejects: a leftover temp file is cleaned up on the next open). */
  discard(): Promise<void>;
}

/**
 * The first half of {@link writeFileAtomically}: `data` written (and fdatasynced unless
 * `sync: false`) and closed under a fresh temp name in `dir`; nothing a reader looks at has
 * changed yet. Lets a caller write two files at once and still rename them in the order it
 * needs (a segment before the playlist naming it).
 * @throws HlsSinkError (the temp file removed)
 */
export async function stageFile(
  fs: HlsSinkFs,
  dir: string,
  name: string,
  data: Uint8Array,
  opts: { sync?: boolean } = {},
): Promise<StagedFile> {
  const tmp = join(dir, tempNameFor(name));
  let created = false;
  try {
    const fh = await fs.open(tmp, "wx");
    created = true;
    let failure: unknown;
    try {
      await fh.writeFile(data);
      // fdatasync: the bytes and the size (what a reader needs) without the timestamps' flush.
      if (opts.sync !== false) await (fh.datasync ? fh.datasync() : fh.sync());
    } catch (err) {
      failure = err;
    }
    try {
      await fh.close();
    } catch (err) {
      // close() can be where a deferred write error (e.g. ENOSPC on NFS) surfaces.
      failure ??= err;
    }
    if (failure !== undefined) throw failure;
  } catch (err) {
    if (created) await fs.unlink(tmp).catch(() => undefined);
    throw fsError(err, `writing ${name} in ${dir}`);
  }
  let settled = false;
  return {
    async rename() {
      if (settled) throw new Error(`staged ${name} already renamed or discarded`);
      settled = true;
      try {
        await fs.rename(tmp, join(dir, name));
      } catch (err) {
        await fs.unlink(tmp).catch(() => undefined);
        throw fsError(err, `writing ${name} in ${dir}`);
      }
    },
    async discard() {
      if (settled) return;
      settled = true;
      await fs.unlink(tmp).catch(() => undefined);
    },
  };
}

// Some file systems cannot fsync a directory; durability there is the file system's business.
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EISDIR", "EBADF"]);

/** fsync a directory, making renames and unlinks in it durable. */
export async function syncDirectory(fs: HlsSinkFs, dir: string): Promise<void> {
  let fh;
  try {
    fh = await fs.open(dir, "r");
  } catch (err) {
    throw fsError(err, `opening ${dir} to sync it`);
  }
  try {
    await fh.sync();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== "string" || !DIR_SYNC_UNSUPPORTED.has(code)) throw fsError(err, `syncing ${dir}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** fdatasync a file already in place (written earlier with `sync: false`). @throws HlsSinkError */
export async function syncFile(fs: HlsSinkFs, dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  let fh;
  try {
    fh = await fs.open(path, "r");
  } catch (err) {
    throw fsError(err, `opening ${name} in ${dir} to sync it`);
  }
  try {
    await (fh.datasync ? fh.datasync() : fh.sync());
  } catch (err) {
    throw fsError(err, `syncing ${name} in ${dir}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
