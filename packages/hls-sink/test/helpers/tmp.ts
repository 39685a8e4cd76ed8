import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function tempDir(prefix = "hls-sink-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  // Retries: a sink a test did not close may still be finishing a background commit in it.
  return { path, cleanup: () => rm(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 }) };
}
