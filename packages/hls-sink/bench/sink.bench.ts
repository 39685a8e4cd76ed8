/**
 * What crash safety costs. Our write path (segment and playlist renamed into place, then the
 * group commit: fdatasync of the segment, directory fsync, commit record, directory fsync), each
 * write awaited until committed (durable), beside two same-run baselines: a naive writeFile of both files,
 * and writeFile + fsync of both files in place (durable but not atomic). Plus the reopen parser
 * beside m3u8-parser on a long event playlist.
 */
import { mkdir, mkdtemp, open, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Parser } from "m3u8-parser";
import { measure, pseudoRandomBytes, type BenchRow } from "../../../scripts/bench-lib.js";
import { HlsSink } from "../src/index.js";
import { renderPlaylist, type MediaPlaylist } from "../src/playlist.js";
import { parsePlaylist } from "../src/playlist-parse.js";

const SEGMENT_BYTES = 188 * 1000; // ~0.75 s of 2 Mb/s video
const WINDOW = 6;

function tsBytes(): Uint8Array {
  const b = pseudoRandomBytes(SEGMENT_BYTES);
  for (let i = 0; i < b.length; i += 188) b[i] = 0x47;
  return b;
}

async function fsyncWrite(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export default async function (): Promise<BenchRow[]> {
  const bytes = tsBytes();
  const root = await mkdtemp(join(tmpdir(), "hls-sink-bench-"));
  try {
    const sinkDir = join(root, "sink");
    const sink = await HlsSink.open({ dir: sinkDir, windowSegments: WINDOW, retainRemovedSegments: 0 });
    let seq = 0;
    const ours = await measure(
      async () => {
        await sink.write({ seq, firstPts: seq * 67_500, durationTicks: 67_500, bytes, programDateTimeMs: 0 });
        // Durable, like the fsync baseline (a live writer does not wait for this).
        await sink.flush();
        seq++;
      },
      { bytesPerOp: SEGMENT_BYTES },
    );
    await sink.close();
    const playlistText = renderPlaylist({
      targetDuration: 1,
      mediaSequence: 0,
      discontinuitySequence: 0,
      event: false,
      endList: false,
      entries: Array.from({ length: WINDOW }, (_, i) => ({ mediaSequence: i, durationTicks: 67_500, discontinuity: false, programDateTimeMs: 0 })),
    });

    const naiveDir = join(root, "naive");
    await mkdir(naiveDir);
    let n = 0;
    const naive = await measure(
      async () => {
        await writeFile(join(naiveDir, `${n}.ts`), bytes);
        await writeFile(join(naiveDir, "index.m3u8"), playlistText);
        if (n >= WINDOW) await unlink(join(naiveDir, `${n - WINDOW}.ts`));
        n++;
      },
      { bytesPerOp: SEGMENT_BYTES },
    );
    let m = 0;
    const durable = await measure(
      async () => {
        await fsyncWrite(join(naiveDir, `d${m}.ts`), bytes);
        await fsyncWrite(join(naiveDir, "index.m3u8"), playlistText);
        if (m >= WINDOW) await unlink(join(naiveDir, `d${m - WINDOW}.ts`));
        m++;
      },
      { bytesPerOp: SEGMENT_BYTES },
    );

    const long: MediaPlaylist = {
      targetDuration: 2,
      mediaSequence: 0,
      discontinuitySequence: 0,
      event: true,
      endList: false,
      continuity: { lastSeq: 999, nextPts: 180_000_000 },
      entries: Array.from({ length: 1000 }, (_, i) => ({
        mediaSequence: i,
        durationTicks: 180_000 + (i % 7),
        discontinuity: i % 100 === 0,
        programDateTimeMs: 1.7e12 + i * 2000,
      })),
    };
    const text = renderPlaylist(long);
    const parseOurs = await measure(() => parsePlaylist(text), { bytesPerOp: text.length });
    const parseTheirs = await measure(
      () => {
        const p = new Parser();
        p.push(text);
        p.end();
        return p.manifest;
      },
      { bytesPerOp: text.length },
    );

    const seg = `${SEGMENT_BYTES / 1000} KB segment + playlist`;
    return [
      {
        name: `write ${seg}, crash-safe`,
        value: ours.opsPerSec,
        unit: "writes/s",
        baselineName: "writeFile both, no fsync, not atomic",
        baseline: naive.opsPerSec,
        note: `${ours.mbPerSec.toFixed(1)} MB/s; each write committed before the next: 2 file fdatasyncs (segment, record) + 2 dir fsyncs`,
      },
      {
        name: `write ${seg}, crash-safe`,
        value: ours.opsPerSec,
        unit: "writes/s",
        baselineName: "writeFile+fsync both in place, not atomic",
        baseline: durable.opsPerSec,
      },
      {
        name: "parse 1000-segment playlist (reopen)",
        value: parseOurs.mbPerSec,
        unit: "MB/s",
        baselineName: "m3u8-parser",
        baseline: parseTheirs.mbPerSec,
      },
    ];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
