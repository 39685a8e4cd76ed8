import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { nodeFs, type HlsSinkFileHandle, type HlsSinkFs } from "../../src/fs.js";

/** One file-system call the sink made, in order. */
export type FsEvent =
  | { op: "rename"; from: string; to: string; /** For a playlist or a commit record: the segment URIs it lists once in place. */ listed?: string[] }
  | { op: "unlink"; name: string }
  | { op: "sync-dir" }
  | { op: "sync-file"; target: string; /** fdatasync rather than fsync. */ dataOnly: boolean; /** The name synced (a temp name, or a file already in place). */ file: string }
  | { op: "write"; /** The temp file's name. */ file: string; data: Uint8Array };

/** The segment URIs a playlist text lists. */
function listedIn(text: string): string[] {
  return text.split("\n").filter((l) => l.endsWith(".ts"));
}

/** When a fault hook returns an errno name, the call fails with that errno (after doing `partial` work). */
export interface FaultHooks {
  /** Before writing a temp file for `target` (e.g. "00003.ts" or "index.m3u8"); may half-write it first. */
  onWrite?(target: string): string | undefined;
  onSync?(target: string): string | undefined;
  onRename?(to: string): string | undefined;
}

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: simulated ${syscall} failure, '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

// ".hls-sink-00003.ts-123-4-abc.tmp" -> "00003.ts"
function targetOf(tempPath: string): string {
  return basename(tempPath).replace(/^\.hls-sink-/, "").replace(/-\d+-\d+-[0-9a-z]+\.tmp$/, "");
}

/**
 * The real `node:fs/promises` (every call reaches the disk), recording renames/unlinks/syncs
 * and, when a hook says so, failing a call the way a full disk does: a write that fails after
 * really writing half its bytes, an fsync that fails, a rename that fails.
 */
export function instrumentedFs(hooks: FaultHooks = {}): { fs: HlsSinkFs; events: FsEvent[] } {
  const events: FsEvent[] = [];
  const fs: HlsSinkFs = {
    ...nodeFs,
    async open(path, flags) {
      const real = await nodeFs.open(path, flags);
      if (flags === "r" && !statSync(path).isDirectory()) {
        // A file already in place, opened to fdatasync it (the group commit).
        const file = basename(path);
        return {
          sync: async () => {
            const code = hooks.onSync?.(file);
            if (code) throw errno(code, "fsync", path);
            await real.sync();
            events.push({ op: "sync-file", target: file, dataOnly: false, file });
          },
          datasync: async () => {
            const code = hooks.onSync?.(file);
            if (code) throw errno(code, "fdatasync", path);
            await (real.datasync ? real.datasync() : real.sync());
            events.push({ op: "sync-file", target: file, dataOnly: true, file });
          },
          close: () => real.close(),
          writeFile: (d) => real.writeFile(d),
        };
      }
      if (flags === "r") {
        return {
          sync: async () => {
            events.push({ op: "sync-dir" });
            await real.sync();
          },
          close: () => real.close(),
          writeFile: (d) => real.writeFile(d),
        };
      }
      const target = targetOf(path);
      const handle: HlsSinkFileHandle = {
        async writeFile(data) {
          const code = hooks.onWrite?.(target);
          if (code) {
            await real.writeFile(data.subarray(0, data.length >> 1));
            throw errno(code, "write", path);
          }
          await real.writeFile(data);
          events.push({ op: "write", file: basename(path), data: new Uint8Array(data) });
        },
        async sync() {
          const code = hooks.onSync?.(target);
          if (code) throw errno(code, "fsync", path);
          await real.sync();
          events.push({ op: "sync-file", target, dataOnly: false, file: basename(path) });
        },
        async datasync() {
          const code = hooks.onSync?.(target);
          if (code) throw errno(code, "fdatasync", path);
          await (real.datasync ? real.datasync() : real.sync());
          events.push({ op: "sync-file", target, dataOnly: true, file: basename(path) });
        },
        close: () => real.close(),
      };
      return handle;
    },
    async rename(from, to) {
      const code = hooks.onRename?.(basename(to));
      if (code) throw errno(code, "rename", to);
      await nodeFs.rename(from, to);
      const event: Extract<FsEvent, { op: "rename" }> = { op: "rename", from: basename(from), to: basename(to) };
      if (to.endsWith(".m3u8")) event.listed = listedIn(readFileSync(to, "utf8"));
      else if (to.endsWith(".json")) {
        const record = JSON.parse(readFileSync(to, "utf8")) as { playlist?: unknown };
        if (typeof record.playlist === "string") event.listed = listedIn(record.playlist);
      }
      events.push(event);
    },
    async unlink(path) {
      await nodeFs.unlink(path);
      events.push({ op: "unlink", name: basename(path) });
    },
  };
  return { fs, events };
}
