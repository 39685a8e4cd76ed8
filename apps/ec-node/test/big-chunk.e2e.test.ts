/**
 * A 20–32 MiB chunk end to end (issue 15): valid for the chunker and `sealChunk`, so every node
 * must also frame, send, receive, verify and write it — all limits derive from
 * `@ec/stream-rules` (MAX_CHUNK_BYTES → MAX_OBJECT_BYTES → MAX_FRAME_BYTES). Before, the
 * publisher's node refused frames over 16 MiB (`frame-too-large`, the run ended) and the
 * subscriber took at most 32 MiB.
 *
 * The input is made at test time: two seconds of lossless H.264 noise with one keyframe, which
 * the chunker cuts into one chunk of ~24.5 MiB. A real `ec-node moq-publish` (leader, manifests
 * and chunks) serves it; a real `ec-node moq-subscribe` must write it as one segment, byte for byte,
 * directly and through an `ec-node relay`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TsChunker } from "@ec/hdhr-capture";
import type { TsChunk } from "@ec/hdhr-capture";
import { MAX_CHUNK_BYTES } from "@ec/stream-rules";
import { Procs, keysIn, readPlaylist, readStats, runCli, segmentsIn, tempDir } from "./procs/mesh.js";

const STREAM = "big-chunk";
const MiB = 1024 * 1024;
let dir: string;
let input: string;
let chunks: TsChunk[];
let keys: Awaited<ReturnType<typeof keysIn>>;
const procs = new Procs();

beforeAll(async () => {
  dir = tempDir("ec-big-chunk-");
  input = join(dir, "noise.ts");
  execFileSync("ffmpeg", [
    "-v", "error", "-y", "-f", "lavfi", "-i", "color=gray:s=640x360:r=25,noise=alls=100:allf=t", "-t", "2",
    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-g", "9999", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "mpegts", input,
  ]);
  const c = new TsChunker({ chunkMs: 2000 });
  chunks = [...c.push(readFileSync(input)), ...c.flush()];
  keys = await keysIn(dir);
});

afterEach(() => procs.stopAll());

afterAll(async () => {
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("a 20–32 MiB chunk, publish -> subscribe (real processes)", () => {
  it("the input is one chunk of more than 20 MiB, within MAX_CHUNK_BYTES", () => {
    expect(chunks.length).toBe(1);
    expect(chunks[0]!.bytes.length).toBeGreaterThan(20 * MiB);
    expect(chunks[0]!.bytes.length).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
  });

  it("is published, verified and written as one segment, byte for byte", async () => {
    const hls = join(dir, "hls");
    const statsPath = join(dir, "stats.json");
    const leader = procs.cli([
      "moq-publish", "--input", input, "--stream-id", STREAM, "--chunk-ms", "2000", "--startup-delay-ms", "2000",
      "--publish-manifests", "--signing-key", keys.leaderKey,
    ]);
    const addr = await leader.firstLine;
    const sub = await runCli(
      ["moq-subscribe", "--remote", addr, "--stream-id", STREAM, "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--stop-after", "1s", "--timeout", "100s", "--stats-json", statsPath],
      { timeoutMs: 120_000 },
    );
    expect(sub.code, sub.stderr.slice(-3000)).toBe(0);
    expect(leader.stderr()).not.toMatch(/frame-too-large|level=error/);
    const segs = segmentsIn(hls);
    expect(segs).toHaveLength(1);
    const written = readFileSync(join(hls, segs[0]!));
    expect(written.length).toBe(chunks[0]!.bytes.length);
    expect(Buffer.compare(written, Buffer.from(chunks[0]!.bytes))).toBe(0);
    expect(readPlaylist(hls).endList).toBe(true);
    const s = readStats(statsPath);
    expect(s.objects.accepted).toBe(1);
    expect(s.objects.rejected).toEqual({});
    expect(s.bytesWritten).toBe(chunks[0]!.bytes.length);
  }, 130_000);

  it("also through an `ec-node relay` (verifying hop): one segment, byte for byte", async () => {
    const hls = join(dir, "hls-relay");
    const leader = procs.cli([
      "moq-publish", "--input", input, "--stream-id", STREAM, "--chunk-ms", "2000", "--startup-delay-ms", "3000",
      "--publish-manifests", "--signing-key", keys.leaderKey,
    ]);
    const addrL = await leader.firstLine;
    const relay = procs.cli(["relay", "--stream-id", STREAM, "--remote", addrL, "--remote-manifests", addrL, "--trusted-key", keys.leaderPk]);
    const addrR = await relay.firstLine;
    const sub = await runCli(
      ["moq-subscribe", "--remote", addrR, "--remote-manifests", addrR, "--stream-id", STREAM, "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--stop-after", "1s", "--timeout", "100s"],
      { timeoutMs: 120_000 },
    );
    expect(sub.code, sub.stderr.slice(-3000)).toBe(0);
    const segs = segmentsIn(hls);
    expect(segs).toHaveLength(1);
    expect(Buffer.compare(readFileSync(join(hls, segs[0]!)), Buffer.from(chunks[0]!.bytes))).toBe(0);
  }, 130_000);
});
