/**
 * The published chunk vectors (test/vectors/chunks.json): a third party chunking the same
 * fixtures must get these exact chunks; this test holds our implementation to them.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import { fixturePath } from "@ec/fixtures";
import type { FixtureName } from "@ec/fixtures";

interface VectorCase {
  fixture: FixtureName;
  fixtureSha256: string;
  chunkMs: number;
  chunks: Array<{ seq: number; firstPts: number; durationTicks: number; boundary: string; size: number; sha256: string }>;
}

const vectors = JSON.parse(readFileSync(new URL("./vectors/chunks.json", import.meta.url), "utf8")) as { cases: VectorCase[] };
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("chunk vectors", () => {
  it.each(vectors.cases.map((c) => [c.fixture, c.chunkMs, c] as const))("%s at %i ms", (_name, _ms, v) => {
    const bytes = readFileSync(fixturePath(v.fixture));
    expect(sha256(bytes)).toBe(v.fixtureSha256);
    const c = new TsChunker({ chunkMs: v.chunkMs });
    const chunks = [...c.push(bytes), ...c.flush()];
    expect(chunks.map((x) => ({ seq: x.seq, firstPts: x.firstPts, durationTicks: x.durationTicks, boundary: x.boundary, size: x.bytes.length, sha256: sha256(x.bytes) }))).toEqual(v.chunks);
  });
});
