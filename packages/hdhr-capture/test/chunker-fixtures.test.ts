/**
 * The chunker on real ffmpeg output, checked against ffprobe: chunk boundaries are exactly the
 * keyframe byte positions ffprobe reports, bodies concatenate back to the input, durations
 * telescope to the media duration, and RAI-less streams give the same cuts via start codes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_NAMES, fixturePath } from "../src/fixtures.js";
import type { FixtureName } from "../src/fixtures.js";
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
  pidAt,
  shiftTimestamps,
  stripRandomAccess,
} from "./helpers.js";
import type { ProbedPacket } from "./helpers.js";

const PMT_PID = 0x1000; // -mpegts_pmt_start_pid in fixtures/make-fixtures.sh
const VIDEO_PID = 0x100;

const probed = new Map<string, ProbedPacket[]>();
beforeAll(async () => {
  for (const name of FIXTURE_NAMES) probed.set(name, await ffprobeVideoPackets(fixturePath(name)));
});

function keyframesOf(name: string): ProbedPacket[] {
  return probed.get(name)!.filter((p) => p.key);
}

/** Where each chunk's body starts in the input, given that the first starts at `firstPos`. */
function bodyStarts(bodies: Uint8Array[], firstPos: number): number[] {
  const starts: number[] = [];
  let pos = firstPos;
  for (const b of bodies) {
    starts.push(pos);
    pos += b.length;
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
    expect(bodyStarts(bodies, cuts[0]!.pos)).toEqual(cuts.map((k) => k.pos));
    expect(chunks.map((c) => c.firstPts)).toEqual(cuts.map((k) => k.pts));
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(stats).toMatchObject({ skippedBytes: 0, resyncs: 0, forcedCuts: 0, psiErrors: 0, chunks: cuts.length });
    expect(stats.droppedPackets).toBe(cuts[0]!.pos / 188);
  });

  it("bodies concatenate back to the input from the first keyframe on", () => {
    const { chunks } = chunkAll(input());
    const first = keyframesOf(name)[0]!.pos;
    expect(Buffer.from(concatBytes(chunkBodies(chunks, PMT_PID))).equals(Buffer.from(input().subarray(first)))).toBe(true);
  });

  it("starts every chunk with PAT, PMT, then the keyframe's first packet", () => {
    const { chunks } = chunkAll(input(), { chunkMs: 1 });
    const bytes = input();
    // The most recent PAT and PMT packets before each keyframe, verbatim.
    for (const c of chunks) {
      expect(headerLength(c.bytes, PMT_PID)).toBe(2 * 188);
      expect(pidAt(c.bytes, 0)).toBe(0);
      expect(pidAt(c.bytes, 188)).toBe(PMT_PID);
      expect(pidAt(c.bytes, 376)).toBe(VIDEO_PID);
      expect(c.bytes[377]! & 0x40).toBe(0x40); // payload_unit_start_indicator
      expect(c.bytes.length % 188).toBe(0);
    }
    const key = keyframesOf(name)[1]!;
    const lastBefore = (pid: number) => {
      for (let off = key.pos - 188; off >= 0; off -= 188) if (pidAt(bytes, off) === pid) return bytes.subarray(off, off + 188);
      throw new Error("none");
    };
    expect(Buffer.from(chunks[1]!.bytes.subarray(0, 188)).equals(Buffer.from(lastBefore(0)))).toBe(true);
    expect(Buffer.from(chunks[1]!.bytes.subarray(188, 376)).equals(Buffer.from(lastBefore(PMT_PID)))).toBe(true);
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

  it("handles 33-bit PTS wrap-around inside the stream", () => {
    const offset = 2 ** 33 - 300_000; // the wrap falls ~1.9 s in
    const shifted = shiftTimestamps(input(), offset);
    const a = chunkAll(input(), { chunkMs: 1000 }).chunks;
    const b = chunkAll(shifted, { chunkMs: 1000 }).chunks;
    expect(b.some((c) => c.firstPts > 2 ** 32) && b.some((c) => c.firstPts < 2 ** 20)).toBe(true);
    expect(b.map((c) => c.firstPts)).toEqual(a.map((c) => (c.firstPts + offset) % 2 ** 33));
    expect(b.map((c) => [c.durationTicks, c.bytes.length])).toEqual(a.map((c) => [c.durationTicks, c.bytes.length]));
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
      expect(bodyStarts(chunkBodies(chunks, PMT_PID), keys[0]!.pos)).toEqual(keys.map((k) => k.pos));
    }
  });
});

describe("MPEG-2/AC-3 like ATSC", () => {
  it("gives two 2 s chunks of exactly 60 frames at 29.97 fps each", () => {
    const { chunks } = chunkAll(fixtureBytes("mpeg2-ac3.ts"));
    expect(chunks.map((c) => c.durationTicks)).toEqual([60 * 3003, 60 * 3003]);
  });
});
