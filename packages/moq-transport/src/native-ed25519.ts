/**
 * Ed25519 through `node:crypto` where it exists, for the identity handshake's one signature per
 * session. @noble/curves (the portable path, and the browser's) spends 15–25 ms on a process's first
 * verify (building its base-point tables in JS: 3–4 % of a subscriber's CPU in the quick benches, on
 * the path from spawn to the first segment); OpenSSL takes ~0.1 ms. Reached without a static
 * `node:` import, so the package still loads in browsers (`process.getBuiltinModule`, Node >= 20.16),
 * and used only after it reproduces RFC 8032's known answer.
 *
 * Neither helper changes a verdict or a byte:
 * - signing is deterministic (RFC 8032): OpenSSL and noble produce the same signature;
 * - OpenSSL's verify is cofactorless with canonical encodings and S < L, stricter than noble's
 *   (cofactored, ZIP 215) rule, so a native "valid" is also noble's "valid". Callers take a native
 *   "valid" as final and let noble decide everything else, exactly as before.
 */
import { toHex } from "./hex.js";

interface NodeEd25519 {
  createPrivateKey(o: { key: Uint8Array; format: "der"; type: "pkcs8" }): unknown;
  createPublicKey(o: { key: Uint8Array; format: "der"; type: "spki" }): unknown;
  sign(alg: null, data: Uint8Array, key: unknown): Uint8Array;
  verify(alg: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (b) => parseInt(b, 16));
/** DER prefixes of PKCS#8 private and SPKI public Ed25519 keys (RFC 8410); the 32 key bytes follow. */
const PKCS8_PREFIX = hex("302e020100300506032b657004220420");
const SPKI_PREFIX = hex("302a300506032b6570032100");
// RFC 8032 section 7.1, TEST 2.
const KAT_SECRET = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
const KAT_PUBLIC = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
const KAT_SIG =
  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

function der(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

let probed: NodeEd25519 | null | undefined;

/** `node:crypto`'s Ed25519 when present and right; null otherwise (memoized). */
function native(): NodeEd25519 | null {
  if (probed !== undefined) return probed;
  probed = null;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return null;
  try {
    const c = proc.getBuiltinModule("node:crypto") as Partial<NodeEd25519> | undefined;
    if (typeof c?.createPrivateKey !== "function" || typeof c.createPublicKey !== "function" || typeof c.sign !== "function" || typeof c.verify !== "function") return null;
    const n = c as NodeEd25519;
    const msg = Uint8Array.of(0x72);
    const sig = n.sign(null, msg, n.createPrivateKey({ key: der(PKCS8_PREFIX, hex(KAT_SECRET)), format: "der", type: "pkcs8" }));
    const pub = n.createPublicKey({ key: der(SPKI_PREFIX, hex(KAT_PUBLIC)), format: "der", type: "spki" });
    if (toHex(sig) === KAT_SIG && n.verify(null, msg, pub, hex(KAT_SIG))) probed = n;
  } catch {
    probed = null;
  }
  return probed;
}

/** The RFC 8032 signature of `message` by the 32-byte seed `secretKey`, or undefined without node:crypto. */
export function nativeSign(message: Uint8Array, secretKey: Uint8Array): Uint8Array | undefined {
  const n = native();
  if (!n || secretKey.length !== 32) return undefined;
  try {
    const key = der(PKCS8_PREFIX, secretKey);
    const k = n.createPrivateKey({ key, format: "der", type: "pkcs8" });
    key.fill(0);
    const s = n.sign(null, message, k);
    return new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
  } catch {
    return undefined;
  }
}

/** True only when node:crypto finds `signature` valid (then noble would too); false means "ask noble". */
export function nativeVerifies(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const n = native();
  if (!n || publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return n.verify(null, message, n.createPublicKey({ key: der(SPKI_PREFIX, publicKey), format: "der", type: "spki" }), signature);
  } catch {
    return false;
  }
}
