import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { isBytes } from "./bytes.js";
import { ManifestError } from "./errors.js";
import { nativeCrypto, plain } from "./native.js";

/** SHA-256 through node:crypto when present (same bytes, far faster on big objects), else @noble/hashes. */
export function sha256(data: Uint8Array): Uint8Array {
  const c = nativeCrypto();
  if (c !== undefined) {
    return plain(c.hash !== undefined ? c.hash("sha256", data, "buffer") : c.createHash("sha256").update(data).digest());
  }
  return nobleSha256(data);
}

/**
 * The hash a manifest entry records for an object: SHA-256 of the object's exact bytes (the
 * encrypted chunk object, so relays without the stream key can check it too).
 */
export function hashObject(bytes: Uint8Array): Uint8Array {
  if (!isBytes(bytes)) throw new ManifestError("invalid-argument", "hashObject takes a Uint8Array");
  return sha256(bytes);
}

/**
 * The identity of a signed manifest: SHA-256 over its full canonical bytes (header, signature
 * and entries). The next manifest of the epoch carries it as `prevHash`.
 */
export function manifestHash(bytes: Uint8Array): Uint8Array {
  if (!isBytes(bytes)) throw new ManifestError("invalid-argument", "manifestHash takes a Uint8Array");
  return sha256(bytes);
}
