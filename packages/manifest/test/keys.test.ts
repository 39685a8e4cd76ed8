import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeKeyFile,
  encodeKeyFile,
  generateSigningKey,
  ManifestError,
  publicKeyFromHex,
  publicKeyToHex,
  signingKeyFromSecret,
  type ManifestErrorCode,
} from "../src/index.js";
import { bytesToHex } from "../src/bytes.js";
import { h } from "./helpers.js";

function codeOf(fn: () => unknown): ManifestErrorCode | "no error" | "foreign error" {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof ManifestError ? err.code : "foreign error";
  }
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return "";
}

// RFC 8032 section 7.1, TEST 1.
const RFC_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const RFC_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

describe("signing keys", () => {
  it("derive the RFC 8032 public key from its secret", () => {
    const k = signingKeyFromSecret(h(RFC_SECRET));
    expect(bytesToHex(k.publicKey)).toBe(RFC_PUBLIC);
  });

  it("are fresh and well-formed when generated", () => {
    const a = generateSigningKey();
    const b = generateSigningKey();
    expect(a.secretKey.length).toBe(32);
    expect(a.publicKey.length).toBe(32);
    expect(bytesToHex(a.secretKey)).not.toBe(bytesToHex(b.secretKey));
    expect(signingKeyFromSecret(a.secretKey).publicKey).toEqual(a.publicKey);
  });

  it("copy the secret, so later changes to the caller's array do not alter the key", () => {
    const secret = h(RFC_SECRET);
    const k = signingKeyFromSecret(secret);
    secret.fill(0);
    expect(bytesToHex(k.secretKey)).toBe(RFC_SECRET);
  });

  it("refuse secrets of the wrong length", () => {
    expect(codeOf(() => signingKeyFromSecret(new Uint8Array(31)))).toBe("invalid-key");
    expect(codeOf(() => signingKeyFromSecret(new Uint8Array(64)))).toBe("invalid-key");
    expect(codeOf(() => signingKeyFromSecret("00" as unknown as Uint8Array))).toBe("invalid-key");
  });
});

describe("public key hex", () => {
  it("round-trips, accepting either case on input", () => {
    const k = generateSigningKey();
    const hex = publicKeyToHex(k.publicKey);
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(publicKeyFromHex(hex)).toEqual(k.publicKey);
    expect(publicKeyFromHex(hex.toUpperCase())).toEqual(k.publicKey);
  });

  it("is strict about text", () => {
    expect(codeOf(() => publicKeyFromHex(RFC_PUBLIC.slice(2)))).toBe("invalid-hex");
    expect(codeOf(() => publicKeyFromHex(`${RFC_PUBLIC}00`))).toBe("invalid-hex");
    expect(codeOf(() => publicKeyFromHex(` ${RFC_PUBLIC.slice(1)}`))).toBe("invalid-hex");
    expect(codeOf(() => publicKeyFromHex(`0x${RFC_PUBLIC.slice(2)}`))).toBe("invalid-hex");
    expect(codeOf(() => publicKeyFromHex(`${RFC_PUBLIC.slice(0, 63)}g`))).toBe("invalid-hex");
    expect(codeOf(() => publicKeyFromHex(42 as unknown as string))).toBe("invalid-hex");
  });

  it("refuses points that are small-order, non-canonical or not on the curve", () => {
    // Identity (0,1): small order.
    expect(codeOf(() => publicKeyFromHex(`01${"00".repeat(31)}`))).toBe("invalid-key");
    // y = p (2^255 - 19), a non-canonical encoding of y = 0.
    expect(codeOf(() => publicKeyFromHex(`ed${"ff".repeat(30)}7f`))).toBe("invalid-key");
    // y = 2: x^2 = (y^2 - 1)/(d y^2 + 1) is not a square, so no point.
    expect(codeOf(() => publicKeyFromHex(`02${"00".repeat(31)}`))).toBe("invalid-key");
    expect(codeOf(() => publicKeyToHex(new Uint8Array(32)))).toBe("invalid-key");
    expect(codeOf(() => publicKeyToHex(new Uint8Array(33)))).toBe("invalid-key");
  });
});

describe("key files", () => {
  const key = signingKeyFromSecret(h(RFC_SECRET));
  const text = encodeKeyFile(key);

  it("have the documented four-line form with the public key visible", () => {
    expect(text).toBe(
      "every.channel signing key v1\n" +
        "algorithm: ed25519\n" +
        `public-key: ${RFC_PUBLIC}\n` +
        `secret-key: ${RFC_SECRET}\n`,
    );
  });

  it("round-trip", () => {
    const back = decodeKeyFile(text);
    expect(back.secretKey).toEqual(key.secretKey);
    expect(back.publicKey).toEqual(key.publicKey);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const k = signingKeyFromSecret(secret);
        const d = decodeKeyFile(encodeKeyFile(k));
        return bytesToHex(d.secretKey) === bytesToHex(k.secretKey) && bytesToHex(d.publicKey) === bytesToHex(k.publicKey);
      }),
      { numRuns: 30 },
    );
  });

  const otherPublic = bytesToHex(signingKeyFromSecret(new Uint8Array(32).fill(7)).publicKey);
  const variants: Array<[string, string]> = [
    ["CRLF line endings", text.replaceAll("\n", "\r\n")],
    ["no final newline", text.slice(0, -1)],
    ["an extra blank line", `${text}\n`],
    ["a future version", text.replace("key v1", "key v2")],
    ["another title", text.replace("every.channel signing key v1", "PRIVATE KEY")],
    ["another algorithm", text.replace("ed25519", "ed448")],
    ["uppercase secret hex", text.replace(RFC_SECRET, RFC_SECRET.toUpperCase())],
    ["short secret", text.replace(RFC_SECRET, RFC_SECRET.slice(2))],
    ["non-hex secret", text.replace(RFC_SECRET, `${RFC_SECRET.slice(0, 63)}z`)],
    ["lines swapped", text.replace(/(public-key: .*\n)(secret-key: .*\n)/, "$2$1")],
    ["a public key of another secret", text.replace(RFC_PUBLIC, otherPublic)],
    ["a trailing space", text.replace(`${RFC_SECRET}\n`, `${RFC_SECRET} \n`)],
    ["empty", ""],
    ["huge", "x".repeat(100_000)],
  ];
  for (const [what, bad] of variants) {
    it(`refuse ${what} with malformed-key-file, without echoing the secret`, () => {
      expect(codeOf(() => decodeKeyFile(bad))).toBe("malformed-key-file");
      const msg = messageOf(() => decodeKeyFile(bad));
      expect(msg).not.toContain(RFC_SECRET);
      expect(msg.toLowerCase()).not.toContain(RFC_SECRET.slice(0, 16));
    });
  }

  it("refuse non-text and arbitrary text, only ever with malformed-key-file", () => {
    expect(codeOf(() => decodeKeyFile(undefined as unknown as string))).toBe("malformed-key-file");
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => codeOf(() => decodeKeyFile(s)) === "malformed-key-file"),
    );
    // Single-character corruptions of a valid file.
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, c) => {
        const mutated = text.slice(0, at) + c + text.slice(at + 1);
        const code = codeOf(() => decodeKeyFile(mutated));
        return mutated === text ? code === "no error" : code === "malformed-key-file";
      }),
    );
  });

  it("refuse to encode a key whose halves do not match", () => {
    const mixed = { secretKey: key.secretKey, publicKey: generateSigningKey().publicKey };
    expect(codeOf(() => encodeKeyFile(mixed))).toBe("invalid-key");
  });
});
