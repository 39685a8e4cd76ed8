import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deriveStreamKey, isNativeBackendAvailable, openChunk, sealChunk, OBJECT_OVERHEAD_BYTES } from "../src/index.js";
import { hex } from "./helpers.js";
import { referenceSeal, type VectorSecret } from "./vectors/reference.js";

/** Stream ids: anything the shared rule allows (docs/protocol/rules.md). */
const streamId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
const epoch = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);
const seq = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const secret: fc.Arbitrary<VectorSecret> = fc.oneof(
  fc.constant(null),
  fc.string({ minLength: 1, maxLength: 40 }).map((utf8) => ({ utf8 })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ hex: hex(b) })),
);
const plaintext = fc.uint8Array({ maxLength: 3000 });

const toApi = (s: VectorSecret) => (s === null ? undefined : "utf8" in s ? s.utf8 : new Uint8Array(Buffer.from(s.hex, "hex")));

describe("both backends agree with the reference on random inputs", () => {
  it("node:crypto is available in this test runtime, so the native path really runs", () => {
    expect(isNativeBackendAvailable()).toBe(true);
  });

  it("seal: native == portable == reference; open returns the plaintext on either backend", () => {
    fc.assert(
      fc.property(streamId, secret, epoch, seq, plaintext, (id, sec, ep, sq, pt) => {
        const native = deriveStreamKey({ streamId: id, secret: toApi(sec), backend: "native" });
        const portable = deriveStreamKey({ streamId: id, secret: toApi(sec), backend: "portable" });
        const ctx = { streamId: id, epoch: ep, seq: sq };
        const a = sealChunk(native, ctx, pt);
        const b = sealChunk(portable, ctx, pt);
        expect(hex(a)).toBe(hex(b));
        expect(hex(a)).toBe(hex(referenceSeal(id, sec, ep, sq, Buffer.from(pt)).object));
        expect(a.length).toBe(pt.length + OBJECT_OVERHEAD_BYTES);
        expect(hex(openChunk(native, ctx, b))).toBe(hex(pt));
        expect(hex(openChunk(portable, ctx, a))).toBe(hex(pt));
      }),
      { numRuns: 300 },
    );
  });

  it("deterministic: independent keys for the same stream seal to identical bytes", () => {
    fc.assert(
      fc.property(streamId, epoch, seq, plaintext, (id, ep, sq, pt) => {
        const ctx = { streamId: id, epoch: ep, seq: sq };
        const first = sealChunk(deriveStreamKey({ streamId: id }), ctx, pt);
        const second = sealChunk(deriveStreamKey({ streamId: id }), ctx, Uint8Array.from(pt));
        expect(hex(first)).toBe(hex(second));
      }),
      { numRuns: 100 },
    );
  });

  it("different plaintexts under the same context never share a nonce (seq restart is safe)", () => {
    fc.assert(
      fc.property(epoch, seq, fc.uniqueArray(fc.uint8Array({ maxLength: 64 }), { minLength: 2, maxLength: 20, selector: hex }), (ep, sq, pts) => {
        const key = deriveStreamKey({ streamId: "wcbd-hd" });
        const nonces = pts.map((pt) => hex(sealChunk(key, { streamId: "wcbd-hd", epoch: ep, seq: sq }, pt).subarray(1, 13)));
        expect(new Set(nonces).size).toBe(pts.length);
      }),
      { numRuns: 100 },
    );
  });

  it("open returns a plain Uint8Array that owns its memory and survives later seals", () => {
    for (const backend of ["native", "portable"] as const) {
      const key = deriveStreamKey({ streamId: "s", backend });
      const ctx = { streamId: "s", epoch: "e", seq: 1 };
      const pt = Uint8Array.from({ length: 100 }, (_, i) => i);
      const opened = openChunk(key, ctx, sealChunk(key, ctx, pt));
      expect(Object.getPrototypeOf(opened)).toBe(Uint8Array.prototype);
      expect(opened.byteOffset).toBe(0);
      expect(opened.buffer.byteLength).toBe(100);
      sealChunk(key, ctx, new Uint8Array(100).fill(0xee));
      expect(hex(opened)).toBe(hex(pt));
    }
  });
});
