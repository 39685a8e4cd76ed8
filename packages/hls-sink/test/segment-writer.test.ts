import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HlsSinkError, SegmentWriter, chooseStart, type SegmentWriterOptions, type WrittenSegment } from "../src/index.js";
import { RESUME_FILE } from "../src/resume-point.js";
import { instrumentedFs } from "./helpers/instrumented-fs.js";
import { memoryFs, powerCutScenarios } from "./helpers/power-cut.js";
import { ManualClock } from "./helpers/manual-clock.js";
import { listed, parseWithM3u8Parser, segmentFiles } from "./helpers/playlist.js";
import { checkSyntheticChunk, syntheticChunkBytes } from "./helpers/synthetic-ts.js";
import { tempDir } from "./helpers/tmp.js";

const SECOND = 90_000;

/** Chunk `seq` of epoch `epoch`: a continuous stream of slightly uneven chunks (integer ticks). */
function chunk(seq: number, epoch = "e1") {
  return { seq, epoch, firstPts: seq * 2 * SECOND, durationTicks: 2 * SECOND + (seq % 3) - 1, bytes: syntheticChunkBytes(seq, 0.2) };
}

let dir: string;
let cleanup: () => Promise<void>;
let clock: ManualClock;
let written: WrittenSegment[];
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir("hls-writer-"));
  clock = new ManualClock();
  written = [];
});
afterEach(async () => {
  await cleanup();
});

function open(over: Partial<SegmentWriterOptions> = {}): Promise<SegmentWriter> {
  return SegmentWriter.open({ dir, streamId: "s", windowSegments: 0, gapTimeoutMs: 1000, maxBuffered: 8, clock, onSegment: (s) => written.push(s), ...over });
}

/** Chunk seqs the playlist in an in-memory directory names, each segment checked whole. */
function memSeqs(files: Map<string, Uint8Array>, at: string): number[] {
  const text = new TextDecoder().decode(files.get("index.m3u8") ?? new Uint8Array(0));
  return text
    .split("\n")
    .filter((l) => l.endsWith(".ts"))
    .map((uri) => {
      const c = checkSyntheticChunk(files.get(uri) ?? new Uint8Array(0), 0.2);
      if ("error" in c) throw new Error(`${at}: ${uri}: ${c.error}`);
      return c.seq;
    });
}

/** What the playlist on disk says, per segment: the chunk seq inside it and whether a discontinuity precedes it. */
async function playlistSeqs(): Promise<Array<[number, boolean]>> {
  const m = await parseWithM3u8Parser(join(dir, "index.m3u8"));
  const out: Array<[number, boolean]> = [];
  for (const s of m.segments) {
    const c = checkSyntheticChunk(await readFile(join(dir, s.uri)), 0.2);
    if ("error" in c) throw new Error(`${s.uri}: ${c.error}`);
    out.push([c.seq, s.discontinuity === true]);
  }
  return out;
}

describe("SegmentWriter: ordering and counters", () => {
  it("writes chunks pushed in any order as segments in seq order, counting in ticks", async () => {
    const w = await open();
    w.startAt("e1", 0);
    expect(w.push(chunk(2))).toBe("accepted");
    expect(w.push(chunk(0))).toBe("accepted");
    expect(w.push(chunk(1))).toBe("accepted");
    await w.idle();
    expect(written.map((s) => [s.seq, s.segmentName, s.discontinuity])).toEqual([
      [0, "00000.ts", false],
      [1, "00001.ts", false],
      [2, "00002.ts", false],
    ]);
    expect(await playlistSeqs()).toEqual([[0, false], [1, false], [2, false]]);
    const c = w.counters;
    expect(c.segmentsWritten).toBe(3);
    expect(c.mediaTicksWritten).toBe(chunk(0).durationTicks + chunk(1).durationTicks + chunk(2).durationTicks);
    expect(c.mediaTicksWritten).toBe(6 * SECOND); // -1 + 0 + 1: an exact integer, no float drift
    expect(c.bytesWritten).toBe(chunk(0).bytes.length + chunk(1).bytes.length + chunk(2).bytes.length);
    expect(c.discontinuities).toBe(0);
    expect(w.lastSegment).toMatchObject({ epoch: "e1", seq: 2, segmentName: "00002.ts", mediaSequence: 2, durationTicks: chunk(2).durationTicks });
    expect(w.nextSeq).toBe(3);
    await w.close();
  });

  it("refuses duplicates and counts them; has() says what is not worth verifying", async () => {
    const w = await open();
    w.startAt("e1", 0);
    w.push(chunk(0));
    w.push(chunk(2));
    expect(w.push(chunk(2))).toBe("duplicate");
    await w.idle();
    expect(w.push(chunk(0))).toBe("duplicate");
    expect(w.has("e1", 0)).toBe(true);
    expect(w.has("e1", 2)).toBe(true);
    expect(w.has("e1", 1)).toBe(false);
    expect(w.counters.duplicates).toBe(2);
    expect(w.counters.segmentsWritten).toBe(1);
    await w.close();
  });
});

