/**
 * Every failure this package throws is a {@link ManifestError} with a `code` from this list,
 * so callers branch on `err.code` and never parse messages.
 */
export const MANIFEST_ERROR_CODES = [
  /** A caller passed a value outside the documented domain (signing side, options). */
  "invalid-argument",
  /** The bytes end before the structure they declare. */
  "truncated",
  /** Bytes remain after the structure ends. */
  "trailing-bytes",
  /** The input is larger than the limit in force. */
  "oversize",
  /** The bytes do not start with the manifest magic `ECMF`. */
  "bad-magic",
  /** The version byte is not one this package implements. */
  "unsupported-version",
  /** The hash algorithm id is not one this package implements. */
  "unsupported-hash-alg",
  /** A field is out of its allowed range (length, charset, time order, PTS, count). */
  "invalid-field",
  /** A value has another byte form than its one canonical encoding (e.g. unsorted entries, bad UTF-8). */
  "non-canonical",
  /** The Ed25519 signature does not verify under the embedded signer key. */
  "bad-signature",
  /** The entries do not hash to the Merkle root the signature covers. */
  "merkle-mismatch",
  /** A key file is not exactly in the documented text format. */
  "malformed-key-file",
  /** Key bytes are the wrong length or not a valid, non-small-order Ed25519 point. */
  "invalid-key",
  /** A hex string has the wrong length or a non-hex character. */
  "invalid-hex",
] as const;

/** The code carried by a {@link ManifestError}. */
export type ManifestErrorCode = (typeof MANIFEST_ERROR_CODES)[number];

/**
 * The only error type this package throws. Messages are one line, name the field at fault, and
 * never contain secret key material.
 */
export class ManifestError extends Error {
  /** Machine-readable cause; see {@link MANIFEST_ERROR_CODES}. */
  readonly code: ManifestErrorCode;

  constructor(code: ManifestErrorCode, message: string) {
    super(message);
    this.name = "ManifestError";
    this.code = code;
  }
}
