/**
 * The chunker on damaged, hostile and degenerate input: it resyncs and counts, stays bounded,
 * and `chunkStream` turns hopeless input into typed TsErrors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import { chunkStream } from "../src/chunker/chunk-stream.js";
import { TsError } from "../src/errors.js";
import { chunkAll, chunkBodies, concatBytes, fixtureBytes, garbageWithoutSync, mediaPackets, pidAt } from "./helpers.js";

const PMT_PID = 0x1000;
const input = fixtureBytes("h264-aac-1s-gop.ts");

async function* piecesOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("TsChunker with damaged input", () => {
  it("resyncs after garbage and truncation: bodies equal the input minus the damage", () => {
    const packets = Array.from({ length: input.length / 188 }, (_, i) => input.subarray(i * 188, i * 188 + 188));
    const parts: Uint8Array[] = [];
    const kept: Uint8Array[] = [];
    let damage = 0;
    packets.forEach((p, i) => {
      if (i > 3 && i % 997 === 0) {
        parts.push(p.subarray(0, 50)); // truncated: this packet is lost
        damage += 50;
        return;
      }
      parts.push(p);
      kept.push(p);
      if (i > 3 && i % 1500 === 1) {
        const g = garbageWithoutSync(333, i);
        parts.push(g);
        damage += g.length;
      }
    });
    const { chunks, stats } = chunkAll(concatBytes(parts));
    expect(stats.skippedBytes).toBe(damage);
    expect(stats.resyncs).toBeGreaterThanOrEqual(6);
    const expected = mediaPackets(concatBytes(kept).subarray(3 * 188)).bytes;
    expect(Buffer.from(concatBytes(chunkBodies(chunks, PMT_PID))).equals(Buffer.from(expected))).toBe(true);
    expect(chunks.length).toBe(7);
  });

  it("cuts at maxChunkBytes when keyframes are too far apart, keeping memory bounded", () => {
    const max = 64 * 1024;
    const { chunks, stats } = chunkAll(input, { maxChunkBytes: max });
    expect(stats.forcedCuts).toBeGreaterThan(0);
    for (const c of chunks) expect(c.bytes.length).toBeLessThanOrEqual(max);
    // Nothing is lost: bodies (each chunk minus its one PAT and one PMT packet) still
    // concatenate to the input's media packets after the first keyframe.
    const bodies = chunks.map((c) => c.bytes.subarray(2 * 188));
    expect(Buffer.from(concatBytes(bodies)).equals(Buffer.from(mediaPackets(input.subarray(3 * 188)).bytes))).toBe(true);
    expect(chunks.filter((c) => c.boundary === "size-limit").length).toBe(stats.forcedCuts);
  });

  it("holds at most one chunk (plus a piece) however long the input runs", () => {
    const c = new TsChunker({ chunkMs: 2000 });
    const piece = 64 * 1024;
    let maxHeld = 0;
    let maxChunk = 0;
    let total = 0;
    for (let loop = 0; loop < 30; loop++) {
      for (let i = 0; i < input.length; i += piece) {
        for (const ch of c.push(input.subarray(i, i + piece))) maxChunk = Math.max(maxChunk, ch.bytes.length);
        maxHeld = Math.max(maxHeld, c.bufferedBytes);
        total += Math.min(piece, input.length - i);
      }
    }
    c.flush();
    expect(total).toBeGreaterThan(30 * 1_000_000);
    expect(c.stats.chunks).toBe(30 * 7);
    expect(maxHeld).toBeLessThanOrEqual(maxChunk + piece);
  });

  it("emits nothing and counts packets when there is no PAT/PMT", () => {
    const noPsi = concatBytes(
      Array.from({ length: input.length / 188 }, (_, i) => input.subarray(i * 188, i * 188 + 188)).filter(
        (p) => pidAt(p, 0) !== 0 && pidAt(p, 0) !== PMT_PID,
      ),
    );
    const { chunks, stats } = chunkAll(noPsi);
    expect(chunks).toEqual([]);
    expect(stats.filteredPackets).toBe(noPsi.length / 188);
  });

  it("rejects bad options with RangeError", () => {
    expect(() => new TsChunker({ chunkMs: 0 })).toThrow(RangeError);
    expect(() => new TsChunker({ chunkMs: Number.NaN })).toThrow(RangeError);
    expect(() => new TsChunker({ firstSeq: -1 })).toThrow(RangeError);
    expect(() => new TsChunker({ maxChunkBytes: 1000 })).toThrow(RangeError);
  });

  it("numbers chunks from firstSeq and refuses push after flush", () => {
    const c = new TsChunker({ firstSeq: 41 });
    const chunks = [...c.push(input), ...c.flush()];
    expect(chunks[0]!.seq).toBe(41);
    expect(chunks.at(-1)!.seq).toBe(41 + chunks.length - 1);
    expect(() => c.push(input)).toThrow(/after flush/);
    expect(c.flush()).toEqual([]);
  });

  it("survives random packets with valid sync and hostile PIDs/payloads (fuzz)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(0, PMT_PID, 0x100, 0x101, 0x1fff), fc.uint8Array({ minLength: 185, maxLength: 185 }), fc.boolean()),
          { maxLength: 300 },
        ),
        (specs) => {
          // A real stream with random packets spliced in after its first PAT/PMT.
          const parts: Uint8Array[] = [input.subarray(0, 188 * 40)];
          for (const [pid, body, pusi] of specs) {
            const p = new Uint8Array(188);
            p[0] = 0x47;
            p[1] = (pusi ? 0x40 : 0) | (pid >> 8);
            p[2] = pid & 0xff;
            p.set(body, 3);
            parts.push(p);
          }
          parts.push(input.subarray(188 * 40, 188 * 2000));
          const c = new TsChunker({ chunkMs: 500 });
          const chunks = [...c.push(concatBytes(parts)), ...c.flush()];
          for (const ch of chunks) {
            expect(ch.bytes.length % 188).toBe(0);
            expect(Number.isFinite(ch.durationTicks) && ch.durationTicks >= 0).toBe(true);
          }
          expect(c.stats.packets).toBe(40 + specs.length + 1960);
        },
      ),
      { numRuns: 60, seed: 99 },
    );
  });
});

describe("chunkStream", () => {
  it("chunks an async source exactly like one push", async () => {
    const pieces = [];
    for (let i = 0; i < input.length; i += 65_536) pieces.push(input.subarray(i, i + 65_536));
    const got = await collect(chunkStream(piecesOf(...pieces), { chunkMs: 1000 }));
    const ref = chunkAll(input, { chunkMs: 1000 }).chunks;
    expect(got.map((c) => [c.seq, c.firstPts, c.durationTicks, c.bytes.length])).toEqual(
      ref.map((c) => [c.seq, c.firstPts, c.durationTicks, c.bytes.length]),
    );
  });

  it("throws not-mpeg-ts for empty input", async () => {
    await expect(collect(chunkStream(piecesOf()))).rejects.toMatchObject({ name: "TsError", code: "not-mpeg-ts" });
  });

  it("throws not-mpeg-ts early on a long run of non-TS bytes (an HTML error page, say)", async () => {
    const html = new TextEncoder().encode("<html><body>" + "x".repeat(70_000) + "</body></html>");
    let pulled = 0;
    async function* source() {
      for (;;) {
        pulled++;
        yield html; // endless: the error must come from the byte count, not the end
        if (pulled > 100) throw new Error("kept reading");
      }
    }
    const err = await collect(chunkStream(source())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TsError);
    expect((err as TsError).code).toBe("not-mpeg-ts");
    expect(pulled).toBe(1);
  });

  it("throws no-program for TS without PAT/PMT and no-random-access-point for a keyframe-less program", async () => {
    const packets = Array.from({ length: 400 }, (_, i) => input.subarray(i * 188, i * 188 + 188));
    const noPsi = concatBytes(packets.filter((p) => pidAt(p, 0) !== 0 && pidAt(p, 0) !== PMT_PID));
    await expect(collect(chunkStream(piecesOf(noPsi)))).rejects.toMatchObject({ code: "no-program" });
    // PAT + PMT, then only non-keyframe video: drop the packets up to the second keyframe's PES.
    const psiOnly = concatBytes([packets[1]!, packets[2]!, ...packets.slice(3, 40).filter((p) => pidAt(p, 0) === 0x101)]);
    await expect(collect(chunkStream(piecesOf(psiOnly)))).rejects.toMatchObject({ code: "no-random-access-point" });
  });

  it("passes source errors through and rejects non-byte pieces", async () => {
    async function* failing() {
      yield input.subarray(0, 300_000);
      throw new Error("socket gone");
    }
    await expect(collect(chunkStream(failing()))).rejects.toThrow("socket gone");
    async function* strings() {
      yield "abc" as unknown as Uint8Array;
    }
    await expect(collect(chunkStream(strings()))).rejects.toThrow(TypeError);
  });
});
