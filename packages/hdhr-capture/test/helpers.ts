/** Test helpers: ffprobe, and byte-level edits of TS files (all on real files and buffers). */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { fixturePath } from "@ec/fixtures";
import type { FixtureName } from "@ec/fixtures";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import type { TsChunk, TsChunkerOptions, TsChunkerStats } from "../src/chunker/ts-chunker.js";

const run = promisify(execFile);

export interface ProbedPacket {
  pts: number;
  dts: number;
  duration: number;
  pos: number;
  key: boolean;
}

/** The video packets of a file as ffprobe sees them (the command the issue names, plus dts/duration). */
export async function ffprobeVideoPackets(path: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(
    "ffprobe",
    ["-v", "error", "-select_streams", "v:0", "-show_packets", "-show_entries", "packet=pts,dts,duration,flags,pos", "-of", "json", path],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout) as { packets: Array<{ pts: number; dts: number; duration: number; pos: string; flags: string }> };
  return parsed.packets.map((p) => ({
    pts: p.pts,
    dts: p.dts,
    duration: p.duration,
    pos: Number(p.pos),
    key: p.flags.includes("K"),
  }));
}

/** Runs ffmpeg; resolves with stderr. */
export async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await run("ffmpeg", ["-hide_banner", "-nostdin", ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stderr;
}

const cache = new Map<string, Uint8Array>();
/** A fixture's bytes (cached; treat as read-only). */
export function fixtureBytes(name: FixtureName): Uint8Array {
  let b = cache.get(name);
  if (!b) {
    b = new Uint8Array(readFileSync(fixturePath(name)));
    cache.set(name, b);
  }
  return b;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

export function pidAt(buf: Uint8Array, off: number): number {
  return ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
}

/** Number of leading bytes of a chunk that are the inserted PAT/PMT packets. */
export function headerLength(chunk: Uint8Array, pmtPid: number): number {
  let off = 0;
  while (off < chunk.length && (pidAt(chunk, off) === 0 || pidAt(chunk, off) === pmtPid)) off += 188;
  return off;
}

/** Each chunk without its inserted header. */
export function chunkBodies(chunks: TsChunk[], pmtPid: number): Uint8Array[] {
  return chunks.map((c) => c.bytes.subarray(headerLength(c.bytes, pmtPid)));
}

/**
 * The grid rule (chunking v2) applied to ffprobe's keyframe list: a keyframe starts a chunk when
 * floor(pts / T) differs from the previous keyframe's (the first keyframe always does).
 */
export function expectedCuts<K extends { pts: number }>(keyframes: K[], chunkMs: number): K[] {
  const target = Math.round((chunkMs * 90000) / 1000);
  const cuts: K[] = [];
  let prev = -1;
  for (const k of keyframes) {
    const bucket = Math.floor(k.pts / target);
    if (bucket !== prev) cuts.push(k);
    prev = bucket;
  }
  return cuts;
}

/** The fixtures' media PIDs (video 0x100 with the PCR, audio 0x101; see fixtures/README.md). */
export const FIXTURE_MEDIA_PIDS: readonly number[] = [0x100, 0x101];

/**
 * The packets of an aligned TS buffer whose PID is in `pids`, concatenated, and each one's byte
 * position in the input: what canonical chunk bodies are made of.
 */
export function mediaPackets(ts: Uint8Array, pids: readonly number[] = FIXTURE_MEDIA_PIDS): { bytes: Uint8Array; pos: number[] } {
  const pos: number[] = [];
  for (let off = 0; off + 188 <= ts.length; off += 188) {
    if (pids.includes(pidAt(ts, off)) && (ts[off + 1]! & 0x80) === 0) pos.push(off);
  }
  const bytes = new Uint8Array(pos.length * 188);
  pos.forEach((p, i) => bytes.set(ts.subarray(p, p + 188), i * 188));
  return { bytes, pos };
}

/** A copy of a TS buffer with every adaptation field's random_access_indicator cleared. */
export function stripRandomAccess(ts: Uint8Array): Uint8Array {
  const out = ts.slice();
  for (let off = 0; off + 188 <= out.length; off += 188) {
    if ((out[off + 3]! & 0x20) !== 0 && out[off + 4]! > 0) out[off + 5]! &= ~0x40;
  }
  return out;
}

function readTs33(b: Uint8Array, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + (((b[at + 1]! << 8) | b[at + 2]!) >> 1) * 2 ** 15 + (((b[at + 3]! << 8) | b[at + 4]!) >> 1);
}

function writeTs33(b: Uint8Array, at: number, v: number): void {
  const prefix = b[at]! & 0xf0;
  b[at] = prefix | (Math.floor(v / 2 ** 30) & 0x07) * 2 | 1;
  const mid = Math.floor(v / 2 ** 15) & 0x7fff;
  b[at + 1] = mid >> 7;
  b[at + 2] = ((mid & 0x7f) << 1) | 1;
  const lo = v & 0x7fff;
  b[at + 3] = lo >> 7;
  b[at + 4] = ((lo & 0x7f) << 1) | 1;
}

/**
 * A copy of an aligned TS buffer with every PES PTS/DTS and every PCR base shifted by `offset`
 * ticks modulo 2^33, to exercise wrap-around with real content.
 */
export function shiftTimestamps(ts: Uint8Array, offset: number): Uint8Array {
  const out = ts.slice();
  const wrap = 2 ** 33;
  const shift = (v: number) => (((v + offset) % wrap) + wrap) % wrap;
  for (let off = 0; off + 188 <= out.length; off += 188) {
    const afc = (out[off + 3]! >> 4) & 3;
    let payload = off + 4;
    if (afc & 2) {
      const afLen = out[off + 4]!;
      if (afLen >= 7 && (out[off + 5]! & 0x10)) {
        const base = (((out[off + 6]! << 24) | (out[off + 7]! << 16) | (out[off + 8]! << 8) | out[off + 9]!) >>> 0) * 2 + (out[off + 10]! >> 7);
        const nb = shift(base);
        const top = Math.floor(nb / 2);
        out[off + 6] = (top >>> 24) & 0xff;
        out[off + 7] = (top >>> 16) & 0xff;
        out[off + 8] = (top >>> 8) & 0xff;
        out[off + 9] = top & 0xff;
        out[off + 10] = (out[off + 10]! & 0x7f) | ((nb & 1) << 7);
      }
      payload = off + 5 + afLen;
    }
    if (!(afc & 1) || !(out[off + 1]! & 0x40) || payload + 19 > off + 188) continue;
    const pid = pidAt(out, off);
    if (pid === 0 || pid >= 0x1000) continue; // PSI
    if (out[payload] !== 0 || out[payload + 1] !== 0 || out[payload + 2] !== 1) continue;
    const flags = out[payload + 7]! >> 6;
    if (flags & 2) writeTs33(out, payload + 9, shift(readTs33(out, payload + 9)));
    if (flags === 3) writeTs33(out, payload + 14, shift(readTs33(out, payload + 14)));
  }
  return out;
}

/** Deterministic bytes that never contain the sync byte 0x47. */
export function garbageWithoutSync(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const b = x & 0xff;
    out[i] = b === 0x47 ? 0x48 : b;
  }
  return out;
}

/** The chunks of a whole buffer, pushed at once. */
export function chunkAll(bytes: Uint8Array, opts: TsChunkerOptions = {}): { chunks: TsChunk[]; stats: TsChunkerStats } {
  const c = new TsChunker(opts);
  const chunks = [...c.push(bytes), ...c.flush()];
  return { chunks, stats: c.stats };
}
