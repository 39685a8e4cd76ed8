/**
 * Optional `node:crypto` fast path, reached without a static `node:` import so the package
 * loads unchanged in browsers. Node >= 20.16, Deno and Bun expose `process.getBuiltinModule`.
 * The module is used only after it reproduces published known answers (SHA-256 and RFC 8032),
 * and the committed test vectors prove both paths give identical bytes.
 */
import { bytesToHex, concatBytes, hexToBytes } from "./bytes.js";

/** The parts of `node:crypto` this package touches (typed here to stay free of @types/node). */
export interface NodeCryptoSubset {
  createHash(alg: "sha256"): { update(data: Uint8Array): { digest(): Uint8Array } };
  /** One-shot hash (Node >= 20.12): cheaper than createHash for the many small Merkle inputs. */
  hash?(alg: "sha256", data: Uint8Array, outputEncoding: "buffer"): Uint8Array;
  createPrivateKey(opts: { key: Uint8Array; format: "der"; type: "pkcs8" }): NativeKey;
  /** From an SPKI encoding, or the public half of a private key. */
  createPublicKey(opts: { key: Uint8Array; format: "der"; type: "spki" } | NativeKey): NativeKey;
  sign(alg: null, data: Uint8Array, key: unknown): Uint8Array;
  verify(alg: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
}

/** A `KeyObject`, as far as this package uses one. */
export interface NativeKey {
  export(opts: { format: "der"; type: "spki" }): Uint8Array;
}

let forcedOff = false;
let probed: NodeCryptoSubset | null | undefined;

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
export const PKCS8_ED25519_PREFIX: Uint8Array = hexToBytes("302e020100300506032b657004220420", "pkcs8 prefix");

/** DER prefix of an SPKI Ed25519 public key; the 32-byte key follows (RFC 8410). */
export const SPKI_ED25519_PREFIX: Uint8Array = hexToBytes("302a300506032b6570032100", "spki prefix");

// Known answers: SHA-256("abc") (FIPS 180-2) and RFC 8032 section 7.1 TEST 2.
const KAT_SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const KAT_ED_SECRET = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
const KAT_ED_PUBLIC = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const KAT_ED_SIG =
  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" +
  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

function passesKnownAnswers(c: NodeCryptoSubset): boolean {
  const abc = Uint8Array.of(0x61, 0x62, 0x63);
  if (bytesToHex(c.createHash("sha256").update(abc).digest()) !== KAT_SHA256_ABC) return false;
  if (typeof c.hash === "function" && bytesToHex(c.hash("sha256", abc, "buffer")) !== KAT_SHA256_ABC) return false;
  const msg = Uint8Array.of(0x72);
  const priv = c.createPrivateKey({
    key: concatBytes(PKCS8_ED25519_PREFIX, hexToBytes(KAT_ED_SECRET, "kat")),
    format: "der",
    type: "pkcs8",
  });
  if (bytesToHex(c.sign(null, msg, priv)) !== KAT_ED_SIG) return false;
  const derived = c.createPublicKey(priv).export({ format: "der", type: "spki" });
  if (bytesToHex(derived) !== bytesToHex(SPKI_ED25519_PREFIX) + KAT_ED_PUBLIC) return false;
  const pub = c.createPublicKey({
    key: concatBytes(SPKI_ED25519_PREFIX, hexToBytes(KAT_ED_PUBLIC, "kat")),
    format: "der",
    type: "spki",
  });
  return c.verify(null, msg, pub, hexToBytes(KAT_ED_SIG, "kat"));
}

function probe(): NodeCryptoSubset | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return null;
  try {
    const mod = proc.getBuiltinModule("crypto") as Partial<NodeCryptoSubset> | undefined;
    if (
      typeof mod?.createHash !== "function" ||
      typeof mod.createPrivateKey !== "function" ||
      typeof mod.createPublicKey !== "function" ||
      typeof mod.sign !== "function" ||
      typeof mod.verify !== "function"
    ) {
      return null;
    }
    const c = mod as NodeCryptoSubset;
    return passesKnownAnswers(c) ? c : null;
  } catch {
    return null;
  }
}

/** The native module when available, self-tested and not switched off; otherwise `undefined`. */
export function nativeCrypto(): NodeCryptoSubset | undefined {
  if (forcedOff) return undefined;
  if (probed === undefined) probed = probe();
  return probed ?? undefined;
}

/**
 * Switches the native fast path off (`false`) or back to automatic (`true`). Internal: tests and
 * benchmarks use it to run the portable path in Node; it is not part of the public API.
 */
export function setNativeEnabled(enabled: boolean): void {
  forcedOff = !enabled;
}

/** Copies a Node Buffer into a plain Uint8Array that owns exactly its bytes. */
export function plain(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf);
}
