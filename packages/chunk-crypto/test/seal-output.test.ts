/**
 * `sealChunk(key, ctx, plaintext, output)`: the object written into a caller's buffer (a leader
 * that only hashes each object reuses one). The same bytes as a fresh seal, a view of `output`,
 * and a `bad-input` error for an output that is too short, not bytes, or overlaps the plaintext.
 */
import { describe, expect, it } from "vitest";
import { deriveStreamKey, OBJECT_OVERHEAD_BYTES, openChunk, sealChunk } from "../src/index.js";
import { BACKENDS, expectChunkError, hex } from "./helpers.js";

const ctx = { streamId: "wcbd-hd", epoch: "e1", seq: 7 };
const chunkOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) & 0xff);

for (const backend of BACKENDS) {
  describe(`sealChunk into a caller's buffer, ${backend} backend`, () => {
    const key = deriveStreamKey({ streamId: ctx.streamId, secret: "s3cret-for-tests", backend });

    it("writes the same bytes as a fresh seal, as a view of the front of output, reusable chunk after chunk", () => {
      const scratch = new Uint8Array(OBJECT_OVERHEAD_BYTES + 200_000);
      for (const [n, seq] of [[188 * 1000, 1], [188 * 10, 2], [0, 3], [199_000, 4]] as const) {
        const pt = chunkOf(n, seq);
        const c = { ...ctx, seq };
        const want = sealChunk(key, c, pt);
        const got = sealChunk(key, c, pt, scratch);
        expect(got.buffer).toBe(scratch.buffer);
        expect(got.byteOffset).toBe(0);
        expect(got.length).toBe(OBJECT_OVERHEAD_BYTES + n);
        expect(hex(got)).toBe(hex(want));
        expect(hex(openChunk(key, c, got))).toBe(hex(pt));
      }
    });

    it("accepts an output that is a view into a larger buffer, and writes nothing outside the object", () => {
      const pt = chunkOf(500, 9);
      const big = new Uint8Array(2000).fill(0xee);
      const out = big.subarray(100, 100 + OBJECT_OVERHEAD_BYTES + 600);
      const got = sealChunk(key, ctx, pt, out);
      expect(hex(got)).toBe(hex(sealChunk(key, ctx, pt)));
      expect(got.byteOffset).toBe(100);
      expect(big.subarray(0, 100).every((b) => b === 0xee)).toBe(true);
      expect(big.subarray(100 + OBJECT_OVERHEAD_BYTES + 500).every((b) => b === 0xee)).toBe(true);
    });

    it("refuses an output shorter than the object, not a Uint8Array, or sharing memory with the plaintext: bad-input", () => {
      const pt = chunkOf(1000, 1);
      expectChunkError(() => sealChunk(key, ctx, pt, new Uint8Array(OBJECT_OVERHEAD_BYTES + 999)), "bad-input");
      expectChunkError(() => sealChunk(key, ctx, pt, [] as unknown as Uint8Array), "bad-input");
      const shared = new Uint8Array(5000);
      shared.set(pt, 100);
      const inShared = shared.subarray(100, 1100);
      for (const at of [0, 100, 1099 - OBJECT_OVERHEAD_BYTES]) {
        expectChunkError(() => sealChunk(key, ctx, inShared, shared.subarray(at)), "bad-input");
      }
      // The plaintext was not touched by the refused calls.
      expect(hex(inShared)).toBe(hex(pt));
      // Adjacent but not overlapping is fine.
      expect(hex(sealChunk(key, ctx, inShared, shared.subarray(1100)))).toBe(hex(sealChunk(key, ctx, pt)));
    });
  });
}
