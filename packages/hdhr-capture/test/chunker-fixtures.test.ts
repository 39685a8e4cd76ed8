/**
 * The chunker on real ffmpeg output, checked against ffprobe: chunk boundaries are exactly the
 * keyframe byte positions ffprobe reports, bodies concatenate back to the input, durations
 * telescope to the media duration, and RAI-less streams give the same cuts via start codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_NAMES, fixturePath } from "@ec/fixtures";
import type { FixtureName } from "@ec/fixtures";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import {
  chunkAll,
  chunkBodies,
  concatBytes,
  expectedCuts,
  ffmpeg,
  ffprobeVideoPackets,
  fixtureBytes,
  headerLength,
  mediaPackets,
  pidAt,
  shiftTimestamps,
  stripRandomAccess,
} from "./helpers.js";
import type { ProbedPacket } from "./helpers.js";
import { parsePat, parsePmt } from "../src/ts/psi-tables.js";

/** The PSI section in the packet at `off` (pointer_field 0, section within the packet). */
function sectionOf(b: Uint8Array, off: number): Uint8Array {
  const start = off + 5 + b[off + 4]!;
  const len = 3 + (((b[start + 1]! & 0x0f) << 8) | b[start + 2]!);
  return b.subarray(start, start + len);
}

const PMT_PID = 0x1000; // -mpegts_pmt_start_pid in fixtures/make-fixtures.sh
const VIDEO_PID = 0x100;

const probed = new Map<string, ProbedPacket[]>();
beforeAll(async () => {
  for (const name of FIXTURE_NAMES) probed.set(name, await ffprobeVideoPackets(fixturePath(name)));
});

function keyframesOf(name: string): ProbedPacket[] {
  return probed.get(name)!.filter((p) => p.key);
}

/**
 * Where each chunk's body starts in the input: bodies are runs of the input's media packets
 * (`mediaPackets`), the first beginning at the media packet at input position `firstPos`.
 */
function bodyStarts(bodies: Uint8Array[], input: Uint8Array, firstPos: number): number[] {
  const { pos } = mediaPackets(input);
  let i = pos.indexOf(firstPos);
  const starts: number[] = [];
  for (const b of bodies) {
    starts.push(pos[i]!);
    i += b.length / 188;
  }
  return starts;
}

