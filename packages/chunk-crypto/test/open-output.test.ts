/**
 * `openChunk(key, ctx, object, output)`: the plaintext written into a caller's buffer, or into the
 * object's own ciphertext (in place). The same bytes as a fresh open, a view of `output`, nothing
 * written outside it, the plaintext wiped on `auth-failed`, and `bad-input` for an output that is
 * too short, not bytes, or overlaps the object other than exactly at its ciphertext.
 */
import { describe, expect, it } from "vitest";
import { deriveStreamKey, OBJECT_OVERHEAD_BYTES, openChunk, sealChunk } from "../src/index.js";
import { BACKENDS, expectChunkError, hex } from "./helpers.js";

const ctx = { streamId: "wcbd-hd", epoch: "e1", seq: 7 };
const chunkOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) & 0xff);

for (const backend of BACKENDS) {
  describe(`openChunk into a caller's buffer, ${backend} backend`, () => {
    const key = deriveStreamKey({ streamId: ctx.streamId, secret: "s3cret-for-tests", backend });

    it("writes the same bytes as a fresh open, as a view of the front of output, reusable chunk after chunk", () => {
      const scratch = new Uint8Array(300_000);
      // Sizes around the native backend's 64 KiB pieces, and empty.
      for (const [n, seq] of [[188 * 1000, 1], [188 * 10, 2], [0, 3], [65_536, 4], [65_537, 5], [199_000, 6]] as const) {
        const pt = chunkOf(n, seq);
        const c = { ...ctx, seq };
        const object = sealChunk(key, c, pt);
        const before = hex(object);
        const got = openChunk(key, c, object, scratch);
        expect(got.buffer).toBe(scratch.buffer);
        expect(got.byteOffset).toBe(0);
        expect(got.length).toBe(n);
        expect(hex(got)).toBe(hex(pt));
        expect(hex(object)).toBe(before); // a separate output leaves the object as it was
      }
    });

    it("decrypts in place into the object's ciphertext, leaving version and tag as they were", () => {
      for (const [n, seq] of [[188 * 1000, 1], [0, 2], [65_537, 3], [3 * 65_536, 4]] as const) {
        const pt = chunkOf(n, seq);
        const c = { ...ctx, seq };
        // The object inside a larger buffer, as a frame sits in a transport buffer.
        const object = sealChunk(key, c, pt);
        const big = new Uint8Array(object.length + 64).fill(0xee);
        big.set(object, 32);
        const inBig = big.subarray(32, 32 + object.length);
        const got = openChunk(key, c, inBig, inBig.subarray(OBJECT_OVERHEAD_BYTES));
        expect(got.buffer).toBe(big.buffer);
        expect(got.byteOffset).toBe(32 + OBJECT_OVERHEAD_BYTES);
        expect(hex(got)).toBe(hex(pt));
        expect(hex(inBig.subarray(0, OBJECT_OVERHEAD_BYTES))).toBe(hex(object.subarray(0, OBJECT_OVERHEAD_BYTES)));
        expect(big.subarray(0, 32).every((b) => b === 0xee)).toBe(true);
        expect(big.subarray(32 + object.length).every((b) => b === 0xee)).toBe(true);
      }
    });

    it("writes nothing outside the plaintext's length in a longer output", () => {
      const pt = chunkOf(500, 9);
      const object = sealChunk(key, ctx, pt);
      const big = new Uint8Array(2000).fill(0xee);
      const got = openChunk(key, ctx, object, big.subarray(100));
      expect(hex(got)).toBe(hex(pt));
      expect(got.byteOffset).toBe(100);
      expect(big.subarray(0, 100).every((b) => b === 0xee)).toBe(true);
      expect(big.subarray(600).every((b) => b === 0xee)).toBe(true);
    });

    it("wipes what it wrote on auth-failed: into a separate output and in place", () => {
      const pt = chunkOf(70_000, 3);
      const object = sealChunk(key, ctx, pt);
      const bad = Uint8Array.from(object);
      bad[OBJECT_OVERHEAD_BYTES + 100]! ^= 1;
      const out = new Uint8Array(80_000).fill(0xee);
      expectChunkError(() => openChunk(key, ctx, bad, out), "auth-failed");
      expect(out.subarray(0, pt.length).every((b) => b === 0)).toBe(true);
      expect(out.subarray(pt.length).every((b) => b === 0xee)).toBe(true);
      // In place: the object's ciphertext is gone (zeros), no plaintext is left in it.
      expectChunkError(() => openChunk(key, ctx, bad, bad.subarray(OBJECT_OVERHEAD_BYTES)), "auth-failed");
      expect(bad.subarray(OBJECT_OVERHEAD_BYTES).every((b) => b === 0)).toBe(true);
      // Wrong context, in place: the same.
      const other = Uint8Array.from(object);
      expectChunkError(() => openChunk(key, { ...ctx, seq: 8 }, other, other.subarray(OBJECT_OVERHEAD_BYTES)), "auth-failed");
      expect(other.subarray(OBJECT_OVERHEAD_BYTES).every((b) => b === 0)).toBe(true);
    });

    it("refuses an output too short, not a Uint8Array, or overlapping the object other than at its ciphertext: bad-input, object untouched", () => {
      const pt = chunkOf(1000, 1);
      const object = sealChunk(key, ctx, pt);
      const before = hex(object);
      expectChunkError(() => openChunk(key, ctx, object, new Uint8Array(999)), "bad-input");
      expectChunkError(() => openChunk(key, ctx, object, [] as unknown as Uint8Array), "bad-input");
      expectChunkError(() => openChunk(key, ctx, object, new DataView(object.buffer) as unknown as Uint8Array), "bad-input");
      // Starting anywhere in the object but exactly at its ciphertext (a shifted copy would overwrite
      // ciphertext not yet read, or the tag).
      const whole = new Uint8Array(object.length + 2000);
      whole.set(object, 1000);
      const inWhole = whole.subarray(1000, 1000 + object.length);
      for (const at of [0, 1, 16, OBJECT_OVERHEAD_BYTES - 1, OBJECT_OVERHEAD_BYTES + 1, 500]) {
        expectChunkError(() => openChunk(key, ctx, inWhole, whole.subarray(1000 + at)), "bad-input");
      }
      // Ending inside the object (starting before it).
      expectChunkError(() => openChunk(key, ctx, inWhole, whole.subarray(500, 1500)), "bad-input");
      expect(hex(inWhole)).toBe(before);
      expect(hex(object)).toBe(before);
      // Adjacent but not overlapping is fine.
      expect(hex(openChunk(key, ctx, inWhole, whole.subarray(1000 + object.length)))).toBe(hex(pt));
      expect(hex(openChunk(key, ctx, inWhole, whole.subarray(0, 1000)))).toBe(hex(pt));
    });

    it("checks the object before the output: malformed objects give their own errors", () => {
      const out = new Uint8Array(10);
      expectChunkError(() => openChunk(key, ctx, new Uint8Array(0), out), "truncated");
      expectChunkError(() => openChunk(key, ctx, Uint8Array.of(2, ...new Uint8Array(20)), out), "unsupported-version");
      expectChunkError(() => openChunk(key, ctx, Uint8Array.of(1, 2, 3), out), "truncated");
    });
  });
}
