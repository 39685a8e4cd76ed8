/**
 * Shared plumbing for the attack and fault suites: real `ec-node` processes and hostile peers
 * on loopback, the recording's expected chunks, and readers for what the subscriber wrote.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll } from "vitest";
import { tmpdir } from "node:os";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "m3u8-parser";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import type { TsChunk } from "@ec/hdhr-capture";
import { CLI, runCli, startCli, startNodeScript } from "../cli-harness.js";
import type { CliResult, RunningCli } from "../cli-harness.js";

export { runCli };
export type { CliResult, RunningCli };

/** 12 s of H.264/AAC with a keyframe every second: 12 one-second chunks at `--chunk-ms 1000`. */
export const RECORDING = fixturePath("h264-aac-1s-gop.ts");
export const CHUNK_MS = 1000;

/** The chunks every honest publisher makes from {@link RECORDING}. */
export function expectedChunks(): TsChunk[] {
  const c = new TsChunker({ chunkMs: CHUNK_MS });
  return [...c.push(readFileSync(RECORDING)), ...c.flush()];
}

/** Processes started by a suite, stopped together in afterEach. */
export class Procs {
  readonly list: RunningCli[] = [];

  /** An `ec-node` subcommand. */
  cli(args: string[]): RunningCli {
    const r = startCli(args);
    this.list.push(r);
    return r;
  }

  /**
   * A node script from test/procs (a hostile peer), or any script given by absolute path with the
   * directory to run it in. Its stdin stays open (some scripts exit when it closes).
   */
  script(name: string, args: string[], cwd = fileURLToPath(new URL("..", import.meta.url))): RunningCli {
    const path = name.startsWith("/") ? name : fileURLToPath(new URL(`./${name}`, import.meta.url));
    const r = startNodeScript(path, args, { label: name, cwd, stdin: "pipe", stopSignal: "SIGKILL" });
    this.list.push(r);
    return r;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.list.splice(0).map((r) => r.stop()));
  }
}

/** A temp dir with a leader key and an unrelated key. */
export async function keysIn(dir: string): Promise<{ leaderKey: string; leaderPk: string; otherKey: string; otherPk: string }> {
  const leaderKey = join(dir, "leader.key");
  const otherKey = join(dir, "other.key");
  const [a, b] = await Promise.all([runCli(["keygen", "--out", leaderKey]), runCli(["keygen", "--out", otherKey])]);
  return { leaderKey, leaderPk: a.stdout.trim(), otherKey, otherPk: b.stdout.trim() };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface MeshSuite {
  /** The suite's temp dir (set in beforeAll). */
  dir: string;
  keys: Awaited<ReturnType<typeof keysIn>>;
  /** The chunks every honest publisher makes from {@link RECORDING}. */
  chunks: TsChunk[];
  procs: Procs;
}

/**
 * The usual suite around a mesh: a temp dir with keys and the expected chunks before all tests,
 * every process stopped after each test, the dir removed after all. Read the fields inside tests.
 */
export function meshSuite(prefix: string): MeshSuite {
  const suite = { dir: "", chunks: [], procs: new Procs() } as unknown as MeshSuite;
  beforeAll(async () => {
    suite.dir = tempDir(prefix);
    suite.keys = await keysIn(suite.dir);
    suite.chunks = expectedChunks();
  });
  afterEach(() => suite.procs.stopAll());
  afterAll(async () => {
    await suite.procs.stopAll();
    rmSync(suite.dir, { recursive: true, force: true });
  });
  return suite;
}

/** `moq-publish` arguments for the recording, paced at `speed`. */
export function publishArgs(streamId: string, extra: string[], opts: { speed?: number; startupDelayMs?: number } = {}): string[] {
  return [
    "moq-publish", "--input", RECORDING, "--stream-id", streamId, "--chunk-ms", String(CHUNK_MS),
    "--speed", String(opts.speed ?? 2), "--startup-delay-ms", String(opts.startupDelayMs ?? 3000), ...extra,
  ];
}

export interface Playlist {
  mediaSequence: number;
  endList: boolean;
  segments: Array<{ uri: string; duration: number; discontinuity: boolean }>;
  text: string;
}

export function readPlaylist(hls: string): Playlist {
  const text = readFileSync(join(hls, "index.m3u8"), "utf8");
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const m = parser.manifest as { mediaSequence?: number; endList?: boolean; segments: Array<{ uri: string; duration: number; discontinuity?: boolean }> };
  return {
    mediaSequence: m.mediaSequence ?? 0,
    endList: m.endList === true,
    segments: m.segments.map((s) => ({ uri: s.uri, duration: s.duration, discontinuity: s.discontinuity === true })),
    text,
  };
}

export function filesIn(hls: string): string[] {
  return existsSync(hls) ? readdirSync(hls).sort() : [];
}

export function segmentsIn(hls: string): string[] {
  return filesIn(hls).filter((f) => f.endsWith(".ts"));
}

/** Index of the chunk whose bytes are exactly `bytes`, or -1. */
export function chunkIndexOf(chunks: TsChunk[], bytes: Uint8Array): number {
  return chunks.findIndex((c) => Buffer.compare(Buffer.from(c.bytes), Buffer.from(bytes)) === 0);
}

/**
 * Which recording chunk each listed segment is, in playlist order; -1 for a segment that is no
 * chunk of the recording (which must never happen: it would be unverified data).
 */
export function segmentChunkIndexes(hls: string, chunks: TsChunk[]): number[] {
  return readPlaylist(hls).segments.map((s) => chunkIndexOf(chunks, readFileSync(join(hls, s.uri))));
}

/** The first PTS (seconds) ffprobe reads from a segment's video stream. */
export function videoStartSeconds(file: string): number {
  const out = execFileSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=start_time", "-of", "default=nw=1:nk=1", file]).toString();
  const m = /-?\d+(\.\d+)?/.exec(out);
  if (!m) throw new Error(`ffprobe found no video start time in ${file}: ${JSON.stringify(out)}`);
  return Number(m[0]);
}

/** The subscriber's `--stats-json`, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readStats(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A loopback port nothing listens on (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Polls `cond` every 100 ms until it holds; throws after `limitMs` (a hang guard, not a speed check). */
export async function waitFor(what: string, cond: () => boolean, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stats file contents, or undefined while it does not exist yet (or is being replaced). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function tryStats(path: string): any {
  try {
    return readStats(path);
  } catch {
    return undefined;
  }
}

/** Samples a process's resident set (VmRSS, Linux /proc) every 50 ms; `peak` is the largest seen, in bytes. */
export function sampleRss(pid: number): { readonly peak: number; readonly last: number; stop(): void } {
  const state = { peak: 0, last: 0 };
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) {
        state.last = Number(m[1]) * 1024;
        state.peak = Math.max(state.peak, state.last);
      }
    } catch {
      /* the process has exited */
    }
  };
  read();
  const t = setInterval(read, 50);
  return {
    get peak() {
      return state.peak;
    },
    get last() {
      read();
      return state.last;
    },
    stop: () => clearInterval(t),
  };
}

/** A hostile-peer script of @ec/moq-transport's own suite (plain @moq/lite, none of our code), run from that package. */
export const MOQ_HOSTILE = fileURLToPath(new URL("../../../../packages/moq-transport/test/procs/hostile.mjs", import.meta.url));
/** Where {@link MOQ_HOSTILE} runs (it resolves @moq/lite from there). */
export const MOQ_PKG = fileURLToPath(new URL("../../../../packages/moq-transport", import.meta.url));

export { CLI };
