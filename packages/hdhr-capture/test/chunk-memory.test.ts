/**
 * How chunks are handed out: without copying where that wastes little, kept chunks intact, lent
 * chunks (`reuseBuffers`) reusing their memory only after the caller is done with them, and
 * `chunkFile` reading a file through one reused buffer. Every mode must give the same bytes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { FIXTURE_NAMES, fixturePath } from "@ec/fixtures";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import type { TsChunk, TsChunkerOptions } from "../src/chunker/ts-chunker.js";
import { chunkFile } from "../src/chunker/chunk-file.js";
import { TsError } from "../src/errors.js";
import { chunkAll, concatBytes, fixtureBytes, garbageWithoutSync, shiftTimestamps } from "./helpers.js";

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** A longer input than any one fixture: the fixture, then again with timestamps moved on. */
const longInput = (() => {
  const a = fixtureBytes("h264-aac-1s-gop.ts");
  return concatBytes([a, shiftTimestamps(a, 20 * 90_000), shiftTimestamps(a, 40 * 90_000)]);
})();

/** Pushes `input` in pieces of the given sizes (cycled), copying each chunk's bytes at receipt. */
function chunkInPieces(input: Uint8Array, sizes: number[], opts: TsChunkerOptions): { chunks: TsChunk[]; atReceipt: Uint8Array[] } {
  const c = new TsChunker(opts);
  const chunks: TsChunk[] = [];
  const atReceipt: Uint8Array[] = [];
  const take = (out: TsChunk[]) => {
    for (const ch of out) {
      chunks.push(ch);
      atReceipt.push(ch.bytes.slice());
    }
  };
  for (let at = 0, i = 0; at < input.length; i++) {
    const n = sizes[i % sizes.length]!;
    take(c.push(input.subarray(at, at + n)));
    at += n;
  }
  take(c.flush());
  return { chunks, atReceipt };
}

describe("chunks handed out without copying", () => {
  it("kept chunks (the default) stay intact however much input follows, and equal a one-push run", () => {
    for (const chunkMs of [250, 1000, 2000]) {
      const want = chunkAll(longInput, { chunkMs }).chunks;
      const { chunks, atReceipt } = chunkInPieces(longInput, [65_536, 188 * 7, 300_001], { chunkMs });
      expect(chunks.length).toBe(want.length);
      chunks.forEach((c, i) => {
        expect(same(c.bytes, atReceipt[i]!)).toBe(true);
        expect(same(c.bytes, want[i]!.bytes)).toBe(true);
        expect([c.seq, c.firstPts, c.durationTicks, c.boundary]).toEqual([want[i]!.seq, want[i]!.firstPts, want[i]!.durationTicks, want[i]!.boundary]);
      });
      // No two kept chunks share memory.
      expect(new Set(chunks.map((c) => c.bytes.buffer)).size).toBe(chunks.length);
    }
  });

  it("a kept chunk holds at most a quarter more memory than its bytes", () => {
    for (const chunkMs of [250, 2000]) {
      for (const c of chunkInPieces(longInput, [1 << 20], { chunkMs }).chunks) {
        expect(c.bytes.byteOffset).toBe(0);
        expect(c.bytes.buffer.byteLength).toBeLessThanOrEqual(c.bytes.length + (c.bytes.length >> 2));
      }
    }
  });

  it("lent chunks (reuseBuffers) have the same bytes, valid until the next push, and their memory comes back", () => {
    for (const chunkMs of [250, 1000, 2000]) {
      const want = chunkAll(longInput, { chunkMs }).chunks;
      const { chunks, atReceipt } = chunkInPieces(longInput, [65_536, 188 * 7, 300_001], { chunkMs, reuseBuffers: true });
      expect(atReceipt.length).toBe(want.length);
      atReceipt.forEach((b, i) => expect(same(b, want[i]!.bytes)).toBe(true));
      // Later chunks live in the memory of earlier ones: fewer distinct buffers than chunks.
      expect(new Set(chunks.map((c) => c.bytes.buffer)).size).toBeLessThan(chunks.length);
    }
  });

  it("lent chunks are never overwritten before the next push, even when one push ends several", () => {
    const c = new TsChunker({ chunkMs: 250, reuseBuffers: true });
    const want = chunkAll(longInput, { chunkMs: 250 }).chunks;
    const got: Uint8Array[] = [];
    for (let at = 0; at < longInput.length; at += 400_000) {
      const out = [...c.push(longInput.subarray(at, at + 400_000))];
      if (at + 400_000 >= longInput.length) out.push(...c.flush());
      expect(out.length).toBeGreaterThan(1);
      // All chunks of this call are intact together, after the call has returned.
      for (const ch of out) got.push(ch.bytes.slice());
    }
    expect(got.length).toBe(want.length);
    got.forEach((b, i) => expect(same(b, want[i]!.bytes)).toBe(true));
  });

  it("gives the same chunks in every mode for damaged input in random pieces, forced cuts included (property)", () => {
    const base = fixtureBytes("h264-scenecut.ts");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(250, 1000),
        fc.constantFrom(undefined, 64 * 1024),
        (damage, sizes, chunkMs, maxChunkBytes) => {
          const input = base.slice();
          for (const [at, n] of damage) input.set(garbageWithoutSync(Math.min(n, input.length - at), at), at);
          const opts = { chunkMs, maxChunkBytes };
          const want = chunkAll(input, opts).chunks;
          const kept = chunkInPieces(input, sizes, opts);
          const lent = chunkInPieces(input, sizes, { ...opts, reuseBuffers: true });
          expect(kept.atReceipt.length).toBe(want.length);
          expect(lent.atReceipt.length).toBe(want.length);
          want.forEach((w, i) => {
            expect(same(kept.chunks[i]!.bytes, w.bytes)).toBe(true);
            expect(same(lent.atReceipt[i]!, w.bytes)).toBe(true);
          });
        },
      ),
      { numRuns: 60, seed: 2024 },
    );
  });
});

