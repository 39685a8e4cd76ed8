/**
 * Chunker throughput on a large in-memory TS (the H.264/AAC fixture repeated), beside the
 * cheapest possible pass over the same bytes: a plain 188-byte walk reading sync, PID, PUSI
 * and random_access_indicator (it touches 1 byte in 30, so it bounds from far above), and one
 * memory copy of the buffer (the chunker must copy every byte into its chunks at least once).
 */
import { readFileSync } from "node:fs";
import { measure } from "../../../scripts/bench-lib.js";
import type { BenchRow } from "../../../scripts/bench-lib.js";
import { TsChunker } from "../src/index.js";
import { fixturePath } from "@ec/fixtures";

const REPEATS = 20;

function repeated(): Uint8Array {
  const one = readFileSync(fixturePath("h264-aac-1s-gop.ts"));
  const out = new Uint8Array(one.length * REPEATS);
  for (let i = 0; i < REPEATS; i++) out.set(one, i * one.length);
  return out;
}

/** The baseline: touch every packet header the way a keyframe finder minimally must. */
function plainWalk(buf: Uint8Array): number {
  let keys = 0;
  for (let off = 0; off + 188 <= buf.length; off += 188) {
    if (buf[off] !== 0x47) continue;
    const pid = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
    const pusi = buf[off + 1]! & 0x40;
    if (pid === 0x100 && pusi && buf[off + 3]! & 0x20 && buf[off + 4]! > 0 && buf[off + 5]! & 0x40) keys++;
  }
  return keys;
}

function chunkOnce(buf: Uint8Array, piece: number): number {
  const c = new TsChunker();
  let n = 0;
  for (let i = 0; i < buf.length; i += piece) n += c.push(buf.subarray(i, i + piece)).length;
  return n + c.flush().length;
}

export default async function (): Promise<BenchRow[]> {
  const buf = repeated();
  const mb = (buf.length / 1e6).toFixed(1);
  const walk = await measure(() => plainWalk(buf), { bytesPerOp: buf.length, minMs: 1500 });
  const whole = await measure(() => chunkOnce(buf, buf.length), { bytesPerOp: buf.length, minMs: 1500 });
  const pieces = await measure(() => chunkOnce(buf, 64 * 1024), { bytesPerOp: buf.length, minMs: 1500 });
  const copy = await measure(() => buf.slice(), { bytesPerOp: buf.length, minMs: 1500 });
  return [
    {
      name: `TsChunker, one ${mb} MB push`,
      value: whole.mbPerSec,
      unit: "MB/s",
      baselineName: "plain 188-byte packet walk",
      baseline: walk.mbPerSec,
      note: `${chunkOnce(buf, buf.length)} chunks of 2 s`,
    },
    {
      name: "TsChunker, 64 KiB pushes",
      value: pieces.mbPerSec,
      unit: "MB/s",
      baselineName: "plain 188-byte packet walk",
      baseline: walk.mbPerSec,
      note: "as from a socket or file stream",
    },
    {
      name: "TsChunker, 64 KiB pushes",
      value: pieces.mbPerSec,
      unit: "MB/s",
      baselineName: "one copy of the buffer (slice)",
      baseline: copy.mbPerSec,
      note: "an ATSC channel is 2.4 MB/s",
    },
  ];
}