describe("SegmentWriter: release (memory given back, e.g. to a receive pool)", () => {
  /** Chunk `seq` whose release is recorded and then zeroes its bytes, as a pool emptying the memory would. */
  function releasing(seq: number, log: number[], epoch = "e1") {
    const c = chunk(seq, epoch);
    return {
      ...c,
      release: () => {
        log.push(seq);
        c.bytes.fill(0);
      },
    };
  }

  it("a written chunk is released once, after its segment is in place; refused ones at once; held ones not", async () => {
    const released: number[] = [];
    const writtenWhenReleased: number[][] = [];
    const w = await open();
    w.startAt("e1", 0);
    const track = (c: ReturnType<typeof releasing>) => ({
      ...c,
      release: () => {
        writtenWhenReleased.push(written.map((s) => s.seq));
        c.release();
      },
    });
    expect(w.push(track(releasing(0, released)))).toBe("accepted");
    expect(w.push(track(releasing(2, released)))).toBe("accepted"); // held behind the gap at 1
    expect(w.push(track(releasing(0, released)))).toBe("duplicate");
    expect(released).toEqual([0]); // the duplicate, at once; the first 0 is being written
    await w.idle();
    expect(released).toEqual([0, 0]);
    expect(w.push(track(releasing(1, released)))).toBe("accepted");
    await w.idle();
    expect(released).toEqual([0, 0, 1, 2]);
    // Each released only once its own segment was written.
    expect(writtenWhenReleased.slice(1).map((seqs) => seqs.at(-1))).toEqual([0, 1, 2]);
    // Zeroing the memory at release took nothing from the segments: the sink had its copy.
    expect(await playlistSeqs()).toEqual([[0, false], [1, false], [2, false]]);
    expect(w.counters.bytesWritten).toBe([0, 1, 2].reduce((n, s) => n + chunk(s).bytes.length, 0));
    expect(w.push(releasing(1, released))).toBe("duplicate");
    await w.close();
    expect(w.push(releasing(6, released))).toBe("closed");
    expect(released).toEqual([0, 0, 1, 2, 1, 6]);
    expect(await playlistSeqs()).toEqual([[0, false], [1, false], [2, false]]);
  });

  it("a failed write releases the failed chunk and those queued behind it; a throwing release is not the writer's failure", async () => {
    const released: number[] = [];
    const errors: HlsSinkError[] = [];
    const { fs } = instrumentedFs({ onWrite: (target) => (target === "00001.ts" ? "ENOSPC" : undefined) });
    const w = await open({ fs, onError: (e) => errors.push(e) });
    w.startAt("e1", 0);
    expect(w.push({ ...chunk(0), release: () => { released.push(0); throw new Error("a caller bug"); } })).toBe("accepted");
    for (const s of [1, 2, 3]) w.push(releasing(s, released));
    await w.idle();
    expect(errors.map((e) => e.code)).toEqual(["disk-full"]);
    expect(released.sort()).toEqual([0, 1, 2, 3]);
    expect(w.push(releasing(4, released))).toBe("failed");
    expect(released).toContain(4);
    await w.close();
    expect(await playlistSeqs()).toEqual([[0, false]]);
  });

  it("a release that is not a function is a caller bug, thrown at once", async () => {
    const w = await open();
    expect(() => w.push({ ...chunk(0), release: 5 as unknown as () => void })).toThrow(HlsSinkError);
    await w.close();
  });
});