describe("chunkFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "chunk-file-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function collect(it: AsyncIterable<TsChunk>): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for await (const c of it) out.push(c.bytes.slice());
    return out;
  }

  it.each(FIXTURE_NAMES)("%s: the same chunks as pushing the whole file, for any read size, lent or kept", async (name) => {
    const want = chunkAll(fixtureBytes(name), { chunkMs: 1000 }).chunks.map((c) => c.bytes);
    for (const readBytes of [188, 1000, 65_536, undefined]) {
      for (const reuseBuffers of [false, true]) {
        const got = await collect(chunkFile(fixturePath(name), { chunkMs: 1000, readBytes, reuseBuffers }));
        expect(got.length).toBe(want.length);
        got.forEach((b, i) => expect(same(b, want[i]!)).toBe(true));
      }
    }
  });

  it("fails with the file system's error for a missing file", async () => {
    await expect(collect(chunkFile(join(dir, "missing.ts")))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a read size under one packet with a RangeError", async () => {
    await expect(collect(chunkFile(fixturePath("h264-scenecut.ts"), { readBytes: 187 }))).rejects.toBeInstanceOf(RangeError);
    await expect(collect(chunkFile(fixturePath("h264-scenecut.ts"), { readBytes: 1.5 }))).rejects.toBeInstanceOf(RangeError);
  });

  it("fails with not-mpeg-ts for a file that is not MPEG-TS, and no-program for one that is empty of a program", async () => {
    const junk = join(dir, "junk.ts");
    writeFileSync(junk, garbageWithoutSync(200_000, 3));
    await expect(collect(chunkFile(junk))).rejects.toMatchObject({ name: "TsError", code: "not-mpeg-ts" });
    const empty = join(dir, "empty.ts");
    writeFileSync(empty, new Uint8Array(0));
    await expect(collect(chunkFile(empty))).rejects.toBeInstanceOf(TsError);
  });

  it("stops with the signal's reason once aborted, and closes the file", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "FileHandle").length;
    const ac = new AbortController();
    const seen: number[] = [];
    const reason = new Error("stop here");
    await expect(
      (async () => {
        for await (const c of chunkFile(fixturePath("h264-aac-1s-gop.ts"), { chunkMs: 1000, readBytes: 188 * 50, signal: ac.signal })) {
          seen.push(c.seq);
          if (c.seq === 1) ac.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toEqual([0, 1]);
    expect(process.getActiveResourcesInfo().filter((r) => r === "FileHandle").length).toBe(before);
  });

  it("closes the file when the consumer stops early", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "FileHandle").length;
    for await (const c of chunkFile(fixturePath("h264-aac-1s-gop.ts"), { chunkMs: 1000 })) {
      if (c.seq === 0) break;
    }
    expect(process.getActiveResourcesInfo().filter((r) => r === "FileHandle").length).toBe(before);
  });
});
