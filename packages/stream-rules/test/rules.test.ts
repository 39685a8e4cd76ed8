import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  assertEpoch,
  assertPts,
  assertSeq,
  assertStreamId,
  deriveEpoch,
  isEpoch,
  isStreamId,
  MAX_CHUNK_BYTES,
  MAX_FRAME_BYTES,
  MAX_OBJECT_BYTES,
  msFromTicks,
  OBJECT_OVERHEAD_BYTES,
  ptsAdd,
  ptsDelta,
  StreamRuleError,
  streamIdProblem,
  ticksFromMs,
} from "../src/index.js";

const vectors = JSON.parse(readFileSync(new URL("./vectors/rules.json", import.meta.url), "utf8")) as {
  streamIds: { valid: string[]; invalid: string[] };
  epochs: { valid: string[]; invalid: string[] };
  deriveEpoch: Array<{ streamId: string; firstChunkHex: string; epoch: string }>;
  ptsDelta: Array<[number, number, number]>;
};

describe("stream id", () => {
  it.each(vectors.streamIds.valid)("accepts %j", (id) => {
    expect(isStreamId(id)).toBe(true);
    expect(() => assertStreamId(id)).not.toThrow();
  });
  it.each(vectors.streamIds.invalid)("refuses %j with a typed error naming the value", (id) => {
    expect(isStreamId(id)).toBe(false);
    expect(streamIdProblem(id)).toBeTypeOf("string");
    try {
      assertStreamId(id, "--stream-id");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StreamRuleError);
      expect((err as StreamRuleError).code).toBe("bad-stream-id");
      expect((err as Error).message.startsWith("--stream-id")).toBe(true);
      expect((err as Error).message).not.toContain("\n");
    }
  });
  it("refuses non-strings", () => {
    for (const v of [undefined, null, 1, {}, ["a"]]) expect(() => assertStreamId(v)).toThrow(StreamRuleError);
  });
});

describe("epoch", () => {
  it.each(vectors.epochs.valid)("accepts %j", (e) => expect(isEpoch(e)).toBe(true));
  it.each(vectors.epochs.invalid)("refuses %j", (e) => {
    expect(isEpoch(e)).toBe(false);
    expect(() => assertEpoch(e)).toThrow(expect.objectContaining({ code: "bad-epoch" }));
  });
  it.each(vectors.deriveEpoch)("deriveEpoch($streamId, …) = $epoch (same as node:crypto)", ({ streamId, firstChunkHex, epoch }) => {
    const chunk = Uint8Array.from(Buffer.from(firstChunkHex, "hex"));
    expect(deriveEpoch(chunk, streamId)).toBe(epoch);
    expect(isEpoch(epoch)).toBe(true);
  });
  it("binds the stream id: one recording under two ids gets two epochs", () => {
    const c = new Uint8Array([1, 2, 3]);
    expect(deriveEpoch(c, "a")).not.toBe(deriveEpoch(c, "b"));
    expect(() => deriveEpoch(c, "a b")).toThrow(StreamRuleError);
  });
});

describe("seq and time", () => {
  it("seq: safe non-negative integers only", () => {
    for (const ok of [0, 1, Number.MAX_SAFE_INTEGER]) expect(() => assertSeq(ok)).not.toThrow();
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN, "1", Infinity]) expect(() => assertSeq(bad)).toThrow(expect.objectContaining({ code: "bad-seq" }));
  });
  it.each(vectors.ptsDelta)("ptsDelta(%d, %d) = %d", (a, b, d) => {
    expect(ptsDelta(a, b)).toBe(d);
    expect(ptsAdd(b, d)).toBe(a);
  });
  it("pts: 33-bit integers only", () => {
    expect(() => assertPts(2 ** 33 - 1)).not.toThrow();
    for (const bad of [-1, 2 ** 33, 0.5]) expect(() => assertPts(bad)).toThrow(expect.objectContaining({ code: "bad-pts" }));
  });
  it("ticks from and to milliseconds", () => {
    expect(ticksFromMs(2000)).toBe(180_000);
    expect(ticksFromMs(1000 / 3)).toBe(30_000);
    expect(msFromTicks(180_000)).toBe(2000);
    expect(() => ticksFromMs(NaN)).toThrow(StreamRuleError);
  });
});

describe("limits", () => {
  it("derive from one maximum chunk size", () => {
    expect(MAX_OBJECT_BYTES).toBe(MAX_CHUNK_BYTES + OBJECT_OVERHEAD_BYTES);
    expect(MAX_FRAME_BYTES).toBeGreaterThanOrEqual(MAX_OBJECT_BYTES);
  });
});

describe("the built package", () => {
  it("imports nothing but @noble/hashes (it must load in a browser)", async () => {
    const { existsSync } = await import("node:fs");
    const dist = new URL("../dist/index.js", import.meta.url);
    if (!existsSync(dist)) throw new Error("dist/index.js missing: run `pnpm --filter @ec/stream-rules build` first");
    const js = readFileSync(dist, "utf8");
    const specifiers = [...js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
    for (const s of specifiers) expect(s).toMatch(/^@noble\/hashes\/[a-z0-9]+\.js$/);
  });
});
