import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { HlsChunk } from "../../src/index.js";

const run = promisify(execFile);

// PIDs pinned on the ffmpeg command line so the splitter below needs no PAT/PMT parser.
const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;
const PACKET = 188;

/**
 * Encodes a short H.264/AAC MPEG-TS with ffmpeg (1 s GOPs, PAT/PMT before every video frame)
 * and cuts it into chunks at keyframes with {@link splitAtKeyframes} — the same shape of chunks
 * the real chunker produces, cut from one continuous stream so continuity counters run on.
 */
export async function makeH264Chunks(workDir: string, seconds = 6): Promise<{ chunks: HlsChunk[]; source: string }> {
  const source = join(workDir, "source.ts");
  // prettier-ignore
  await run("ffmpeg", [
    "-v", "error", "-y",
    "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30",
    "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
    "-t", String(seconds),
    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
    "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "300k",
    "-c:a", "aac", "-b:a", "64k",
    "-mpegts_pmt_start_pid", String(PMT_PID), "-mpegts_start_pid", String(VIDEO_PID),
    "-mpegts_flags", "+pat_pmt_at_frames",
    "-f", "mpegts", source,
  ]);
  const ts = new Uint8Array(await readFile(source));
  const cuts = splitAtKeyframes(ts);
  const end = await streamEndTicks(source);
  const chunks: HlsChunk[] = cuts.map((cut, i) => {
    const next = cuts[i + 1];
    return {
      seq: i,
      firstPts: cut.pts,
      durationTicks: (next ? next.pts : end) - cut.pts,
      bytes: ts.subarray(i === 0 ? 0 : cut.offset, next ? next.offset : ts.length),
    };
  });
  return { chunks, source };
}

/**
 * Finds each video keyframe (packet on the video PID with payload_unit_start and the adaptation
 * field's random_access_indicator) and its PES PTS. The cut goes before the PAT/PMT packets that
 * directly precede it, so every chunk starts with the tables a decoder needs.
 */
export function splitAtKeyframes(ts: Uint8Array): Array<{ offset: number; pts: number }> {
  const cuts: Array<{ offset: number; pts: number }> = [];
  for (let off = 0; off + PACKET <= ts.length; off += PACKET) {
    if (ts[off] !== 0x47) throw new Error(`lost TS sync at ${off}`);
    const pid = ((ts[off + 1]! & 0x1f) << 8) | ts[off + 2]!;
    const pusi = (ts[off + 1]! & 0x40) !== 0;
    const afc = (ts[off + 3]! >> 4) & 3;
    const afLen = afc & 2 ? ts[off + 4]! : 0;
    const rai = (afc & 2) !== 0 && afLen > 0 && (ts[off + 5]! & 0x40) !== 0;
    if (pid !== VIDEO_PID || !pusi || !rai) continue;
    const pes = off + 4 + (afc & 2 ? 1 + afLen : 0);
    if (ts[pes] !== 0 || ts[pes + 1] !== 0 || ts[pes + 2] !== 1 || (ts[pes + 7]! & 0x80) === 0) {
      throw new Error(`keyframe packet at ${off} has no PES PTS`);
    }
    const p = pes + 9;
    const pts =
      ((ts[p]! >> 1) & 0x07) * 2 ** 30 + ((ts[p + 1]! << 7) | (ts[p + 2]! >> 1)) * 2 ** 15 + ((ts[p + 3]! << 7) | (ts[p + 4]! >> 1));
    let start = off;
    while (start >= PACKET && isTablePid(ts, start - PACKET)) start -= PACKET;
    cuts.push({ offset: start, pts });
  }
  return cuts;
}

function isTablePid(ts: Uint8Array, off: number): boolean {
  const pid = ((ts[off + 1]! & 0x1f) << 8) | ts[off + 2]!;
  return pid === 0 || pid === PMT_PID;
}

async function streamEndTicks(file: string): Promise<number> {
  const info = await ffprobeJson(file, ["-show_entries", "format=start_time,duration"]);
  const f = (info as { format: { start_time: string; duration: string } }).format;
  return Math.round((Number(f.start_time) + Number(f.duration)) * 90_000);
}

/** Runs ffprobe with `-of json` and returns the parsed output. */
export async function ffprobeJson(input: string, args: string[]): Promise<unknown> {
  const { stdout } = await run("ffprobe", ["-v", "error", ...args, "-of", "json", input]);
  return JSON.parse(stdout) as unknown;
}

/** Decodes `input` fully with ffmpeg, failing on the first error; returns ffmpeg's stderr (empty when clean). */
export async function decodeFully(input: string): Promise<string> {
  const { stderr } = await run("ffmpeg", ["-v", "error", "-xerror", "-i", input, "-f", "null", "-"]);
  return stderr;
}

/** Video frames ffprobe decodes from `input` (after any errors it recovers from). */
export async function countVideoFrames(input: string): Promise<number> {
  const info = (await ffprobeJson(input, [
    "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
  ])) as { streams: Array<{ nb_read_frames: string }> };
  return Number(info.streams[0]?.nb_read_frames);
}
