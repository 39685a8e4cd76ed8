/**
 * The MPEG-TS fixtures shipped in this package's `fixtures/` directory (see its README for how
 * they were made). The CLI's demo streams the H.264/AAC one; tests use all three.
 */
import { fileURLToPath } from "node:url";

/** Names of the shipped fixtures. */
export type FixtureName = "h264-aac-1s-gop.ts" | "h264-scenecut.ts" | "mpeg2-ac3.ts";

/** Every shipped fixture, for iteration. */
export const FIXTURE_NAMES: readonly FixtureName[] = ["h264-aac-1s-gop.ts", "h264-scenecut.ts", "mpeg2-ac3.ts"];

/**
 * Absolute path of the fixtures directory. Both `src/` and `dist/` sit one level below the
 * package root, so the same relative URL works from either.
 */
export const FIXTURES_DIR: string = fileURLToPath(new URL("../fixtures/", import.meta.url));

/**
 * Absolute path of one shipped fixture:
 * - `h264-aac-1s-gop.ts`: H.264/AAC, 12 s, 640x360 at 30 fps, an IDR every second (the demo clip);
 * - `h264-scenecut.ts`: H.264 only, 6 s, keyframes at scene cuts (irregular GOPs);
 * - `mpeg2-ac3.ts`: MPEG-2 video + AC-3 audio like an ATSC broadcast, 4 s, 720x480.
 */
export function fixturePath(name: FixtureName): string {
  if (!FIXTURE_NAMES.includes(name)) throw new RangeError(`unknown fixture ${JSON.stringify(name)}`);
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}
