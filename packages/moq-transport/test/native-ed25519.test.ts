// The identity handshake's Ed25519 through node:crypto (native-ed25519.ts) must give the very bytes
// and verdicts of @noble/curves, the portable path browsers take: same signatures, and a native
// "valid" only where noble says valid too; everything else is still noble's to decide.
import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHALLENGE_BYTES, generateNodeIdentity, identityMessage, signChallenge, verifyChallenge } from "../src/identity.js";
import { nativeSign, nativeVerifies } from "../src/native-ed25519.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe("native Ed25519 for the identity handshake", () => {
  it("signs exactly as noble does (RFC 8032 is deterministic)", () => {
    fc.assert(
      fc.property(bytes(32), fc.uint8Array({ maxLength: 200 }), (secret, message) => {
        const native = nativeSign(message, secret);
        expect(native).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(native!).toString("hex")).toBe(Buffer.from(ed25519.sign(message, secret)).toString("hex"));
      }),
      { numRuns: 100 },
    );
  });

  it("signChallenge's signature verifies natively and with noble", () => {
    const id = generateNodeIdentity();
    const challenge = new Uint8Array(CHALLENGE_BYTES).fill(7);
    const sig = signChallenge(id, challenge);
    const message = identityMessage(challenge, id.publicKey);
    expect(nativeVerifies(sig, message, id.publicKey)).toBe(true);
    expect(ed25519.verify(sig, message, id.publicKey)).toBe(true);
    expect(verifyChallenge(id.publicKey, challenge, sig)).toBe(true);
  });

  it("verifyChallenge gives noble's verdict for altered signatures, challenges and keys", () => {
    const id = generateNodeIdentity();
    const other = generateNodeIdentity();
    fc.assert(
      fc.property(bytes(CHALLENGE_BYTES), fc.nat(63), fc.integer({ min: 1, max: 255 }), fc.constantFrom("sig", "challenge", "key"), (challenge, at, flip, what) => {
        const sig = signChallenge(id, challenge).slice();
        let key = id.publicKey;
        let ch = challenge.slice();
        if (what === "sig") sig[at] = sig[at]! ^ flip;
        else if (what === "challenge") ch[at % CHALLENGE_BYTES] = ch[at % CHALLENGE_BYTES]! ^ flip;
        else key = other.publicKey;
        let noble: boolean;
        try {
          noble = ed25519.verify(sig, identityMessage(ch, key), key);
        } catch {
          noble = false;
        }
        expect(verifyChallenge(key, ch, sig)).toBe(noble);
        // A native "valid" is never one noble refuses.
        if (nativeVerifies(sig, identityMessage(ch, key), key)) expect(noble).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses malformed lengths without throwing", () => {
    expect(nativeVerifies(new Uint8Array(63), new Uint8Array(1), new Uint8Array(32))).toBe(false);
    expect(nativeVerifies(new Uint8Array(64), new Uint8Array(1), new Uint8Array(31))).toBe(false);
    expect(nativeSign(new Uint8Array(1), new Uint8Array(31))).toBeUndefined();
  });
});
