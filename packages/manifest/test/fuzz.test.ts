/**
 * Property tests for every decoder: random and mutated bytes never decode to a valid signed
 * manifest, and the only thing ever thrown is a ManifestError with a listed code.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeManifest,
  decodeSignedHeader,
  MANIFEST_ERROR_CODES,
  MANIFEST_REJECT_REASONS,
  ManifestError,
  ManifestVerifier,
  signingKeyFromSecret,
  signManifest,
} from "../src/index.js";
import { arbBody } from "./arbitraries.js";

const key = signingKeyFromSecret(new Uint8Array(32).fill(3));
const MAGIC = [0x45, 0x43, 0x4d, 0x46];

/** Runs fn; returns "ok" or the ManifestError code. Anything else is a test failure. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (!(err instanceof ManifestError)) throw new Error(`foreign throw: ${String(err)}`);
    expect(MANIFEST_ERROR_CODES).toContain(err.code);
    return err.code;
  }
}

/** Mutations of a byte string: flips, overwrites, inserts, deletes, truncation, extension, splices. */
function arbMutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = fc.nat(base.length - 1);
  return fc.oneof(
    fc.tuple(at, fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const b = base.slice();
      b[i]! ^= x;
      return b;
    }),
    fc.array(fc.tuple(at, fc.integer({ min: 1, max: 255 })), { minLength: 2, maxLength: 8 }).map((edits) => {
      const b = base.slice();
      for (const [i, x] of edits) b[i]! ^= x;
      return b;
    }),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 60 })).map(([i, ins]) => Uint8Array.of(...base.subarray(0, i), ...ins, ...base.subarray(i))),
    fc.tuple(at, fc.integer({ min: 1, max: 60 })).map(([i, n]) => Uint8Array.of(...base.subarray(0, i), ...base.subarray(i + n))),
    at.map((n) => base.subarray(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 100 }).map((tail) => Uint8Array.of(...base, ...tail)),
    fc.tuple(at, at).map(([i, j]) => Uint8Array.of(...base.subarray(0, Math.min(i, j)), ...base.subarray(Math.max(i, j)), ...base.subarray(Math.min(i, j), Math.max(i, j)))),
  );
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

describe("decodeManifest fuzz", () => {
  it("random bytes never decode and throw only ManifestError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => outcome(() => decodeManifest(b)) !== "ok"),
      { numRuns: 500 },
    );
  });

  it("random bytes behind a valid magic and version never decode", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (tail, v1) => {
        const b = Uint8Array.of(...MAGIC, ...(v1 ? [1, 1] : []), ...tail);
        return outcome(() => decodeManifest(b)) !== "ok";
      }),
      { numRuns: 500 },
    );
  });

  it("any mutation of a valid signed manifest is refused", () => {
    fc.assert(
      fc.property(
        arbBody(12).chain((body) => {
          const m = signManifest(body, key);
          return fc.tuple(fc.constant(m.bytes), arbMutated(m.bytes));
        }),
        ([orig, mutated]) => {
          fc.pre(!equal(orig, mutated));
          return outcome(() => decodeManifest(mutated)) !== "ok";
        },
      ),
      { numRuns: 400 },
    );
  });

  it("any mutation of a signed header is refused", () => {
    fc.assert(
      fc.property(
        arbBody(4).chain((body) => {
          const m = signManifest(body, key);
          return fc.tuple(fc.constant(m.signedHeader), arbMutated(m.signedHeader));
        }),
        ([orig, mutated]) => {
          fc.pre(!equal(orig, mutated));
          return outcome(() => decodeSignedHeader(mutated)) !== "ok";
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("ManifestVerifier fuzz", () => {
  it("ingest never throws: random or mutated bytes get a listed reason, state unchanged", () => {
    const body = {
      streamId: "s",
      epoch: "e",
      seq: 0,
      prevHash: new Uint8Array(32),
      issuedAtMs: 1000,
      expiresAtMs: 10_000,
      entries: [{ seq: 1, objectHash: new Uint8Array(32), objectSize: 1, durationTicks: 1, firstPts: 0 }],
    };
    const m = signManifest(body, key);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), arbMutated(m.bytes)), (b) => {
        const v = new ManifestVerifier({ streamId: "s", trustedKeys: [key.publicKey], now: () => 2000 });
        const r = v.ingest(b);
        if (equal(b, m.bytes)) return r.ok;
        return !r.ok && MANIFEST_REJECT_REASONS.includes(r.reason) && v.epoch === undefined && v.stats.accepted === 0;
      }),
      { numRuns: 400 },
    );
  });
});
