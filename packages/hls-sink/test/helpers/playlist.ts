import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Parser, type ParsedManifest } from "m3u8-parser";

/** Parses a playlist file with m3u8-parser, an implementation independent of ours. */
export async function parseWithM3u8Parser(path: string): Promise<ParsedManifest> {
  const parser = new Parser();
  parser.push(await readFile(path, "utf8"));
  parser.end();
  return parser.manifest;
}

/** `.ts` file names in `dir`, sorted. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".ts")).sort();
}

/** Every entry name in `dir`, sorted. */
export async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Segment names listed by a parsed playlist. */
export function listed(manifest: ParsedManifest): string[] {
  return manifest.segments.map((s) => s.uri);
}

export { join };
