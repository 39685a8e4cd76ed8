/**
 * Canonical chunks still play (chunking v2 drops the input's PSI, nulls and other PIDs and puts a
 * regenerated PAT+PMT first): concatenated, and as an HLS playlist of one segment per chunk,
 * ffmpeg decodes them without a single error and finds every frame; ffprobe sees the streams.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTimeline } from "../src/fake/broadcast-timeline.js";
import { LiveBroadcast } from "../src/fake/live-broadcast.js";
import { chunkAll, concatBytes, ffmpeg, ffprobeVideoPackets, fixtureBytes, pidAt } from "./helpers.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";
import { fixturePath } from "@ec/fixtures";

const run = promisify(execFile);
let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "canonical-play-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A VOD playlist, one segment per chunk, written by hand (RFC 8216 §4). */
function writeHls(name: string, chunks: TsChunk[]): string {
  const target = Math.ceil(Math.max(...chunks.map((c) => c.durationTicks)) / 90_000);
  const lines = ["#EXTM3U", "#EXT-X-VERSION:3", `#EXT-X-TARGETDURATION:${target}`, "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD"];
  chunks.forEach((c, i) => {
    const seg = `${name}-${i}.ts`;
    writeFileSync(join(dir, seg), c.bytes);
    lines.push(`#EXTINF:${(c.durationTicks / 90_000).toFixed(6)},`, seg);
  });
  lines.push("#EXT-X-ENDLIST", "");
  const playlist = join(dir, `${name}.m3u8`);
  writeFileSync(playlist, lines.join("\n"));
  return playlist;
}

async function frames(path: string): Promise<number> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "json", path]);
  return Number((JSON.parse(stdout) as { streams: Array<{ nb_read_frames: string }> }).streams[0]?.nb_read_frames);
}

describe.each(["h264-aac-1s-gop.ts", "mpeg2-ac3.ts"] as const)("%s", (name) => {
  it("concatenated canonical chunks decode cleanly, every video frame present", async () => {
    const { chunks } = chunkAll(fixtureBytes(name), { chunkMs: 1000 });
    const file = join(dir, `cat-${name}`);
    writeFileSync(file, concatBytes(chunks.map((c) => c.bytes)));
    expect(await ffmpeg(["-v", "error", "-xerror", "-i", file, "-f", "null", "-"])).toBe("");
    expect((await ffprobeVideoPackets(file)).length).toBe((await ffprobeVideoPackets(fixturePath(name))).length);
  });

  it("as HLS (one segment per chunk) ffmpeg decodes it cleanly with every frame", async () => {
    const { chunks } = chunkAll(fixtureBytes(name), { chunkMs: 1000 });
    const playlist = writeHls(`hls-${name}`, chunks);
    expect(await ffmpeg(["-v", "error", "-xerror", "-i", playlist, "-f", "null", "-"])).toBe("");
    expect(await frames(playlist)).toBe((await ffprobeVideoPackets(fixturePath(name))).length);
  });
});

it("a device-profile capture of a live broadcast joined mid-stream plays as HLS from its first grid chunk", async () => {
  const t = buildTimeline(fixtureBytes("h264-aac-1s-gop.ts"));
  const lb = new LiveBroadcast(t, { now: () => 1_764_547_200_000, deviceProfile: 3 });
  const g0 = lb.packetAt(lb.nowTicks()) + 777;
  const { chunks } = chunkAll(lb.render(g0, g0 + 2 * t.count), { chunkMs: 2000 });
  const grid = chunks.slice(1, -1); // from the first grid cut; the last ends mid-frame
  expect(grid.every((c) => c.boundary === "grid")).toBe(true);
  const playlist = writeHls("live-p3", grid);
  expect(await ffmpeg(["-v", "error", "-xerror", "-i", playlist, "-f", "null", "-"])).toBe("");
  // Every frame the chunks carry (one video PES per frame) decodes; the loop seam leaves a short
  // gap in the video (the loop is as long as the longer audio track), not an error.
  let pes = 0;
  for (const c of grid) for (let o = 0; o < c.bytes.length; o += 188) if (pidAt(c.bytes, o) === 0x100 && (c.bytes[o + 1]! & 0x40) !== 0) pes++;
  expect(await frames(playlist)).toBe(pes);
});
