/**
 * Ed25519 with one verification rule everywhere: RFC 8032 strict decoding (canonical A and R,
 * S < L), small-order public keys refused, as @noble/curves does with `zip215: false`.
 *
 * Fast paths through node:crypto never change a verdict:
 * - signing is deterministic (RFC 8032), so OpenSSL and noble give the same bytes;
 * - OpenSSL's verify is cofactorless, a stricter equation than noble's cofactored one, and it
 *   compares R byte-for-byte with a canonical encoding. So after the same key and S checks, a
 *   native "valid" implies a noble "valid", and a native "invalid" is re-decided by noble.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, concatBytes, copyBytes, equalBytes, isBytes } from "./bytes.js";
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES } from "./constants.js";
import { nativeCrypto, plain, PKCS8_ED25519_PREFIX, SPKI_ED25519_PREFIX, type NativeKey, type NodeCryptoSubset } from "./native.js";

/** Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const ORDER_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** Whether the little-endian scalar in `s` (32 bytes) is below L. */
function scalarIsCanonical(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i]!;
    const b = ORDER_LE[i]!;
    if (a !== b) return a < b;
  }
  return false; // equal to L
}

/** A small cache of decoded public keys: trusted signers repeat, so decode each only once. */
const MAX_CACHED_KEYS = 64;
const publicKeys = new Map<string, { valid: boolean; native?: unknown }>();

function publicKeyInfo(publicKey: Uint8Array): { valid: boolean; native?: unknown } {
  const id = bytesToHex(publicKey);
  let info = publicKeys.get(id);
  if (info !== undefined) return info;
  let valid = false;
  try {
    valid = !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    valid = false;
  }
  info = { valid };
  if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
  publicKeys.set(id, info);
  return info;
}

/** Whether `publicKey` is 32 bytes encoding a canonical, non-small-order Ed25519 point. */
export function isValidPublicKey(publicKey: unknown): boolean {
  return isBytes(publicKey) && publicKey.length === PUBLIC_KEY_BYTES && publicKeyInfo(publicKey).valid;
}

/**
 * Public key of a 32-byte Ed25519 secret (seed). Through node:crypto where present: the same
 * bytes (RFC 8032 derives it deterministically), without @noble/curves building its base-point
 * tables (~0.1 s of CPU at a leader's start-up, for one key).
 */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  const c = nativeCrypto();
  if (c === undefined || !isBytes(secretKey) || secretKey.length !== SECRET_KEY_BYTES) return ed25519.getPublicKey(secretKey);
  const spki = c.createPublicKey(nativePrivateKey(c, secretKey)).export({ format: "der", type: "spki" });
  if (spki.length !== SPKI_ED25519_PREFIX.length + PUBLIC_KEY_BYTES || !equalBytes(spki.subarray(0, SPKI_ED25519_PREFIX.length), SPKI_ED25519_PREFIX)) {
    return ed25519.getPublicKey(secretKey);
  }
  return plain(spki.subarray(SPKI_ED25519_PREFIX.length));
}

/** Fresh 32-byte secret from the platform CSPRNG (crypto.getRandomValues). */
export function randomSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

// Native private keys, keyed by the caller's secret array; the copy detects later mutation.
const nativePrivateKeys = new WeakMap<Uint8Array, { seed: Uint8Array; key: NativeKey }>();

/** The node:crypto private key of a 32-byte seed, made once per secret array. */
function nativePrivateKey(c: NodeCryptoSubset, secretKey: Uint8Array): NativeKey {
  let cached = nativePrivateKeys.get(secretKey);
  if (cached === undefined || !equalBytes(cached.seed, secretKey)) {
    const der = concatBytes(PKCS8_ED25519_PREFIX, secretKey);
    cached = { seed: copyBytes(secretKey), key: c.createPrivateKey({ key: der, format: "der", type: "pkcs8" }) };
    der.fill(0);
    nativePrivateKeys.set(secretKey, cached);
  }
  return cached.key;
}

/** Ed25519 signature of `message` under the 32-byte `secretKey`. */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const c = nativeCrypto();
  if (c === undefined || secretKey.length !== SECRET_KEY_BYTES) return ed25519.sign(message, secretKey);
  return plain(c.sign(null, message, nativePrivateKey(c, secretKey)));
}

/** Strict Ed25519 verification (see the module comment). Never throws; malformed input is `false`. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isBytes(signature) || signature.length !== SIGNATURE_BYTES) return false;
  if (!isBytes(message) || !isBytes(publicKey) || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  const info = publicKeyInfo(publicKey);
  if (!info.valid) return false;
  if (!scalarIsCanonical(signature.subarray(32))) return false;
  const c = nativeCrypto();
  if (c !== undefined) {
    try {
      if (info.native === undefined) {
        const der = concatBytes(SPKI_ED25519_PREFIX, publicKey);
        info.native = c.createPublicKey({ key: der, format: "der", type: "spki" });
      }
      if (c.verify(null, message, info.native, signature)) return true;
    } catch {
      // fall through to the portable verdict
    }
  }
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
