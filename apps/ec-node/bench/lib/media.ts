/**
 * Recordings for the mesh benches, made with ffmpeg at bench time in one temp directory (removed
 * when the bench process exits), never committed.
 *
 * - HD: 1280x720 @ 24 fps H.264 at a constant 7.8 Mbit/s (x264 `nal-hrd=cbr`, filler included)
 *   + 128 kbit/s AAC, about 8.2 Mbit/s in the TS: the rate of a broadcast HD channel. An IDR every
 *   6 frames (0.25 s) lets one recording serve both `--chunk-ms 250` (latency) and the default
 *   `--chunk-ms 2000` (about 2 MB chunks). 10 s are encoded once and looped with `-c copy`
 *   (`-stream_loop` keeps timestamps rising, so the chunker sees one continuous stream).
 * - SD: the committed 780 kbit/s fixture (`h264-aac-1s-gop.ts`, 1 s GOP), looped the same way.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import { secondsFromTicks } from "@ec/stream-rules";

const run = promisify(execFile);
const QUIET = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"];

let root: string | undefined;
/** The run's scratch directory (created on first use, removed at process exit). */
export function scratchDir(): string {
  if (!root) {
    const dir = mkdtempSync(join(tmpdir(), "ec-bench-"));
    root = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return root;
}

/** A fresh subdirectory of the scratch directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(scratchDir(), `${prefix}-`));
}

/** Seconds of media in the HD base clip. */
export const HD_BASE_SECONDS = 10;
/** The HD recording's nominal rate. */
export const HD_MBITS = 8.2;

let hdBase: Promise<string> | undefined;
function hdBaseClip(): Promise<string> {
  hdBase ??= (async () => {
    const out = join(scratchDir(), "hd-base.ts");
    await run("ffmpeg", [
      ...QUIET,
      "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=24",
      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", String(HD_BASE_SECONDS), "-map", "0:v", "-map", "1:a",
      "-c:v", "libx264", "-threads", "1", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
      "-g", "6", "-keyint_min", "6", "-sc_threshold", "0",
      "-b:v", "7.8M", "-minrate", "7.8M", "-maxrate", "7.8M", "-bufsize", "2M", "-x264-params", "nal-hrd=cbr",
      "-c:a", "aac", "-b:a", "128k", "-ac", "2",
      "-f", "mpegts", out,
    ]);
    return out;
  })();
  return hdBase;
}

const loops = new Map<string, Promise<string>>();
function loop(name: string, base: () => Promise<string>, baseSeconds: number, seconds: number): Promise<string> {
  const times = Math.max(1, Math.ceil(seconds / baseSeconds));
  const key = `${name}-${times}`;
  let p = loops.get(key);
  if (!p) {
    p = (async () => {
      const src = await base();
      if (times === 1) return src;
      const out = join(scratchDir(), `${key}.ts`);
      await run("ffmpeg", [...QUIET, "-stream_loop", String(times - 1), "-i", src, "-map", "0", "-c", "copy", "-f", "mpegts", out]);
      return out;
    })();
    loops.set(key, p);
  }
  return p;
}

/** An HD recording (about 8.2 Mbit/s, 0.25 s GOP) at least `seconds` long. */
export function hdRecording(seconds: number): Promise<string> {
  return loop("hd", hdBaseClip, HD_BASE_SECONDS, seconds);
}

/** The committed SD fixture (about 0.78 Mbit/s, 1 s GOP, 12 s) looped to at least `seconds`. */
export function sdRecording(seconds: number): Promise<string> {
  return loop("sd", async () => fixturePath("h264-aac-1s-gop.ts"), 12, seconds);
}

/** What the publisher's chunker makes of a recording (computed here, outside any timing). */
export interface ChunkPlan {
  fileBytes: number;
  count: number;
  /** Sum of chunk bytes (the chunker repeats PAT/PMT at each chunk start). */
  chunkBytes: number;
  mediaSeconds: number;
  meanChunkBytes: number;
  meanChunkSeconds: number;
}

/** Chunks `path` the way `ec-node moq-publish --chunk-ms <chunkMs>` does. */
export function chunkPlan(path: string, chunkMs: number): ChunkPlan {
  const buf = readFileSync(path);
  const chunker = new TsChunker({ chunkMs });
  let count = 0;
  let chunkBytes = 0;
  let ticks = 0;
  for (const c of [...chunker.push(buf), ...chunker.flush()]) {
    count++;
    chunkBytes += c.bytes.length;
    ticks += c.durationTicks;
  }
  const mediaSeconds = secondsFromTicks(ticks);
  return {
    fileBytes: statSync(path).size,
    count,
    chunkBytes,
    mediaSeconds,
    meanChunkBytes: chunkBytes / count,
    meanChunkSeconds: mediaSeconds / count,
  };
}