describe.each(FIXTURE_NAMES)("%s", (name: FixtureName) => {
  const input = () => fixtureBytes(name);

  it("has the keyframes the fixture README promises (ffprobe sanity)", () => {
    const keys = keyframesOf(name);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(keys[0]!.pos).toBe(3 * 188); // SDT, PAT, PMT, then the first IDR / I-frame
  });

  it.each([1, 500, 1000, 2000, 3000])("cuts exactly at ffprobe's keyframe positions (chunkMs %i)", (chunkMs) => {
    const { chunks, stats } = chunkAll(input(), { chunkMs });
    const cuts = expectedCuts(keyframesOf(name), chunkMs);
    const bodies = chunkBodies(chunks, PMT_PID);
    expect(bodyStarts(bodies, input(), cuts[0]!.pos)).toEqual(cuts.map((k) => k.pos));
    expect(chunks.map((c) => c.firstPts)).toEqual(cuts.map((k) => k.pts));
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.boundary)).toEqual(chunks.map((_, i) => (i === 0 ? "capture-start" : "grid")));
    expect(stats).toMatchObject({ skippedBytes: 0, resyncs: 0, forcedCuts: 0, psiErrors: 0, errorPackets: 0, chunks: cuts.length });
    // Only SDT/PAT/PMT come before the first keyframe: no media packet is dropped.
    expect(stats.droppedPackets).toBe(0);
    expect(stats.filteredPackets).toBe(stats.packets - mediaPackets(input()).pos.length);
  });

  it("bodies concatenate back to the input's media packets from the first keyframe on", () => {
    const { chunks } = chunkAll(input());
    const first = keyframesOf(name)[0]!.pos;
    const media = mediaPackets(input().subarray(first)).bytes;
    expect(Buffer.from(concatBytes(chunkBodies(chunks, PMT_PID))).equals(Buffer.from(media))).toBe(true);
  });

  it("starts every chunk with the canonical PAT and PMT, then the keyframe's first packet", () => {
    const { chunks } = chunkAll(input(), { chunkMs: 1 });
    for (const c of chunks) {
      expect(headerLength(c.bytes, PMT_PID)).toBe(2 * 188);
      expect(pidAt(c.bytes, 0)).toBe(0);
      expect(pidAt(c.bytes, 188)).toBe(PMT_PID);
      expect(pidAt(c.bytes, 376)).toBe(VIDEO_PID);
      expect(c.bytes[377]! & 0x40).toBe(0x40); // payload_unit_start_indicator
      expect(c.bytes.length % 188).toBe(0);
      // Continuity counters from the grid bucket (chunkMs 1: T = 90 ticks).
      const bucket = Math.floor(c.firstPts / 90);
      expect([c.bytes[3]! & 0x0f, c.bytes[188 + 3]! & 0x0f]).toEqual([bucket % 16, bucket % 16]);
    }
    // The PSI sections themselves: fixed transport_stream_id 1 and version 0, only the program.
    const pat = parsePat(sectionOf(chunks[1]!.bytes, 0));
    expect(pat).toEqual([{ programNumber: 1, pmtPid: PMT_PID }]);
    const pmt = parsePmt(sectionOf(chunks[1]!.bytes, 188))!;
    expect(pmt.version).toBe(0);
    expect(pmt.pcrPid).toBe(VIDEO_PID);
    expect(pmt.streams.map((s) => s.pid)).toEqual(name === "h264-scenecut.ts" ? [VIDEO_PID] : [VIDEO_PID, 0x101]);
    expect(sectionOf(chunks[1]!.bytes, 0)[3]! * 256 + sectionOf(chunks[1]!.bytes, 0)[4]!).toBe(1);
    // Identical headers except the counters: nothing in them depends on where the input's PSI sat.
    const zeroCc = (b: Uint8Array) => {
      const h = b.slice(0, 376);
      h[3] = h[3]! & 0xf0;
      h[191] = h[191]! & 0xf0;
      return Buffer.from(h).toString("hex");
    };
    expect(new Set(chunks.map((c) => zeroCc(c.bytes))).size).toBe(1);
  });

  it("durations chain PTS to PTS and sum to the video's media duration", () => {
    const packets = probed.get(name)!;
    for (const chunkMs of [1, 2000]) {
      const { chunks } = chunkAll(input(), { chunkMs });
      for (let i = 0; i + 1 < chunks.length; i++) {
        expect(chunks[i]!.durationTicks).toBe(chunks[i + 1]!.firstPts - chunks[i]!.firstPts);
      }
      const end = Math.max(...packets.map((p) => p.pts + p.duration));
      const total = chunks.reduce((n, c) => n + c.durationTicks, 0);
      expect(total).toBe(end - keyframesOf(name)[0]!.pts);
    }
  });

  it("finds the same cuts by start codes when random_access_indicator is absent", () => {
    const stripped = stripRandomAccess(input());
    expect(Buffer.from(stripped).equals(Buffer.from(input()))).toBe(false);
    for (const chunkMs of [1, 2000]) {
      const a = chunkAll(input(), { chunkMs }).chunks;
      const b = chunkAll(stripped, { chunkMs }).chunks;
      expect(b.map((c) => [c.seq, c.firstPts, c.durationTicks, c.bytes.length])).toEqual(
        a.map((c) => [c.seq, c.firstPts, c.durationTicks, c.bytes.length]),
      );
    }
  });

  it("handles 33-bit PTS wrap-around inside the stream: the wrap starts a bucket, durations stay continuous", () => {
    const offset = 2 ** 33 - 300_000; // the wrap falls ~1.9 s in
    const shifted = shiftTimestamps(input(), offset);
    const b = chunkAll(shifted, { chunkMs: 1000 }).chunks;
    expect(b.some((c) => c.firstPts > 2 ** 32) && b.some((c) => c.firstPts < 2 ** 20)).toBe(true);
    const shiftedKeys = keyframesOf(name).map((k) => ({ pts: (k.pts + offset) % 2 ** 33 }));
    expect(b.map((c) => c.firstPts)).toEqual(expectedCuts(shiftedKeys, 1000).map((k) => k.pts));
    for (let i = 0; i + 1 < b.length; i++) expect((b[i]!.firstPts + b[i]!.durationTicks) % 2 ** 33).toBe(b[i + 1]!.firstPts);
    const a = chunkAll(input(), { chunkMs: 1000 }).chunks;
    expect(b.reduce((n, c) => n + c.durationTicks, 0)).toBe(a.reduce((n, c) => n + c.durationTicks, 0));
  });

  it("gives the same chunks whatever the piece sizes", () => {
    const whole = chunkAll(input()).chunks;
    const sizes = [1, 7, 187, 188, 189, 4096, 65_537, 300_000];
    for (const size of sizes) {
      // 1-byte pieces are slow in any language; a prefix still crosses several chunk cuts.
      const bytes = size === 1 ? input().subarray(0, 120_000) : input();
      const c = new TsChunker();
      const got = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...c.push(bytes.subarray(i, i + size)));
      got.push(...c.flush());
      const ref = size === 1 ? chunkAll(bytes).chunks : whole;
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) {
        expect([got[i]!.seq, got[i]!.firstPts, got[i]!.durationTicks]).toEqual([ref[i]!.seq, ref[i]!.firstPts, ref[i]!.durationTicks]);
        expect(Buffer.from(got[i]!.bytes).equals(Buffer.from(ref[i]!.bytes))).toBe(true);
      }
    }
  });

  it("cuts a looped recording at the timestamp jump and keeps durations sane", () => {
    const once = chunkAll(input(), { chunkMs: 2000 }).chunks;
    const twice = chunkAll(concatBytes([input(), input()]), { chunkMs: 2000 }).chunks;
    expect(twice.length).toBe(2 * once.length);
    expect(twice.map((c) => [c.firstPts, c.durationTicks])).toEqual([...once, ...once].map((c) => [c.firstPts, c.durationTicks]));
    // The jump shows as firstPts + duration ≠ next firstPts exactly at the join.
    const breaks = twice.flatMap((c, i) => (i + 1 < twice.length && c.firstPts + c.durationTicks !== twice[i + 1]!.firstPts ? [i] : []));
    expect(breaks).toEqual([once.length - 1]);
  });
});

