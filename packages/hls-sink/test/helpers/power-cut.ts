/**
 * What a power cut can leave on disk, replayed from the file-system calls a sink made
 * (instrumented-fs.ts), as an in-memory file system a fresh sink can then be opened on.
 *
 * Model (a journaling file system such as ext4 or xfs):
 * - a file's bytes are on stable storage only once fdatasynced after they were written; bytes
 *   never synced are lost: the file reads back as zeros of the same length (xfs's "null files")
 *   or as empty, depending on the scenario; in a third, files renamed over an existing name
 *   keep their bytes and only the others are lost (ext4's `auto_da_alloc` flushes a file
 *   renamed over another, so the live playlist survives while a new segment it names does not);
 * - names (creates, renames, unlinks) are durable up to the last directory fsync; those after it
 *   reached the disk in order, up to some point: every prefix is a possible outcome.
 */
import { basename, join } from "node:path";
import type { HlsSinkFileHandle, HlsSinkFs } from "../../src/fs.js";
import type { FsEvent } from "./instrumented-fs.js";

/** How unsynced bytes come back. */
export type LostBytes = "zeros" | "empty" | "replacing-survive";

interface Inode {
  data: Uint8Array;
  synced: boolean;
  /** Renamed over an existing file at some point. */
  replaced: boolean;
}

/** One outcome of a power cut after `events[0..cut)`. */
export interface PowerCutScenario {
  cut: number;
  /** How many name changes after the last directory fsync reached the disk. */
  namesApplied: number;
  lost: LostBytes;
  /** File name -> bytes as they would read back after the cut. */
  files: Map<string, Uint8Array>;
}

/**
 * Every outcome of a power cut at every point of `events`: for each cut, each prefix of the
 * name changes after the last directory fsync, with unsynced bytes lost in each of the three
 * ways above. `initial` is what the directory held before the events (all durable).
 */
export function* powerCutScenarios(events: FsEvent[], initial: Map<string, Uint8Array> = new Map()): Generator<PowerCutScenario> {
  for (let cut = 0; cut <= events.length; cut++) {
    const inodes: Inode[] = [];
    const names = new Map<string, number>();
    for (const [name, data] of initial) {
      inodes.push({ data, synced: true, replaced: false });
      names.set(name, inodes.length - 1);
    }
    let durable = new Map(names);
    let pending: FsEvent[] = [];
    const inodeOf = new Map<FsEvent, number>();
    for (const e of events.slice(0, cut)) {
      if (e.op === "write") {
        inodes.push({ data: e.data, synced: false, replaced: false });
        names.set(e.file, inodes.length - 1);
        inodeOf.set(e, inodes.length - 1);
        pending.push(e);
      } else if (e.op === "rename" || e.op === "unlink") {
        if (e.op === "rename" && names.has(e.to) && names.has(e.from)) inodes[names.get(e.from)!]!.replaced = true;
        applyName(names, e);
        pending.push(e);
      } else if (e.op === "sync-file") {
        const id = names.get(e.file);
        if (id === undefined) throw new Error(`sync of ${e.file}, which does not exist`);
        inodes[id]!.synced = true;
      } else if (e.op === "sync-dir") {
        durable = new Map(names);
        pending = [];
      }
    }
    for (let applied = 0; applied <= pending.length; applied++) {
      const after = new Map(durable);
      // A write's name (its temp file) is created by the write.
      for (const e of pending.slice(0, applied)) {
        if (e.op === "write") after.set(e.file, inodeOf.get(e)!);
        else applyName(after, e);
      }
      for (const lost of ["zeros", "empty", "replacing-survive"] as const) {
        const files = new Map<string, Uint8Array>();
        for (const [name, id] of after) {
          const ino = inodes[id]!;
          const kept = ino.synced || (lost === "replacing-survive" && ino.replaced);
          files.set(name, kept ? ino.data : lost === "empty" ? new Uint8Array(0) : new Uint8Array(ino.data.length));
        }
        yield { cut, namesApplied: applied, lost, files };
      }
    }
  }
}

function applyName(names: Map<string, number>, e: FsEvent): void {
  if (e.op === "rename") {
    const id = names.get(e.from);
    if (id === undefined) return; // its create did not reach the disk either
    names.delete(e.from);
    names.set(e.to, id);
  } else if (e.op === "unlink") {
    names.delete(e.name);
  }
}

/**
 * A flat in-memory directory `dir` holding `files`, as an {@link HlsSinkFs}: enough for a sink to
 * open, recover and write on. Syncs are no-ops (nothing is cut after this point).
 */
export function memoryFs(dir: string, files: Map<string, Uint8Array>): HlsSinkFs {
  const enoent = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  const nameOf = (path: string) => {
    if (path === dir) return "";
    if (join(dir, basename(path)) !== path) throw Object.assign(new Error(`EACCES: outside ${dir}: ${path}`), { code: "EACCES" });
    return basename(path);
  };
  return {
    async mkdir() {
      return undefined;
    },
    async open(path, flags): Promise<HlsSinkFileHandle> {
      const name = nameOf(path);
      if (flags === "wx") {
        if (files.has(name)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: "EEXIST" });
        files.set(name, new Uint8Array(0));
      } else if (name !== "" && !files.has(name)) throw enoent(path);
      return {
        async writeFile(data) {
          files.set(name, new Uint8Array(data));
        },
        async sync() {},
        async datasync() {},
        async close() {},
      };
    },
    async rename(from, to) {
      const data = files.get(nameOf(from));
      if (!data) throw enoent(from);
      files.delete(nameOf(from));
      files.set(nameOf(to), data);
    },
    async unlink(path) {
      if (!files.delete(nameOf(path))) throw enoent(path);
    },
    async readdir() {
      return [...files.keys()];
    },
    async readFile(path) {
      const data = files.get(nameOf(path));
      if (!data) throw enoent(path);
      return data;
    },
    async stat(path) {
      const name = nameOf(path);
      const data = files.get(name);
      if (!data) throw enoent(path);
      return { size: data.length, isFile: () => true };
    },
  };
}
