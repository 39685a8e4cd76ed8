import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkCryptoError, deriveStreamKey, openChunk, sealChunk } from "../src/index.js";
import { BACKENDS, hex } from "./helpers.js";

const ctx = { streamId: "wcbd-hd", epoch: "e1", seq: 3 };

/** Runs openChunk and reports how it ended; anything but ChunkCryptoError fails the property. */
function outcome(open: () => Uint8Array): "opened" | ChunkCryptoError["code"] {
  try {
    open();
    return "opened";
  } catch (err) {
    if (!(err instanceof ChunkCryptoError)) throw err;
    return err.code;
  }
}

/** One edit of a valid object: flip bits, overwrite bytes, cut, extend, or splice in a range. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant("extend" as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(object: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case "flip": {
      const out = Uint8Array.from(object);
      out[m.at % out.length]! ^= m.mask;
      return out;
    }
    case "cut":
      return object.subarray(0, m.keep % object.length);
    case "extend":
      return Uint8Array.from([...object, ...m.extra]);
    case "splice": {
      const out = Uint8Array.from(object);
      const at = m.at % out.length;
      out.set(m.bytes.subarray(0, out.length - at), at);
      return out;
    }
  }
}

for (const backend of BACKENDS) {
  describe(`fuzz, ${backend} backend`, () => {
    const key = deriveStreamKey({ streamId: ctx.streamId, secret: "fuzz", backend });

    it("random bytes never open; only ChunkCryptoError is thrown", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, forceVersion) => {
          if (forceVersion && bytes.length > 0) bytes[0] = 1; // get past the version check
          const result = outcome(() => openChunk(key, ctx, bytes));
          expect(result).not.toBe("opened");
          expect(["auth-failed", "truncated", "unsupported-version"]).toContain(result);
        }),
        { numRuns: 1000 },
      );
    });

    it("any mutation of a valid object never opens", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), mutation, (pt, m) => {
          const object = sealChunk(key, ctx, pt);
          const bad = mutate(object, m);
          fc.pre(hex(bad) !== hex(object)); // an edit that changed nothing is not a mutation
          const result = outcome(() => openChunk(key, ctx, bad));
          expect(result).not.toBe("opened");
          expect(["auth-failed", "truncated", "unsupported-version"]).toContain(result);
        }),
        { numRuns: 1000 },
      );
    });

    it("a valid object opens only in its own context", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), fc.maxSafeNat(), fc.stringMatching(/^[a-z0-9]{1,8}$/), (pt, seq, epoch) => {
          fc.pre(seq !== ctx.seq || epoch !== ctx.epoch);
          const object = sealChunk(key, ctx, pt);
          expect(outcome(() => openChunk(key, { ...ctx, seq, epoch }, object))).toBe("auth-failed");
        }),
        { numRuns: 300 },
      );
    });
  });
}