describe("chunks decode on their own", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hdhr-chunks-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(FIXTURE_NAMES)("%s: each chunk starts with a keyframe per ffprobe and decodes with ffmpeg", async (name) => {
    const { chunks } = chunkAll(fixtureBytes(name), { chunkMs: 1000 });
    for (const c of chunks.slice(0, 3)) {
      const file = join(dir, `${name}-${c.seq}.ts`);
      writeFileSync(file, c.bytes);
      const packets = await ffprobeVideoPackets(file);
      expect(packets[0]!.key).toBe(true);
      expect(packets[0]!.pts).toBe(c.firstPts);
      // h264 chunks are closed GOPs: every frame must decode. MPEG-2 GOPs are open, so the
      // leading B-frames of a lone chunk lack their reference; ffmpeg skips them quietly.
      const stderr = await ffmpeg(["-v", "error", "-xerror", "-i", file, "-f", "null", "-"]);
      expect(stderr).toBe("");
    }
  });
});

describe("HEVC (generated with libx265 at test time)", () => {
  let dir = "";
  let file = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hdhr-hevc-"));
    file = join(dir, "hevc.ts");
    await ffmpeg([
      "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "3",
      "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=20:min-keyint=20:scenecut=0:open-gop=0:log-level=error",
      "-pix_fmt", "yuv420p", "-mpegts_pmt_start_pid", "0x1000", "-mpegts_start_pid", "0x100", "-f", "mpegts", file,
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("cuts at ffprobe's IRAP positions, with and without random_access_indicator", async () => {
    const { readFileSync } = await import("node:fs");
    const bytes = new Uint8Array(readFileSync(file));
    const keys = (await ffprobeVideoPackets(file)).filter((p) => p.key);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const input of [bytes, stripRandomAccess(bytes)]) {
      const { chunks } = chunkAll(input, { chunkMs: 1 });
      expect(bodyStarts(chunkBodies(chunks, PMT_PID), input, keys[0]!.pos)).toEqual(keys.map((k) => k.pos));
    }
  });
});

describe("MPEG-2/AC-3 like ATSC", () => {
  it("cuts 15-frame GOPs at the first I-frame after each 2 s grid line", () => {
    // I-frames at 129003 + k × 45045 (8 GOPs, 4 s); grid lines at 180000 × n: buckets 0,0,1,1,1,1,2,2.
    const { chunks } = chunkAll(fixtureBytes("mpeg2-ac3.ts"));
    expect(chunks.map((c) => c.firstPts)).toEqual([129003, 129003 + 2 * 45045, 129003 + 6 * 45045]);
    expect(chunks.map((c) => c.durationTicks)).toEqual([30 * 3003, 60 * 3003, 30 * 3003]);
  });
});
