import { bytesToHex, copyBytes, equalBytes, hexToBytes, isBytes } from "./bytes.js";
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from "./constants.js";
import { isValidPublicKey, publicKeyFromSecret, randomSecretKey } from "./ed25519.js";
import { ManifestError } from "./errors.js";

/** An Ed25519 key pair that signs manifests. `secretKey` is the 32-byte RFC 8032 seed. */
export interface SigningKey {
  /** 32-byte secret seed. Keep it out of logs; {@link encodeKeyFile} is the way to store it. */
  secretKey: Uint8Array;
  /** 32-byte public key that subscribers pin. */
  publicKey: Uint8Array;
}

/** A new signing key from the platform CSPRNG (`crypto.getRandomValues`). */
export function generateSigningKey(): SigningKey {
  return signingKeyFromSecret(randomSecretKey());
}

/** The signing key for a 32-byte secret seed; throws `invalid-key` for any other length. */
export function signingKeyFromSecret(secret: Uint8Array): SigningKey {
  if (!isBytes(secret) || secret.length !== SECRET_KEY_BYTES) {
    throw new ManifestError("invalid-key", `secret key must be ${SECRET_KEY_BYTES} bytes`);
  }
  const secretKey = copyBytes(secret);
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) };
}

/** Lowercase hex of a public key (64 characters); throws `invalid-key` unless it is a usable key. */
export function publicKeyToHex(pk: Uint8Array): string {
  assertPublicKey(pk, "public key");
  return bytesToHex(pk);
}

/**
 * Parses a public key from exactly 64 hex digits (either case, no prefix or whitespace).
 * Throws `invalid-hex` for bad text and `invalid-key` for a point that is not a canonical,
 * non-small-order Ed25519 key.
 */
export function publicKeyFromHex(hex: string): Uint8Array {
  const pk = hexToBytes(hex, "public key", PUBLIC_KEY_BYTES);
  assertPublicKey(pk, "public key");
  return pk;
}

/** Throws `invalid-key` unless `pk` is a canonical, non-small-order 32-byte Ed25519 key. */
export function assertPublicKey(pk: unknown, what: string): asserts pk is Uint8Array {
  if (!isBytes(pk) || pk.length !== PUBLIC_KEY_BYTES) {
    throw new ManifestError("invalid-key", `${what} must be ${PUBLIC_KEY_BYTES} bytes`);
  }
  if (!isValidPublicKey(pk)) {
    throw new ManifestError("invalid-key", `${what} is not a valid Ed25519 public key`);
  }
}

// Which secret arrays were already checked against their public key; the copy detects mutation.
const checkedPairs = new WeakMap<Uint8Array, { secret: Uint8Array; publicKey: Uint8Array }>();

/**
 * Throws `invalid-key` unless `key` is a well-formed pair whose public half belongs to the secret.
 * A mismatched pair would sign under one key while naming another.
 */
export function assertSigningKey(key: SigningKey): void {
  if (typeof key !== "object" || key === null) throw new ManifestError("invalid-key", "signing key must be an object");
  const { secretKey, publicKey } = key;
  if (!isBytes(secretKey) || secretKey.length !== SECRET_KEY_BYTES) {
    throw new ManifestError("invalid-key", `secretKey must be ${SECRET_KEY_BYTES} bytes`);
  }
  if (!isBytes(publicKey) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new ManifestError("invalid-key", `publicKey must be ${PUBLIC_KEY_BYTES} bytes`);
  }
  let known = checkedPairs.get(secretKey);
  if (known === undefined || !equalBytes(known.secret, secretKey)) {
    known = { secret: copyBytes(secretKey), publicKey: publicKeyFromSecret(secretKey) };
    checkedPairs.set(secretKey, known);
  }
  if (!equalBytes(known.publicKey, publicKey)) {
    throw new ManifestError("invalid-key", "publicKey does not belong to secretKey");
  }
}
