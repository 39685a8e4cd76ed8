import { readFile, writeFile, rm, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HlsSink, HlsSinkError, type HlsChunk } from "../src/index.js";
import { Parser } from "m3u8-parser";
import { instrumentedFs, type FsEvent } from "./helpers/instrumented-fs.js";
import { memoryFs, powerCutScenarios } from "./helpers/power-cut.js";
import { allFiles, listed, parseWithM3u8Parser, segmentFiles } from "./helpers/playlist.js";
import { checkSyntheticChunk, syntheticChunkBytes } from "./helpers/synthetic-ts.js";
import { tempDir } from "./helpers/tmp.js";

const SECOND = 90_000;
/** The plain sink's commit record (a dotfile players ignore). */
const COMMIT = ".ec-hls-sink-commit.json";
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** Chunk `seq` of a continuous 2 s-per-chunk stream, unless overridden. */
function chunk(seq: number, over: Partial<HlsChunk> = {}): HlsChunk {
  return {
    seq,
    firstPts: (seq * 2 * SECOND) % 2 ** 33,
    durationTicks: 2 * SECOND,
    bytes: syntheticChunkBytes(seq, 0.2),
    programDateTimeMs: T0 + seq * 2000,
    ...over,
  };
}

async function expectSinkError(p: Promise<unknown>, code: HlsSinkError["code"]): Promise<HlsSinkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected HlsSinkError(${code})`).toBeInstanceOf(HlsSinkError);
  expect((err as HlsSinkError).code).toBe(code);
  return err as HlsSinkError;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

describe("writing a live playlist", () => {
  it("writes segments and a playlist that m3u8-parser reads back as written", async () => {
    const sink = await HlsSink.open({ dir });
    const results = [];
    for (let s = 0; s < 3; s++) results.push(await sink.write(chunk(s, { durationTicks: 2 * SECOND + s * 4500 })));
    expect(results).toEqual([
      { segmentName: "00000.ts", mediaSequence: 0, discontinuity: false },
      { segmentName: "00001.ts", mediaSequence: 1, discontinuity: false },
      { segmentName: "00002.ts", mediaSequence: 2, discontinuity: false },
    ]);
    let m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.version).toBe(3);
    expect(m.mediaSequence).toBe(0);
    expect(m.discontinuitySequence).toBe(0);
    expect(m.targetDuration).toBe(3); // ceil(2.1 s)
    expect(m.endList).toBeUndefined();
    expect(m.independentSegments).toBe(true);
    expect(listed(m)).toEqual(["00000.ts", "00001.ts", "00002.ts"]);
    expect(m.segments.map((s) => s.duration)).toEqual([2, 2.05, 2.1]);
    expect(m.segments.map((s) => Date.parse(s.dateTimeString!))).toEqual([T0, T0 + 2000, T0 + 4000]);
    expect(m.segments.every((s) => !s.discontinuity)).toBe(true);
    for (let s = 0; s < 3; s++) {
      expect(new Uint8Array(await readFile(join(dir, results[s]!.segmentName)))).toEqual(chunk(s).bytes);
    }
    await sink.flush();
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "00001.ts", "00002.ts", "index.m3u8"]);

    await sink.close();
    m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.endList).toBe(true);
    expect(listed(m)).toEqual(["00000.ts", "00001.ts", "00002.ts"]);
    const bytes = [0, 1, 2].reduce((n, s) => n + chunk(s).bytes.length, 0);
    expect(sink.stats).toEqual({ segmentsWritten: 3, bytesWritten: bytes, discontinuities: 0, mediaSecondsWritten: 6.15 });
  });

  it("each segment's # ec-seg comment carries its length and zlib CRC-32 (computed on the publish thread), in the playlist and the commit record", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 0 });
    for (let s = 0; s < 4; s++) await sink.write(chunk(s), undefined, { note: { n: s, text: "crc32=00000000 ünïcode" } });
    await sink.flush();
    // As the last write put it in place (close() would render it again).
    const text = await readFile(sink.playlistPath, "utf8");
    const checks = [...text.matchAll(/^# ec-seg bytes=(\d+) crc32=([0-9a-f]{8})\n(?:#[^\n]*\n)*?(\d{5}\.ts)$/gm)];
    expect(checks.map((m) => m[3])).toEqual(["00000.ts", "00001.ts", "00002.ts", "00003.ts"]);
    for (const [, bytes, crc, uri] of checks) {
      const file = await readFile(join(dir, uri!));
      expect(Number(bytes), uri).toBe(file.length);
      expect(crc, uri).toBe(zlibCrc32(file).toString(16).padStart(8, "0"));
    }
    const record = JSON.parse(await readFile(join(dir, COMMIT), "utf8")) as { playlist: string };
    expect(record.playlist).toBe(text);
    await sink.close();
    expect((await readFile(sink.playlistPath, "utf8")).startsWith(text)).toBe(true);
  });

  it("stamps Date.now() as program date time when the chunk has none", async () => {
    const sink = await HlsSink.open({ dir });
    const before = Date.now();
    await sink.write(chunk(0, { programDateTimeMs: undefined }));
    const after = Date.now();
    const pdt = Date.parse((await parseWithM3u8Parser(sink.playlistPath)).segments[0]!.dateTimeString!);
    expect(pdt).toBeGreaterThanOrEqual(before);
    expect(pdt).toBeLessThanOrEqual(after);
  });

  it("uses a custom playlist name", async () => {
    const sink = await HlsSink.open({ dir, playlistName: "live.m3u8" });
    await sink.write(chunk(0));
    await sink.close();
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "live.m3u8"]);
  });

  it("never lowers the target duration, even after the long segment leaves the window", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 2 });
    const durations = [1 * SECOND, 3.5 * SECOND, 1 * SECOND, 1 * SECOND, 1 * SECOND];
    const targets: number[] = [];
    let pts = 0;
    for (const [seq, d] of durations.entries()) {
      await sink.write(chunk(seq, { firstPts: pts, durationTicks: d }));
      pts += d;
      targets.push((await parseWithM3u8Parser(sink.playlistPath)).targetDuration!);
    }
    expect(targets).toEqual([1, 4, 4, 4, 4]);
  });

  it("queues concurrent writes in call order", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 0 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, s) => sink.write(chunk(s))));
    expect(results.map((r) => r.mediaSequence)).toEqual([...Array(12).keys()]);
    const m = await parseWithM3u8Parser(sink.playlistPath);
    expect(listed(m)).toHaveLength(12);
    for (const [i, uri] of listed(m).entries()) {
      const got = checkSyntheticChunk(new Uint8Array(await readFile(join(dir, uri))), 0.2);
      expect(got).toEqual({ seq: i });
    }
  });
});

describe("sliding window and deletion", () => {
  it("lists the last windowSegments segments and deletes exactly those no longer listed", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 3, retainRemovedSegments: 0 });
    for (let s = 0; s < 8; s++) {
      await sink.write(chunk(s));
      // Deleting waits for the commit of a playlist that no longer names the segment.
      await sink.flush();
      const m = await parseWithM3u8Parser(sink.playlistPath);
      const expected = Array.from({ length: Math.min(3, s + 1) }, (_, i) => `0000${s - Math.min(3, s + 1) + 1 + i}.ts`);
      expect(listed(m)).toEqual(expected);
      expect(m.mediaSequence).toBe(Math.max(0, s - 2));
      expect(await segmentFiles(dir)).toEqual(expected);
    }
  });

  it("keeps removed segments for the grace count (default windowSegments + 1), then deletes them", async () => {
    const window = 3;
    const grace = window + 1;
    const sink = await HlsSink.open({ dir, windowSegments: window });
    for (let s = 0; s < 14; s++) {
      await sink.write(chunk(s));
      await sink.flush();
      const m = await parseWithM3u8Parser(sink.playlistPath);
      const first = m.mediaSequence!;
      const onDisk = await segmentFiles(dir);
      const keptFrom = Math.max(0, first - grace);
      expect(onDisk).toEqual(Array.from({ length: s + 1 - keptFrom }, (_, i) => `${String(keptFrom + i).padStart(5, "0")}.ts`));
    }
  });

  it("deletes a segment only after a committed playlist no longer names it", async () => {
    const { fs, events } = instrumentedFs();
    // No grace, so the ordering itself is under test.
    const sink = await HlsSink.open({ dir, windowSegments: 2, retainRemovedSegments: 0, fs });
    for (let s = 0; s < 10; s++) await sink.write(chunk(s));
    await sink.close();
    const unlinks = events.filter((e) => e.op === "unlink" && e.name.endsWith(".ts"));
    expect(unlinks.length).toBe(10 - 2);
    for (const [i, e] of events.entries()) {
      if (e.op !== "unlink" || !e.name.endsWith(".ts")) continue;
      // Neither the playlist in place nor the last commit record names it...
      for (const target of ["index.m3u8", COMMIT]) {
        const last = events.slice(0, i).findLast((x) => x.op === "rename" && x.to === target);
        expect(last?.op === "rename" && last.listed, target).not.toContain(e.name);
      }
      // ...and a directory sync made that record durable before the delete.
      const lastCommit = events.slice(0, i).findLastIndex((x) => x.op === "rename" && x.to === COMMIT);
      expect(events.slice(lastCommit, i).some((x) => x.op === "sync-dir")).toBe(true);
    }
    // Every segment rename is followed by a playlist naming it.
    for (const [i, e] of events.entries()) {
      if (e.op !== "rename" || !e.to.endsWith(".ts")) continue;
      const pl = events.slice(i + 1).find((x) => x.op === "rename" && x.to === "index.m3u8");
      expect(pl?.op === "rename" && pl.listed).toContain(e.to);
    }
  });

  it("commitIntervalMs: one commit round for a burst of writes inside the interval; flush does not wait it out", async () => {
    const { fs, events } = instrumentedFs();
    const commits = () => events.filter((e) => e.op === "rename" && e.to === COMMIT).length;
    // An hour: nothing but a flush can end the wait inside this test.
    const sink = await HlsSink.open({ dir, fs, commitIntervalMs: 3_600_000 });
    await sink.write(chunk(0));
    // The first round starts at once (no commit before it); let it finish.
    await new Promise((r) => setTimeout(r, 50));
    const afterFirst = commits();
    for (let s = 1; s < 6; s++) await sink.write(chunk(s));
    await new Promise((r) => setTimeout(r, 50));
    // Published, in place, but not committed: the next round waits for the interval.
    expect(commits()).toBe(afterFirst);
    expect(listed(await parseWithM3u8Parser(join(dir, "index.m3u8")))).toHaveLength(6);
    await sink.flush();
    // One round took all five segments (each fdatasynced once), and the record names all six.
    expect(commits()).toBe(afterFirst + 1);
    const synced = events.filter((e) => e.op === "sync-file" && e.file.endsWith(".ts")).map((e) => (e as { file: string }).file);
    expect(new Set(synced).size).toBe(synced.length);
    const record = JSON.parse(await readFile(join(dir, COMMIT), "utf8")) as { playlist: string };
    expect(record.playlist.match(/^\d{5}\.ts$/gm)).toHaveLength(6);
    await sink.close();
  });

  it("commitIntervalMs must be a number >= 0", async () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(HlsSink.open({ dir, commitIntervalMs: bad })).rejects.toMatchObject({ code: "bad-options" });
    }
  });

  it("event mode keeps every segment and says EVENT", async () => {
    const sink = await HlsSink.open({ dir, mode: "event", windowSegments: 2 });
    for (let s = 0; s < 9; s++) await sink.write(chunk(s));
    await sink.close();
    const m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.playlistType).toBe("EVENT");
    expect(m.mediaSequence).toBe(0);
    expect(listed(m)).toHaveLength(9);
    expect(await segmentFiles(dir)).toEqual(listed(m));
    expect(m.endList).toBe(true);
  });

  it("windowSegments 0 keeps every segment", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 0 });
    for (let s = 0; s < 9; s++) await sink.write(chunk(s));
    const m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.playlistType).toBeUndefined();
    expect(listed(m)).toHaveLength(9);
    expect(await segmentFiles(dir)).toHaveLength(9);
  });
});

describe("durability off the live path (group commit)", () => {
  it("writes wait for no fsync; each commit syncs its segments, the directory, the record, the directory; close() waits for it", async () => {
    const { fs, events } = instrumentedFs();
    const sink = await HlsSink.open({ dir, windowSegments: 3, fs });
    const before = events.length;
    for (let s = 0; s < 12; s++) await sink.write(chunk(s));
    await sink.close({ endList: false });
    const run = events.slice(before);
    // The only file syncs: segments already in place (by the commit) and commit-record temps.
    for (const e of run) {
      if (e.op !== "sync-file") continue;
      expect(e.dataOnly).toBe(true);
      expect(e.target === COMMIT || /^\d{5}\.ts$/.test(e.file), e.file).toBe(true);
    }
    const commits = run.flatMap((e, i) => (e.op === "rename" && e.to === COMMIT ? [i] : []));
    // The fresh directory's empty record, then at least one commit, at most one per segment.
    expect(commits.length).toBeGreaterThanOrEqual(2);
    expect(commits.length).toBeLessThanOrEqual(12 + 1);
    for (const [k, at] of commits.entries()) {
      const r = run[at] as Extract<FsEvent, { op: "rename" }>;
      const prior = run.slice(0, at);
      // Its record was fdatasynced before the rename (its own temp file: segments' fdatasyncs,
      // started as each was published, may finish in between), and a directory fsync follows it.
      expect(prior.some((e) => e.op === "sync-file" && e.target === COMMIT && e.file === basename(r.from))).toBe(true);
      expect(run.slice(at, commits[k + 1] ?? run.length).some((e) => e.op === "sync-dir")).toBe(true);
      for (const seg of r.listed ?? []) {
        // Every segment it names was fdatasynced, and then the directory fsynced, before it.
        const synced = prior.findLastIndex((e) => e.op === "sync-file" && e.file === seg);
        const renamed = prior.findLastIndex((e) => e.op === "rename" && e.to === seg);
        expect(synced, `${seg} in commit ${k}`).toBeGreaterThan(renamed);
        expect(prior.slice(synced).some((e) => e.op === "sync-dir"), `${seg} in commit ${k}`).toBe(true);
      }
    }
    // Closed: the last record holds the playlist in place.
    const lastPlaylist = run.filter((e) => e.op === "rename" && e.to === "index.m3u8").at(-1) as Extract<FsEvent, { op: "rename" }>;
    expect((run[commits.at(-1)!] as Extract<FsEvent, { op: "rename" }>).listed).toEqual(lastPlaylist.listed);
  });

  it("power loss at any point: reopening serves only whole segments, keeps every committed one, and continues", async () => {
    // Every prefix of the sink's file-system calls, each with every possible subset (in order) of
    // the name changes after the last directory fsync, and unsynced bytes lost as zeros or as
    // nothing (helpers/power-cut.ts). Window 2, grace 1: deletions are covered too.
    const { fs, events } = instrumentedFs();
    const sink = await HlsSink.open({ dir, windowSegments: 2, retainRemovedSegments: 1, fs });
    // Some writes awaited one by one, some queued together, so commits cover one and several.
    for (let s = 0; s < 4; s++) await sink.write(chunk(s));
    await Promise.all([4, 5, 6, 7].map((s) => sink.write(chunk(s))));
    await sink.close({ endList: false });
    let scenarios = 0;
    for (const sc of powerCutScenarios(events)) {
      scenarios++;
      const at = `cut ${sc.cut}, ${sc.namesApplied} names, ${sc.lost}`;
      const committed = committedSeqs(sc.files);
      const mem = memoryFs("/pc", sc.files);
      const reopened = await HlsSink.open({ dir: "/pc", windowSegments: 2, retainRemovedSegments: 1, fs: mem });
      const seqs = servedSeqs(sc.files, at);
      // Nothing committed is lost: the served playlist ends at or after the committed one.
      if (committed.length > 0) expect(seqs.at(-1), at).toBeGreaterThanOrEqual(committed.at(-1)!);
      expect([...sc.files.keys()].filter((f) => f.endsWith(".tmp")), at).toEqual([]);
      // And it continues: the next chunk follows on, and closes whole.
      const next = (seqs.at(-1) ?? -1) + 1;
      await reopened.write(chunk(next));
      await reopened.close();
      expect(servedSeqs(sc.files, at).at(-1), at).toBe(next);
    }
    expect(scenarios).toBeGreaterThan(events.length * 2);
  });
});

/** Chunk seqs the committed playlist (in the commit record) names; [] without a record. */
function committedSeqs(files: Map<string, Uint8Array>): number[] {
  const bytes = files.get(COMMIT);
  if (!bytes) return [];
  const text = (JSON.parse(new TextDecoder().decode(bytes)) as { playlist: string }).playlist;
  return text.split("\n").filter((l) => l.endsWith(".ts")).map((l) => Number(l.slice(0, -3)));
}

/** The playlist in `files` as a player would read it: every named segment whole, in order; their chunk seqs. */
function servedSeqs(files: Map<string, Uint8Array>, at: string): number[] {
  const text = new TextDecoder().decode(files.get("index.m3u8"));
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const out: number[] = [];
  for (const seg of parser.manifest.segments) {
    const bytes = files.get(seg.uri);
    expect(bytes, `${at}: ${seg.uri} named but missing`).toBeDefined();
    const got = checkSyntheticChunk(bytes!, 0.2);
    expect(got, `${at}: ${seg.uri} named but not whole`).toHaveProperty("seq");
    out.push((got as { seq: number }).seq);
  }
  for (let i = 1; i < out.length; i++) expect(out[i], at).toBe(out[i - 1]! + 1);
  return out;
}

describe("discontinuities", () => {
  it("marks a seq gap, a PTS jump and a forced break; not a small PTS wobble or the 2^33 wrap", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 0 });
    const wrapStart = 2 ** 33 - SECOND;
    const writes: Array<[HlsChunk, boolean]> = [
      [chunk(0), false],
      [chunk(1), false],
      [chunk(3), true], // seq gap
      [chunk(4, { firstPts: 4 * 2 * SECOND + 10 * SECOND }), true], // PTS jump
      [chunk(5, { firstPts: 4 * 2 * SECOND + 12 * SECOND + 1000 }), false], // within tolerance
      [chunk(6, { discontinuity: true, firstPts: 4 * 2 * SECOND + 14 * SECOND + 1000 }), true], // forced
      [chunk(7, { firstPts: wrapStart }), true], // jump to near the wrap
      [chunk(8, { firstPts: (wrapStart + 2 * SECOND) % 2 ** 33 }), false], // across the wrap
      [chunk(2, { discontinuity: true }), true], // a new sequence may restart lower when flagged
    ];
    for (const [c, expected] of writes) expect((await sink.write(c)).discontinuity, `seq ${c.seq}`).toBe(expected);
    const m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.segments.map((s) => s.discontinuity === true)).toEqual(writes.map(([, d]) => d));
    expect(m.segments.map((s) => s.timeline)).toEqual([0, 0, 1, 2, 2, 3, 4, 4, 5]);
    expect(sink.stats.discontinuities).toBe(5);
  });

  it("honours ptsJumpToleranceTicks", async () => {
    const sink = await HlsSink.open({ dir, ptsJumpToleranceTicks: 0 });
    await sink.write(chunk(0));
    expect((await sink.write(chunk(1, { firstPts: 2 * SECOND + 1 }))).discontinuity).toBe(true);
  });

  it("ignores a forced discontinuity on the very first segment", async () => {
    const sink = await HlsSink.open({ dir });
    expect((await sink.write(chunk(5, { discontinuity: true }))).discontinuity).toBe(false);
  });

  it("keeps each segment's timeline fixed as discontinuities slide out of the window", async () => {
    // Property: for any stream of chunks, every segment has the same discontinuity timeline
    // (m3u8-parser's discontinuitySequence + tags above it) in every playlist that lists it,
    // and the directory holds exactly the listed segments.
    const step = fc.constantFrom("next", "gap", "jump", "force");
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(step, { minLength: 1, maxLength: 12 }), async (window, steps) => {
        const { path, cleanup: done } = await tempDir();
        try {
          const sink = await HlsSink.open({ dir: path, windowSegments: window, retainRemovedSegments: 0 });
          const timelineOf = new Map<string, number>();
          let seq = 0;
          let pts = 0;
          for (const s of steps) {
            if (s === "gap") seq += 2;
            if (s === "jump") pts += 100 * SECOND;
            await sink.write(chunk(seq, { firstPts: pts % 2 ** 33, discontinuity: s === "force" }));
            seq++;
            pts += 2 * SECOND;
            await sink.flush();
            const m = await parseWithM3u8Parser(sink.playlistPath);
            for (const seg of m.segments) {
              const before = timelineOf.get(seg.uri);
              if (before !== undefined) expect(seg.timeline, seg.uri).toBe(before);
              timelineOf.set(seg.uri, seg.timeline);
            }
            expect(await segmentFiles(path)).toEqual(listed(m));
          }
        } finally {
          await done();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("reopening a directory", () => {
  it("continues numbering after a clean close, removes ENDLIST and marks a discontinuity", async () => {
    let sink = await HlsSink.open({ dir, windowSegments: 4 });
    for (let s = 0; s < 6; s++) await sink.write(chunk(s));
    await sink.close();
    expect((await parseWithM3u8Parser(join(dir, "index.m3u8"))).endList).toBe(true);

    sink = await HlsSink.open({ dir, windowSegments: 4 });
    const r = await sink.write(chunk(6));
    expect(r).toEqual({ segmentName: "00006.ts", mediaSequence: 6, discontinuity: true });
    let m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.endList).toBeUndefined();
    expect(m.mediaSequence).toBe(3);
    expect(listed(m)).toEqual(["00003.ts", "00004.ts", "00005.ts", "00006.ts"]);
    expect(m.segments.map((s) => s.discontinuity === true)).toEqual([false, false, false, true]);
    await sink.write(chunk(7));
    await sink.close();
    m = await parseWithM3u8Parser(sink.playlistPath);
    expect(m.endList).toBe(true);
    expect(listed(m)).toEqual(["00004.ts", "00005.ts", "00006.ts", "00007.ts"]);
    expect(sink.stats.segmentsWritten).toBe(2);
  });

  it("continues seamlessly after close({ endList: false }) when the next chunk follows on", async () => {
    let sink = await HlsSink.open({ dir });
    await sink.write(chunk(0));
    await sink.write(chunk(1));
    await sink.close({ endList: false });
    expect((await parseWithM3u8Parser(join(dir, "index.m3u8"))).endList).toBeUndefined();

    sink = await HlsSink.open({ dir });
    expect((await sink.write(chunk(2))).discontinuity).toBe(false);
    await sink.close({ endList: false });
    sink = await HlsSink.open({ dir });
    expect(await sink.write(chunk(9))).toEqual({ segmentName: "00003.ts", mediaSequence: 3, discontinuity: true });
  });

  it("rejects a duplicate or backwards seq within a run; across a reopen it is a new run", async () => {
    let sink = await HlsSink.open({ dir });
    await sink.write(chunk(4));
    const err = await expectSinkError(sink.write(chunk(4)), "bad-chunk");
    expect(err.message).toMatch(/seq 4 is not after 4/);
    await expectSinkError(sink.write(chunk(3)), "bad-chunk");
    await sink.close({ endList: false });
    expect(listed(await parseWithM3u8Parser(sink.playlistPath))).toEqual(["00000.ts"]);
    // A restarted writer whose numbering starts over (a new epoch) is a discontinuity, not an error.
    sink = await HlsSink.open({ dir });
    expect(await sink.write(chunk(0))).toEqual({ segmentName: "00001.ts", mediaSequence: 1, discontinuity: true });
    await expectSinkError(sink.write(chunk(0)), "bad-chunk");
  });

  it("cleans crash leftovers: temp files and segments no playlist ever named", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 2, retainRemovedSegments: 5 });
    for (let s = 0; s < 5; s++) await sink.write(chunk(s));
    await sink.flush();
    // What a crash can leave: temp files, and a segment renamed in before its playlist.
    await writeFile(join(dir, ".hls-sink-00005.ts-999-1-abc.tmp"), "half");
    await writeFile(join(dir, ".hls-sink-index.m3u8-999-2-abc.tmp"), "#EXTM3U\n#EXT");
    await writeFile(join(dir, "00005.ts"), chunk(5).bytes);
    await writeFile(join(dir, "unrelated.txt"), "keep me");

    const reopened = await HlsSink.open({ dir, windowSegments: 2, retainRemovedSegments: 1 });
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "00001.ts", "00002.ts", "00003.ts", "00004.ts", "index.m3u8", "unrelated.txt"]);
    expect((await reopened.write(chunk(5))).segmentName).toBe("00005.ts");
    await reopened.flush();
    // Retired segments from the earlier run now age out under the new grace count.
    expect(await segmentFiles(dir)).toEqual(["00003.ts", "00004.ts", "00005.ts"]);
  });

  it("starts a fresh playlist when there is none, leaving foreign files alone", async () => {
    await writeFile(join(dir, "notes.txt"), "x");
    const sink = await HlsSink.open({ dir: join(dir, "deep", "er") });
    await sink.write(chunk(0));
    await sink.flush();
    expect(await allFiles(join(dir, "deep", "er"))).toEqual([COMMIT, "00000.ts", "index.m3u8"]);
    expect(await allFiles(dir)).toEqual(["deep", "notes.txt"]);
  });

  it("refuses a corrupt playlist instead of clobbering it", async () => {
    await writeFile(join(dir, "index.m3u8"), "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n00000.t");
    const err = await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist");
    expect(err.message).toMatch(/index\.m3u8/);
    expect(await readFile(join(dir, "index.m3u8"), "utf8")).toMatch(/00000\.t$/);
  });

  it("refuses random bytes, invalid UTF-8 and an oversized file as a playlist", async () => {
    await writeFile(join(dir, "index.m3u8"), Buffer.from([0x23, 0x45, 0xff, 0xfe, 0x0a]));
    expect((await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist")).message).toMatch(/UTF-8/);
    await writeFile(join(dir, "index.m3u8"), Buffer.alloc(16 * 1024 * 1024 + 1, 0x23));
    expect((await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist")).message).toMatch(/larger/);
    await rm(join(dir, "index.m3u8"));
    await mkdir(join(dir, "index.m3u8"));
    await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist");
  });

  it("refuses a playlist that names a missing segment", async () => {
    const sink = await HlsSink.open({ dir });
    await sink.write(chunk(0));
    await sink.write(chunk(1));
    // Committed: durable, so its absence is not a power cut's doing but someone else's.
    await sink.flush();
    await rm(join(dir, "00001.ts"));
    const err = await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist");
    expect(err.message).toMatch(/00001\.ts, which is missing/);
  });

  it("after a power cut: a playlist naming a segment that did not survive is replaced by the committed one", async () => {
    const sink = await HlsSink.open({ dir });
    for (let s = 0; s < 3; s++) await sink.write(chunk(s));
    await sink.flush();
    const committed = await readFile(join(dir, "index.m3u8"), "utf8");
    await sink.write(chunk(3));
    await sink.write(chunk(4));
    // What a power cut can leave: the playlist renamed in whole, a segment it names zero-filled
    // (its bytes never synced), the commit record still the one before.
    await sink.close({ endList: false }).catch(() => undefined);
    const live = await readFile(join(dir, "index.m3u8"), "utf8");
    await writeFile(join(dir, COMMIT), JSON.stringify({ playlist: committed }));
    await writeFile(join(dir, "00004.ts"), new Uint8Array(chunk(4).bytes.length));
    const reopened = await HlsSink.open({ dir });
    expect(reopened.recovery).toBe("restored-incomplete");
    expect(await readFile(join(dir, "index.m3u8"), "utf8")).toBe(committed);
    expect(await segmentFiles(dir)).toEqual(["00000.ts", "00001.ts", "00002.ts"]);
    expect(reopened.lastSeq).toBe(2);
    // A whole tail is kept: the same directory with 00004.ts intact keeps the live playlist.
    await reopened.close({ endList: false });
    await writeFile(join(dir, "index.m3u8"), live);
    await writeFile(join(dir, "00003.ts"), chunk(3).bytes);
    await writeFile(join(dir, "00004.ts"), chunk(4).bytes);
    await writeFile(join(dir, COMMIT), JSON.stringify({ playlist: committed }));
    const again = await HlsSink.open({ dir });
    expect(again.recovery).toBe("kept");
    expect(again.lastSeq).toBe(4);
    await again.close();
  });

  it("after a power cut: an unreadable playlist is replaced by the committed one; without a record it is refused", async () => {
    const sink = await HlsSink.open({ dir });
    for (let s = 0; s < 2; s++) await sink.write(chunk(s));
    await sink.close({ endList: false });
    const committed = await readFile(join(dir, "index.m3u8"), "utf8");
    await writeFile(join(dir, "index.m3u8"), new Uint8Array(committed.length + 40));
    const reopened = await HlsSink.open({ dir });
    expect(reopened.recovery).toBe("restored-unreadable");
    expect(await readFile(join(dir, "index.m3u8"), "utf8")).toBe(committed);
    await reopened.close({ endList: false });
    await rm(join(dir, COMMIT));
    await writeFile(join(dir, "index.m3u8"), new Uint8Array(10));
    await expectSinkError(HlsSink.open({ dir }), "corrupt-playlist");
  });

  it("marks a discontinuity when continuing a playlist it cannot vouch for", async () => {
    // A playlist in our format but written by another tool: no continuity comment.
    await writeFile(join(dir, "00010.ts"), chunk(10).bytes);
    await writeFile(
      join(dir, "index.m3u8"),
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2.0,\n00010.ts\n",
    );
    const sink = await HlsSink.open({ dir });
    expect(await sink.write(chunk(11))).toEqual({ segmentName: "00011.ts", mediaSequence: 11, discontinuity: true });
  });

  it("leaves the playlist untouched when closed without writing", async () => {
    let sink = await HlsSink.open({ dir });
    await sink.close();
    expect(await allFiles(dir)).toEqual([]);
    sink = await HlsSink.open({ dir });
    await sink.write(chunk(0));
    await sink.close();
    const before = await readFile(join(dir, "index.m3u8"), "utf8");
    sink = await HlsSink.open({ dir });
    await sink.close();
    expect(await readFile(join(dir, "index.m3u8"), "utf8")).toBe(before);
  });
});

describe("lifecycle and bad input", () => {
  it("rejects writes after close and makes close idempotent", async () => {
    const sink = await HlsSink.open({ dir });
    const pending = sink.write(chunk(0));
    const closing = sink.close();
    await expectSinkError(sink.write(chunk(1)), "closed");
    expect(sink.close()).toBe(closing);
    await closing;
    expect((await pending).mediaSequence).toBe(0);
    const m = await parseWithM3u8Parser(sink.playlistPath);
    expect(listed(m)).toEqual(["00000.ts"]);
    expect(m.endList).toBe(true);
  });

  it("rejects malformed chunks without touching the disk", async () => {
    const sink = await HlsSink.open({ dir });
    const ts = chunk(0).bytes;
    const bad: Array<[string, unknown]> = [
      ["null", null],
      ["negative seq", chunk(0, { seq: -1 })],
      ["fractional seq", chunk(0, { seq: 1.5 })],
      ["unsafe seq", chunk(0, { seq: 2 ** 53 })],
      ["NaN pts", chunk(0, { firstPts: Number.NaN })],
      ["33-bit overflow pts", chunk(0, { firstPts: 2 ** 33 })],
      ["zero duration", chunk(0, { durationTicks: 0 })],
      ["fractional duration", chunk(0, { durationTicks: 1.5 })],
      ["absurd duration", chunk(0, { durationTicks: 3601 * SECOND })],
      ["no bytes", chunk(0, { bytes: new Uint8Array(0) })],
      ["not bytes", chunk(0, { bytes: "47" as unknown as Uint8Array })],
      ["truncated packet", chunk(0, { bytes: ts.subarray(0, ts.length - 1) })],
      ["oversized packet run", chunk(0, { bytes: new Uint8Array([...ts, 0x47]) })],
      ["lost sync", chunk(0, { bytes: Object.assign(new Uint8Array(ts), { [188]: 0x00 }) })],
      ["random bytes", chunk(0, { bytes: new Uint8Array(188 * 4).map((_, i) => (i * 131 + 7) & 0xff) })],
      ["non-boolean discontinuity", chunk(0, { discontinuity: "yes" as unknown as boolean })],
      ["NaN date", chunk(0, { programDateTimeMs: Number.NaN })],
      ["out-of-range date", chunk(0, { programDateTimeMs: 1e300 })],
    ];
    for (const [what, c] of bad) {
      const err = await expectSinkError(sink.write(c as HlsChunk), "bad-chunk");
      expect(err.message, what).not.toBe("");
    }
    expect(await allFiles(dir)).toEqual([]);
    expect(sink.stats.segmentsWritten).toBe(0);
    expect((await sink.write(chunk(0))).mediaSequence).toBe(0);
  });

  it("rejects bad options", async () => {
    const bad: unknown[] = [
      {},
      { dir: "" },
      { dir, windowSegments: -1 },
      { dir, windowSegments: 1.5 },
      { dir, mode: "vod" },
      { dir, retainRemovedSegments: -1 },
      { dir, ptsJumpToleranceTicks: Number.POSITIVE_INFINITY },
      { dir, playlistName: "../escape.m3u8" },
      { dir, playlistName: "a/b.m3u8" },
      { dir, playlistName: "00001.ts" },
      { dir, playlistName: ".hls-sink-x.tmp" },
      { dir, playlistName: ".." },
    ];
    for (const o of bad) await expectSinkError(HlsSink.open(o as never), "bad-options");
    expect(await allFiles(dir)).toEqual([]);
  });
});

describe("file-system failures", () => {
  it("reports a directory that cannot exist (under a regular file) as unwritable-dir", async () => {
    const file = join(dir, "plain-file");
    await writeFile(file, "x");
    const err = await expectSinkError(HlsSink.open({ dir: join(file, "hls") }), "unwritable-dir");
    expect(err.message).toMatch(/ENOTDIR/);
  });

  it("reports a directory removed under a running sink as unwritable-dir", async () => {
    const out = join(dir, "out");
    const sink = await HlsSink.open({ dir: out });
    await sink.write(chunk(0));
    await sink.flush();
    await rm(out, { recursive: true });
    await expectSinkError(sink.write(chunk(1)), "unwritable-dir");
  });

  it("default file system (the publish thread): a playlist that cannot be renamed takes the new segment back; the sink stays usable", async () => {
    const sink = await HlsSink.open({ dir, windowSegments: 0 });
    await sink.write(chunk(0));
    await sink.flush();
    // A non-empty directory where the playlist goes: the segment's rename succeeds, the playlist's fails.
    await rm(sink.playlistPath);
    await mkdir(join(sink.playlistPath, "occupied"), { recursive: true });
    const err = await expectSinkError(sink.write(chunk(1)), "unwritable-dir");
    expect(err.message).toMatch(/index\.m3u8/);
    // No 00001.ts and no temp file (index.m3u8 is the directory put there).
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "index.m3u8"]);
    await rm(sink.playlistPath, { recursive: true });
    expect(await sink.write(chunk(1))).toEqual({ segmentName: "00001.ts", mediaSequence: 1, discontinuity: false });
    await sink.close();
    expect(listed(await parseWithM3u8Parser(sink.playlistPath))).toEqual(["00000.ts", "00001.ts"]);
  });

  it("disk full while writing a segment: typed error, no temp file, playlist unchanged, sink usable", async () => {
    let full = false;
    const { fs } = instrumentedFs({ onWrite: (t) => (full && t.endsWith(".ts") ? "ENOSPC" : undefined) });
    const sink = await HlsSink.open({ dir, fs });
    await sink.write(chunk(0));
    const before = await readFile(sink.playlistPath, "utf8");
    full = true;
    const err = await expectSinkError(sink.write(chunk(1)), "disk-full");
    expect(err.message).toMatch(/00001\.ts/);
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ENOSPC");
    await sink.flush();
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "index.m3u8"]);
    expect(await readFile(sink.playlistPath, "utf8")).toBe(before);
    full = false;
    expect(await sink.write(chunk(1))).toEqual({ segmentName: "00001.ts", mediaSequence: 1, discontinuity: false });
    expect(sink.stats.segmentsWritten).toBe(2);
  });

  it("disk full while writing the playlist: the new segment is taken back, nothing half-written", async () => {
    let failAt: string | undefined;
    const { fs } = instrumentedFs({ onWrite: (t) => (t === failAt ? "ENOSPC" : undefined) });
    const sink = await HlsSink.open({ dir, fs, windowSegments: 2, retainRemovedSegments: 0 });
    await sink.write(chunk(0));
    await sink.write(chunk(1));
    await sink.flush();
    const before = await readFile(sink.playlistPath, "utf8");
    failAt = "index.m3u8";
    await expectSinkError(sink.write(chunk(2)), "disk-full");
    // Neither 00002.ts nor a deletion of 00000.ts: the old playlist still names 00000 and 00001.
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "00001.ts", "index.m3u8"]);
    expect(await readFile(sink.playlistPath, "utf8")).toBe(before);
    failAt = undefined;
    // The chunk never made it, so the next one follows a gap in seq.
    expect(await sink.write(chunk(3))).toEqual({ segmentName: "00002.ts", mediaSequence: 2, discontinuity: true });
    await sink.flush();
    expect(await allFiles(dir)).toEqual([COMMIT, "00001.ts", "00002.ts", "index.m3u8"]);
  });

  it("classifies write and rename failures on the live path", async () => {
    let mode: "full" | "rename" | "eio" | undefined;
    const { fs } = instrumentedFs({
      onWrite: (t) => (mode === "full" ? "EDQUOT" : mode === "eio" && t.endsWith(".ts") ? "EIO" : undefined),
      onRename: (to) => (mode === "rename" && to.endsWith(".ts") ? "EROFS" : undefined),
    });
    const sink = await HlsSink.open({ dir, fs });
    mode = "full";
    await expectSinkError(sink.write(chunk(0)), "disk-full");
    mode = "rename";
    await expectSinkError(sink.write(chunk(0)), "unwritable-dir");
    mode = "eio";
    const err = await expectSinkError(sink.write(chunk(0)), "io-error");
    expect(err.message).toMatch(/EIO/);
    expect((await allFiles(dir)).filter((f) => f !== COMMIT)).toEqual([]);
    mode = undefined;
    await sink.write(chunk(0));
    await sink.flush();
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "index.m3u8"]);
  });

  it("a failed background fsync stops the sink: flush, close and later writes reject with it, typed", async () => {
    let fail = false;
    const { fs } = instrumentedFs({ onSync: (t) => (fail && t.endsWith(".ts") ? "EIO" : undefined) });
    const sink = await HlsSink.open({ dir, fs });
    await sink.write(chunk(0));
    await sink.flush();
    fail = true;
    // Published at once (the fsync is not on the live path)...
    expect(await sink.write(chunk(1))).toEqual({ segmentName: "00001.ts", mediaSequence: 1, discontinuity: false });
    // ...but never committed: the failure is the sink's from now on.
    const err = await expectSinkError(sink.flush(), "io-error");
    expect(err.message).toMatch(/EIO/);
    expect(sink.commitFailure).toBe(err);
    await expectSinkError(sink.write(chunk(2)), "io-error");
    await expectSinkError(sink.close(), "io-error");
    // The record still holds the playlist before 00001.ts: a power cut now falls back to it.
    const record = JSON.parse(await readFile(join(dir, COMMIT), "utf8")) as { playlist: string };
    expect(record.playlist).toMatch(/00000\.ts\n$/);
  });

  it("surfaces a failure of the final ENDLIST write from close()", async () => {
    let full = false;
    const { fs } = instrumentedFs({ onWrite: (t) => (full ? (t === "index.m3u8" ? "ENOSPC" : undefined) : undefined) });
    const sink = await HlsSink.open({ dir, fs });
    await sink.write(chunk(0));
    await sink.flush();
    full = true;
    await expectSinkError(sink.close(), "disk-full");
    expect((await parseWithM3u8Parser(sink.playlistPath)).endList).toBeUndefined();
    expect(await allFiles(dir)).toEqual([COMMIT, "00000.ts", "index.m3u8"]);
  });
});