describe("SegmentWriter: start-up order (issue 14 item 4)", () => {
  it("N+2 first does not set the start: N and N+1 are waited for and written, not dropped", async () => {
    const w = await open();
    w.startAt("e1", 10);
    expect(w.push(chunk(12))).toBe("accepted");
    await w.idle();
    expect(written).toEqual([]);
    expect(w.nextSeq).toBe(10);
    expect(w.has("e1", 10)).toBe(false);
    expect(w.push(chunk(10))).toBe("accepted");
    expect(w.push(chunk(11))).toBe("accepted");
    await w.idle();
    expect(written.map((s) => [s.seq, s.discontinuity])).toEqual([[10, false], [11, false], [12, false]]);
    expect(w.counters.duplicates).toBe(0);
    expect(w.counters.late).toBe(0);
    await w.close();
  });
});

describe("SegmentWriter: gaps on its own timer", () => {
  it("skips a missing seq when its timer fires after gapTimeoutMs, with a discontinuity; a straggler is late", async () => {
    const w = await open();
    w.startAt("e1", 0);
    w.push(chunk(0));
    w.push(chunk(2));
    await w.idle();
    expect(written.map((s) => s.seq)).toEqual([0]);
    expect(clock.pending).toBe(1); // one timer, for the one deadline
    clock.advance(999);
    await w.idle();
    expect(written.map((s) => s.seq)).toEqual([0]);
    clock.advance(1);
    await w.idle();
    expect(written.map((s) => [s.seq, s.discontinuity])).toEqual([[0, false], [2, true]]);
    expect(clock.pending).toBe(0);
    expect(await playlistSeqs()).toEqual([[0, false], [2, true]]);
    expect(w.push(chunk(1))).toBe("late");
    const c = w.counters;
    expect([c.gapsSkipped, c.seqsSkipped, c.late, c.discontinuities]).toEqual([1, 1, 1, 1]);
    await w.close();
  });

  it("a gap filled before the deadline cancels the timer", async () => {
    const w = await open();
    w.startAt("e1", 0);
    w.push(chunk(1));
    expect(clock.pending).toBe(1);
    w.push(chunk(0));
    expect(clock.pending).toBe(0);
    await w.idle();
    expect(written.map((s) => [s.seq, s.discontinuity])).toEqual([[0, false], [1, false]]);
    await w.close();
  });

  it("a start that never arrives is skipped after the timeout like any gap", async () => {
    const w = await open();
    w.startAt("e1", 10);
    w.push(chunk(11));
    clock.advance(1000);
    await w.idle();
    expect(written.map((s) => s.seq)).toEqual([11]);
    expect(w.counters.seqsSkipped).toBe(1);
    await w.close();
  });
});

describe("SegmentWriter: epochs", () => {
  it("a new epoch starts a new sequence behind a discontinuity; the old epoch never comes back", async () => {
    const w = await open();
    w.startAt("a", 5);
    w.push(chunk(5, "a"));
    w.push(chunk(6, "a"));
    await w.idle();
    w.startAt("b", 0);
    expect(w.epoch).toBe("b");
    expect(w.push(chunk(7, "a"))).toBe("old-epoch");
    w.push(chunk(0, "b"));
    w.push(chunk(1, "b"));
    await w.idle();
    expect(written.map((s) => [s.epoch, s.seq, s.discontinuity])).toEqual([
      ["a", 5, false],
      ["a", 6, false],
      ["b", 0, true],
      ["b", 1, false],
    ]);
    const c = w.counters;
    expect([c.epochChanges, c.oldEpoch, c.discontinuities]).toEqual([1, 1, 1]);
    await w.close();
  });
});

describe("SegmentWriter: chunks taken but never written are counted", () => {
  it("held when their epoch is left, or below a start decided after they arrived", async () => {
    const w = await open();
    w.push(chunk(12));
    w.push(chunk(13));
    w.startAt("e1", 13); // 12 was held before the start was known
    await w.idle();
    expect(written.map((s) => s.seq)).toEqual([13]);
    w.push(chunk(15)); // held behind the missing 14
    w.startAt("e2", 0);
    expect(w.counters.discarded).toBe(2);
    expect(w.counters.epochChanges).toBe(1);
    w.push(chunk(5, "e2")); // held behind the missing start
    w.push(chunk(1, "e3")); // a chunk of a newer epoch switches on its own
    expect(w.counters.discarded).toBe(3);
    expect(w.counters.epochChanges).toBe(2);
    expect(w.heldCount).toBe(1);
    await w.close();
    expect(w.counters.discarded).toBe(4);
  });
});

