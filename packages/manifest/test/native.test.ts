/**
 * The node:crypto fast path must never change a result: same hashes, same signatures, same
 * verification verdicts as the portable @noble path a browser runs.
 */
import fc from "fast-check";
import { ed25519, ED25519_TORSION_SUBGROUP } from "@noble/curves/ed25519.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "../src/hash.js";
import { publicKeyFromSecret, sign, verify } from "../src/ed25519.js";
import { nativeCrypto, setNativeEnabled } from "../src/native.js";
import { concatBytes } from "../src/bytes.js";

afterEach(() => setNativeEnabled(true));

function both<T>(fn: () => T): { native: T; portable: T } {
  setNativeEnabled(true);
  const native = fn();
  setNativeEnabled(false);
  const portable = fn();
  setNativeEnabled(true);
  return { native, portable };
}

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};
const fromLe = (b: Uint8Array) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);

describe("native fast path", () => {
  it("is present on this Node (>= 20.16), passed its known-answer test, and can be switched off", () => {
    expect(nativeCrypto()).toBeDefined();
    setNativeEnabled(false);
    expect(nativeCrypto()).toBeUndefined();
  });

  it("SHA-256 gives the same bytes as @noble/hashes, as plain Uint8Arrays", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => {
        const r = both(() => sha256(data));
        expect(r.native.constructor).toBe(Uint8Array);
        expect(r.native).toEqual(r.portable);
        expect(r.native).toEqual(nobleSha256(data));
      }),
      { numRuns: 100 },
    );
  });

  it("Ed25519 signatures are byte-identical", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (secret, msg) => {
        const r = both(() => sign(msg, secret));
        expect(r.native).toEqual(r.portable);
        expect(r.native).toEqual(ed25519.sign(msg, secret));
      }),
      { numRuns: 50 },
    );
  });

  it("public keys derived from secrets are byte-identical, as plain Uint8Arrays", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const r = both(() => publicKeyFromSecret(secret));
        expect(r.native.constructor).toBe(Uint8Array);
        expect(r.native).toEqual(r.portable);
        expect(r.native).toEqual(ed25519.getPublicKey(secret));
      }),
      { numRuns: 50 },
    );
  });

  it("verification verdicts agree on valid, mutated and malformed signatures", () => {
    const secret = new Uint8Array(32).fill(5);
    const pk = ed25519.getPublicKey(secret);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(63), fc.integer({ min: 0, max: 255 }), (msg, at, x) => {
        const sig = ed25519.sign(msg, secret);
        const bad = sig.slice();
        bad[at]! ^= x;
        const good = both(() => verify(sig, msg, pk));
        const mutated = both(() => verify(bad, msg, pk));
        expect(good).toEqual({ native: true, portable: true });
        expect(mutated.native).toBe(mutated.portable);
        expect(mutated.native).toBe(x === 0);
      }),
      { numRuns: 80 },
    );
  });

  it("both refuse S + L (malleated S) and small-order keys", () => {
    const secret = new Uint8Array(32).fill(6);
    const pk = ed25519.getPublicKey(secret);
    const msg = Uint8Array.of(1, 2, 3);
    const sig = ed25519.sign(msg, secret);
    const malleated = concatBytes(sig.subarray(0, 32), le(fromLe(sig.subarray(32)) + L));
    expect(both(() => verify(malleated, msg, pk))).toEqual({ native: false, portable: false });
    for (const t of ED25519_TORSION_SUBGROUP) {
      const small = ed25519.Point.fromHex(t).toBytes();
      expect(both(() => verify(sig, msg, small))).toEqual({ native: false, portable: false });
    }
  });

  it("a signature valid only under the cofactored equation gets the portable verdict in both modes", () => {
    // R = rB + T with T of order 8, S = r + k a: [8](SB - kA - R) = 0 but SB - kA != R.
    // OpenSSL (cofactorless) refuses it, noble (cofactored) accepts it; the fast path must
    // fall back to noble so a browser and Node never disagree.
    const secret = new Uint8Array(32).fill(9);
    const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(secret);
    const msg = Uint8Array.of(4, 5, 6);
    const r = 123456789n;
    const T = ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1]!);
    const R = ed25519.Point.BASE.multiply(r).add(T).toBytes();
    const k = fromLe(sha512(concatBytes(R, A, msg))) % L;
    const S = (r + k * a) % L;
    const sig = concatBytes(R, le(S));

    const c = nativeCrypto()!;
    const spki = concatBytes(Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]), A);
    const opensslVerdict = c.verify(null, msg, c.createPublicKey({ key: spki, format: "der", type: "spki" }), sig);
    const nobleVerdict = ed25519.verify(sig, msg, A, { zip215: false });
    expect(opensslVerdict).toBe(false);
    expect(nobleVerdict).toBe(true);
    expect(both(() => verify(sig, msg, A))).toEqual({ native: nobleVerdict, portable: nobleVerdict });
  });
});
