/**
 * The signing-key text file, version 1. Exactly four LF-terminated lines:
 *
 *   every.channel signing key v1
 *   algorithm: ed25519
 *   public-key: <64 lowercase hex>
 *   secret-key: <64 lowercase hex>
 *
 * The public key is there for humans (and is checked against the secret on load).
 */
import { bytesToHex, equalBytes } from "./bytes.js";
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from "./constants.js";
import { ManifestError } from "./errors.js";
import { assertSigningKey, signingKeyFromSecret, type SigningKey } from "./keys.js";

const TITLE = "every.channel signing key v1";
const ALGORITHM = "algorithm: ed25519";
const PUBLIC_PREFIX = "public-key: ";
const SECRET_PREFIX = "secret-key: ";
const MAX_KEY_FILE_CHARS = 4096;

/** Serialises a signing key to the v1 key-file text (see docs/protocol/manifest.md). */
export function encodeKeyFile(key: SigningKey): string {
  assertSigningKey(key);
  return (
    `${TITLE}\n${ALGORITHM}\n` +
    `${PUBLIC_PREFIX}${bytesToHex(key.publicKey)}\n` +
    `${SECRET_PREFIX}${bytesToHex(key.secretKey)}\n`
  );
}

function malformed(message: string): ManifestError {
  return new ManifestError("malformed-key-file", `key file: ${message}`);
}

/** Strict lowercase hex, without echoing the value (it may be the secret). */
function lowerHex(text: string, bytes: number, what: string): Uint8Array {
  if (!new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(text)) {
    throw malformed(`${what} must be ${bytes * 2} lowercase hex digits`);
  }
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Parses v1 key-file text. Anything but the exact format (other version or algorithm, CRLF,
 * missing or extra lines, uppercase hex, a public key that does not belong to the secret)
 * throws `malformed-key-file`; the message never contains key material.
 */
export function decodeKeyFile(text: string): SigningKey {
  if (typeof text !== "string") throw malformed("must be text");
  if (text.length > MAX_KEY_FILE_CHARS) throw malformed("is too large");
  if (text.includes("\r")) throw malformed("must use LF line endings");
  if (!text.endsWith("\n")) throw malformed("must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines[0] !== TITLE) {
    throw lines[0]?.startsWith("every.channel signing key ")
      ? malformed(`unsupported version (expected "${TITLE}")`)
      : malformed(`first line must be "${TITLE}"`);
  }
  if (lines.length !== 4) throw malformed(`must have exactly 4 lines, found ${lines.length}`);
  if (lines[1] !== ALGORITHM) throw malformed(`second line must be "${ALGORITHM}"`);
  const pubLine = lines[2]!;
  const secLine = lines[3]!;
  if (!pubLine.startsWith(PUBLIC_PREFIX)) throw malformed(`third line must start with "${PUBLIC_PREFIX}"`);
  if (!secLine.startsWith(SECRET_PREFIX)) throw malformed(`fourth line must start with "${SECRET_PREFIX}"`);
  const publicKey = lowerHex(pubLine.slice(PUBLIC_PREFIX.length), PUBLIC_KEY_BYTES, "public-key");
  const secret = lowerHex(secLine.slice(SECRET_PREFIX.length), SECRET_KEY_BYTES, "secret-key");
  const key = signingKeyFromSecret(secret);
  secret.fill(0);
  if (!equalBytes(key.publicKey, publicKey)) throw malformed("public-key does not belong to secret-key");
  return key;
}