describe("SegmentWriter: resume after a restart", () => {
  it("a restarted writer resumes right after the last segment: no gap, no duplicate, no discontinuity", async () => {
    const a = await open();
    a.startAt("e1", 0);
    for (const s of [0, 1, 2, 3]) a.push(chunk(s));
    await a.idle();
    // Killed: no close(). The next run opens the same directory.
    const b = await open();
    expect(b.resumePoint).toEqual({ streamId: "s", epoch: "e1", seq: 3 });
    const start = chooseStart({ epoch: "e1", firstSeq: 1, lastSeq: 7 }, { backfill: 3, resume: b.resumePoint });
    expect(start).toEqual({ epoch: "e1", seq: 4, resumed: true });
    b.startAt(start.epoch, start.seq);
    // Arrival order after the restart is arbitrary: 6 first must not become the start.
    for (const s of [6, 5, 4, 7]) b.push(chunk(s));
    await b.idle();
    await b.close();
    expect(await playlistSeqs()).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((s) => [s, false]));
    expect(b.counters.discontinuities).toBe(0);
  });

  it("per segment: segment and playlist renamed in without an fsync; the resume record only advances in a commit", async () => {
    const { fs, events } = instrumentedFs();
    const a = await open({ fs });
    a.startAt("e1", 0);
    const before = events.length;
    for (const s of [0, 1, 2, 3, 4]) a.push(chunk(s));
    await a.idle();
    await a.close();
    const run = events.slice(before);
    const renames = run.flatMap((e) => (e.op === "rename" ? [e.to] : []));
    // Live path: segment, playlist, for each seq in order (records interleave, from commits).
    expect(renames.filter((n) => n !== RESUME_FILE)).toEqual([0, 1, 2, 3, 4].flatMap((k) => [`0000${k}.ts`, "index.m3u8"]).concat("index.m3u8"));
    for (const [i, e] of run.entries()) {
      if (e.op === "sync-file") expect(e.file === RESUME_FILE || e.target === RESUME_FILE || /^\d{5}\.ts$/.test(e.file), e.file).toBe(true);
      if (e.op !== "rename" || e.to !== RESUME_FILE) continue;
      // A record names only segments fdatasynced, with a directory fsync after, before it.
      for (const seg of e.listed ?? []) {
        const synced = run.slice(0, i).findLastIndex((x) => x.op === "sync-file" && x.file === seg);
        expect(synced, seg).toBeGreaterThanOrEqual(0);
        expect(run.slice(synced, i).some((x) => x.op === "sync-dir"), seg).toBe(true);
      }
    }
    // Closed: the record holds the final playlist and the resume point of its last segment.
    const record = JSON.parse(await readFile(join(dir, RESUME_FILE), "utf8")) as { streamId: string; epoch: string; seq: number; playlist: string };
    expect(record).toMatchObject({ streamId: "s", epoch: "e1", seq: 4 });
    expect(record.playlist).toBe(await readFile(join(dir, "index.m3u8"), "utf8"));
  });

  it("commitIntervalMs holds: watching for a failed commit does not make every write a commit", async () => {
    const { fs, events } = instrumentedFs();
    const commits = () => events.filter((e) => e.op === "rename" && e.to === RESUME_FILE).length;
    // An hour: nothing but close() (a flush) can end the wait inside this test.
    const a = await open({ fs, commitIntervalMs: 3_600_000 });
    a.startAt("e1", 0);
    a.push(chunk(0));
    await a.idle();
    // The first round starts at once; let it finish.
    await new Promise((r) => setTimeout(r, 50));
    const afterFirst = commits();
    for (const s of [1, 2, 3, 4]) {
      a.push(chunk(s));
      await a.idle();
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(written.map((w) => w.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(commits()).toBe(afterFirst);
    await a.close();
    // One more round at close took the other four, and the record holds the final playlist.
    expect(commits()).toBe(afterFirst + 1);
    const record = JSON.parse(await readFile(join(dir, RESUME_FILE), "utf8")) as { seq: number; playlist: string };
    expect(record.seq).toBe(4);
    expect(record.playlist).toBe(await readFile(join(dir, "index.m3u8"), "utf8"));
    expect(a.failure).toBeUndefined();
  });

  it("power loss at any point: the reopened writer serves only whole segments and resumes exactly", async () => {
    const { fs, events } = instrumentedFs();
    const a = await open({ fs });
    a.startAt("e1", 0);
    for (const s of [0, 1, 2]) {
      a.push(chunk(s));
      await a.idle();
    }
    for (const s of [5, 4, 3]) a.push(chunk(s));
    await a.idle();
    await a.close({ endList: false });
    let scenarios = 0;
    for (const sc of powerCutScenarios(events)) {
      scenarios++;
      const at = `cut ${sc.cut}, ${sc.namesApplied} names, ${sc.lost}`;
      const mem = memoryFs("/pc", sc.files);
      const b = await SegmentWriter.open({ dir: "/pc", fs: mem, streamId: "s", windowSegments: 0, gapTimeoutMs: 1000, clock });
      const seqs = memSeqs(sc.files, at);
      if (seqs.length > 0) expect(b.resumePoint, at).toEqual({ streamId: "s", epoch: "e1", seq: seqs.at(-1) });
      else expect(b.resumePoint, at).toBeUndefined();
      const start = chooseStart({ epoch: "e1", firstSeq: 0, lastSeq: 9 }, { backfill: 10, resume: b.resumePoint });
      b.startAt(start.epoch, start.seq);
      for (let s = start.seq; s < start.seq + 2; s++) b.push(chunk(s));
      await b.idle();
      await b.close();
      // Every seq once, in order, from 0, with no discontinuity: resumed exactly where it stopped.
      const after = memSeqs(sc.files, at);
      expect(after, at).toEqual(after.map((_, i) => i));
      expect(b.failure, at).toBeUndefined();
      expect(b.counters.discontinuities, at).toBe(0);
    }
    expect(scenarios).toBeGreaterThan(events.length * 3);
  });

  it("a crash between the resume record and the playlist still resumes exactly", async () => {
    // The playlist rename for seq 2 fails as if the process died there: the record names seq 2,
    // the playlist still ends with seq 1.
    const { fs } = instrumentedFs({ onRename: (to) => (to === "index.m3u8" && written.length === 2 ? "EIO" : undefined) });
    const a = await open({ fs });
    a.startAt("e1", 0);
    for (const s of [0, 1, 2]) a.push(chunk(s));
    await a.idle();
    expect(a.failure?.code).toBe("io-error");
    const b = await open();
    expect(b.resumePoint).toEqual({ streamId: "s", epoch: "e1", seq: 1 });
    b.startAt("e1", b.resumePoint!.seq + 1);
    for (const s of [3, 2]) b.push(chunk(s));
    await b.idle();
    await b.close();
    expect(await playlistSeqs()).toEqual([0, 1, 2, 3].map((s) => [s, false]));
  });

  it("a directory written before the group commit (old resume file, no notes or checks) resumes exactly", async () => {
    // What the previous version left: segments, a playlist with its continuity comment only, and
    // the resume record it wrote before each segment.
    const playlist = [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      "#EXT-X-TARGETDURATION:2",
      "#EXT-X-MEDIA-SEQUENCE:0",
      "#EXT-X-DISCONTINUITY-SEQUENCE:0",
      "#EXT-X-INDEPENDENT-SEGMENTS",
      `# ec-hls-sink last-seq=1 next-pts=${chunk(1).firstPts + chunk(1).durationTicks}`,
      `#EXTINF:${(chunk(0).durationTicks / SECOND).toFixed(6)},`,
      "00000.ts",
      `#EXTINF:${(chunk(1).durationTicks / SECOND).toFixed(6)},`,
      "00001.ts",
      "",
    ].join("\n");
    await writeFile(join(dir, "00000.ts"), chunk(0).bytes);
    await writeFile(join(dir, "00001.ts"), chunk(1).bytes);
    await writeFile(join(dir, "index.m3u8"), playlist);
    await writeFile(join(dir, RESUME_FILE), JSON.stringify({ streamId: "s", epoch: "e1", seq: 1, previous: { epoch: "e1", seq: 0 } }) + "\n");
    const b = await open();
    expect(b.resumePoint).toEqual({ streamId: "s", epoch: "e1", seq: 1 });
    // The resume file is now the commit record, holding the playlist as found.
    expect(JSON.parse(await readFile(join(dir, RESUME_FILE), "utf8"))).toMatchObject({ playlist });
    b.startAt("e1", 2);
    b.push(chunk(2));
    await b.idle();
    await b.close();
    expect(await playlistSeqs()).toEqual([0, 1, 2].map((s) => [s, false]));
  });

  it("a playlist of another stream or with no record is continued behind a discontinuity", async () => {
    const a = await open({ streamId: "other" });
    a.startAt("e1", 0);
    a.push(chunk(0));
    await a.idle();
    const b = await open();
    expect(b.resumePoint).toBeUndefined();
    b.startAt("e1", 1);
    b.push(chunk(1));
    await b.idle();
    await b.close();
    expect(await playlistSeqs()).toEqual([[0, false], [1, true]]);
  });
});

describe("SegmentWriter: failures and closing", () => {
  it("a failed write surfaces once as a typed error, stops the writer, and leaves a consistent playlist", async () => {
    const errors: HlsSinkError[] = [];
    const { fs } = instrumentedFs({ onWrite: (target) => (target === "00001.ts" ? "ENOSPC" : undefined) });
    const w = await open({ fs, onError: (e) => errors.push(e) });
    w.startAt("e1", 0);
    for (const s of [0, 1, 2, 3]) w.push(chunk(s));
    await w.idle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HlsSinkError);
    expect(errors[0]!.code).toBe("disk-full");
    expect(w.failure).toBe(errors[0]);
    expect(w.push(chunk(4))).toBe("failed");
    expect(w.counters.segmentsWritten).toBe(1);
    await w.close();
    expect(errors).toHaveLength(1);
    expect(await playlistSeqs()).toEqual([[0, false]]);
    expect(await segmentFiles(dir)).toEqual(["00000.ts"]);
  });

  it("without onError a failure is only in `failure` (no unhandled rejection)", async () => {
    const { fs } = instrumentedFs({ onWrite: (target) => (target === "00000.ts" ? "EIO" : undefined) });
    const w = await open({ fs });
    w.startAt("e1", 0);
    w.push(chunk(0));
    await w.idle();
    expect(w.failure?.code).toBe("io-error");
    await w.close();
  });

  it("a failed background commit (fsync) stops the writer and is reported once, typed", async () => {
    const errors: HlsSinkError[] = [];
    const { fs } = instrumentedFs({ onSync: (target) => (target === "00001.ts" ? "EIO" : undefined) });
    const w = await open({ fs, onError: (e) => errors.push(e) });
    w.startAt("e1", 0);
    w.push(chunk(0));
    await w.idle();
    w.push(chunk(1));
    await w.idle();
    // close() waits for the commit, which fails: reported, not thrown.
    await w.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("io-error");
    expect(w.failure).toBe(errors[0]);
    expect(w.push(chunk(2))).toBe("closed");
  });

  it("close() writes what is released, discards what waits behind a gap, and refuses more", async () => {
    const w = await open();
    w.startAt("e1", 0);
    for (const s of [0, 1, 3, 4]) w.push(chunk(s));
    await w.close({ endList: false });
    expect(written.map((s) => s.seq)).toEqual([0, 1]);
    expect(w.counters.discarded).toBe(2);
    expect(w.push(chunk(2))).toBe("closed");
    expect(clock.pending).toBe(0);
    const m = await parseWithM3u8Parser(join(dir, "index.m3u8"));
    expect(m.endList).toBeUndefined();
    expect(listed(m)).toEqual(["00000.ts", "00001.ts"]);
    await w.close(); // idempotent
  });

  it("close() ends the playlist by default", async () => {
    const w = await open();
    w.startAt("e1", 0);
    w.push(chunk(0));
    await w.close();
    expect((await parseWithM3u8Parser(join(dir, "index.m3u8"))).endList).toBe(true);
  });

  it("a malformed chunk or bad options are a caller bug: thrown at once, typed", async () => {
    const w = await open();
    expect(() => w.push({ ...chunk(0), bytes: new Uint8Array(5) })).toThrow(HlsSinkError);
    expect(() => w.push({ ...chunk(0), epoch: "" })).toThrow(HlsSinkError);
    expect(() => w.push({ ...chunk(0), epoch: "x".repeat(257) })).toThrow(HlsSinkError);
    expect(() => w.startAt("e1", -1)).toThrow(HlsSinkError);
    expect(() => w.startAt("", 0)).toThrow(HlsSinkError);
    await expect(open({ streamId: "" })).rejects.toMatchObject({ code: "bad-options" });
    await expect(open({ gapTimeoutMs: -1 })).rejects.toMatchObject({ code: "bad-options" });
    await expect(open({ maxBuffered: 0 })).rejects.toMatchObject({ code: "bad-options" });
    await w.close();
  });
});
