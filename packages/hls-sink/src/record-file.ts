import { join } from "node:path";
import { fsError } from "./errors.js";
import type { HlsSinkFs } from "./fs.js";

/**
 * The bytes of the small record file `name` in `dir` (a commit or resume record), or undefined
 * when it is missing, not a regular file, or over `maxBytes` (then it is not ours to trust).
 * @throws HlsSinkError only when the directory cannot be read at all.
 */
export async function readRecordFile(fs: HlsSinkFs, dir: string, name: string, maxBytes: number): Promise<Uint8Array | undefined> {
  const path = join(dir, name);
  try {
    const st = await fs.stat(path);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return await fs.readFile(path);
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw fsError(err, `reading ${name} in ${dir}`);
  }
}
