// The identity handshake signs and verifies with @ec/manifest's Ed25519: node:crypto where present,
// the very bytes of @noble/curves (the portable path browsers take), and the manifests' one rule,
// RFC 8032 strict (noble with `zip215: false`): non-canonical S and small-order keys are refused.
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHALLENGE_BYTES, generateNodeIdentity, identityMessage, signChallenge, verifyChallenge } from "../src/identity.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function nobleStrict(sig: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, message, key, { zip215: false });
  } catch {
    return false;
  }
}

/** Adds the group order L to a little-endian scalar (32 bytes; the sum still fits for S < L). */
function plusOrder(s: Uint8Array): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let v = 0n;
  for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(s[i]!);
  v += L;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

describe("identity handshake Ed25519", () => {
  it("signs exactly as noble does (RFC 8032 is deterministic)", () => {
    fc.assert(
      fc.property(bytes(32), bytes(CHALLENGE_BYTES), (secret, challenge) => {
        const id = { secretKey: secret, publicKey: ed25519.getPublicKey(secret) };
        expect(hex(signChallenge(id, challenge))).toBe(hex(ed25519.sign(identityMessage(challenge, id.publicKey), secret)));
      }),
      { numRuns: 100 },
    );
  });

  it("verifyChallenge gives noble's strict verdict for altered signatures, challenges and keys", () => {
    const id = generateNodeIdentity();
    const other = generateNodeIdentity();
    fc.assert(
      fc.property(bytes(CHALLENGE_BYTES), fc.nat(63), fc.integer({ min: 1, max: 255 }), fc.constantFrom("sig", "challenge", "key", "none"), (challenge, at, flip, what) => {
        const sig = signChallenge(id, challenge).slice();
        let key = id.publicKey;
        const ch = challenge.slice();
        if (what === "sig") sig[at] = sig[at]! ^ flip;
        else if (what === "challenge") ch[at % CHALLENGE_BYTES] = ch[at % CHALLENGE_BYTES]! ^ flip;
        else if (what === "key") key = other.publicKey;
        const expected = nobleStrict(sig, identityMessage(ch, key), key);
        expect(verifyChallenge(key, ch, sig)).toBe(expected);
        if (what === "none") expect(expected).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a malleated signature whose S is not reduced (S + L)", () => {
    const id = generateNodeIdentity();
    const challenge = new Uint8Array(CHALLENGE_BYTES).fill(9);
    const sig = signChallenge(id, challenge);
    const malleated = sig.slice();
    malleated.set(plusOrder(sig.subarray(32)), 32);
    expect(verifyChallenge(id.publicKey, challenge, malleated)).toBe(false);
    expect(verifyChallenge(id.publicKey, challenge, sig)).toBe(true);
  });

  it("refuses a small-order public key even with a signature noble's lenient rule accepts", () => {
    // The identity point (small order): with R = identity and S = 0, [8](S·B − k·A − R) = 0 holds
    // for any message, so only the key check stands between this and a forged answer.
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const sig = new Uint8Array(64);
    sig.set(identityPoint, 0);
    const challenge = new Uint8Array(CHALLENGE_BYTES).fill(3);
    expect(ed25519.verify(sig, identityMessage(challenge, identityPoint), identityPoint)).toBe(true); // noble's default (ZIP 215)
    expect(verifyChallenge(identityPoint, challenge, sig)).toBe(false);
  });

  it("refuses malformed lengths without throwing", () => {
    const id = generateNodeIdentity();
    const challenge = new Uint8Array(CHALLENGE_BYTES);
    const sig = signChallenge(id, challenge);
    expect(verifyChallenge(id.publicKey, challenge, sig.subarray(0, 63))).toBe(false);
    expect(verifyChallenge(id.publicKey.subarray(0, 31), challenge, sig)).toBe(false);
    expect(verifyChallenge(id.publicKey, challenge.subarray(0, 31), sig)).toBe(false);
    expect(verifyChallenge(new Uint8Array(32).fill(0xff), challenge, sig)).toBe(false);
  });
});
