/**
 * Stream ids and epochs: the two variable-length strings of the header.
 * - stream id: 1..128 bytes of well-formed UTF-8 with no control characters (C0, DEL, C1);
 *   a leading U+FEFF is an ordinary character, never a stripped byte-order mark.
 * - epoch: 1..64 bytes of ASCII `[A-Za-z0-9._-]`.
 * Both directions are exact inverses, so each string has one byte form.
 */
import { MAX_EPOCH_BYTES, MAX_STREAM_ID_BYTES } from "./constants.js";
import { ManifestError, type ManifestErrorCode } from "./errors.js";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const EPOCH = /^[A-Za-z0-9._-]+$/;

/** UTF-8 of a stream id, or a `code` error saying what is wrong with it. */
export function encodeStreamId(streamId: unknown, code: ManifestErrorCode): Uint8Array {
  if (typeof streamId !== "string") throw new ManifestError(code, "streamId must be a string");
  const bytes = encoder.encode(streamId);
  // Lone surrogates would silently become U+FFFD; refuse instead of signing something else.
  if (strictDecoder.decode(bytes) !== streamId) {
    throw new ManifestError(code, "streamId must be well-formed Unicode");
  }
  if (bytes.length < 1 || bytes.length > MAX_STREAM_ID_BYTES) {
    throw new ManifestError(code, `streamId must be 1..${MAX_STREAM_ID_BYTES} UTF-8 bytes, got ${bytes.length}`);
  }
  if (CONTROL.test(streamId)) throw new ManifestError(code, "streamId must not contain control characters");
  return bytes;
}

/** The stream id in `bytes` (length already checked): `non-canonical` for bad UTF-8, `invalid-field` for controls. */
export function decodeStreamId(bytes: Uint8Array): string {
  let s: string;
  try {
    s = strictDecoder.decode(bytes);
  } catch {
    throw new ManifestError("non-canonical", "streamId is not well-formed UTF-8");
  }
  if (CONTROL.test(s)) throw new ManifestError("invalid-field", "streamId contains control characters");
  return s;
}

/** ASCII bytes of an epoch, or a `code` error. */
export function encodeEpoch(epoch: unknown, code: ManifestErrorCode): Uint8Array {
  if (typeof epoch !== "string") throw new ManifestError(code, "epoch must be a string");
  if (epoch.length < 1 || epoch.length > MAX_EPOCH_BYTES || !EPOCH.test(epoch)) {
    throw new ManifestError(code, `epoch must be 1..${MAX_EPOCH_BYTES} characters of [A-Za-z0-9._-]`);
  }
  return encoder.encode(epoch);
}

/** The epoch in `bytes` (length already checked), `invalid-field` outside the charset. */
export function decodeEpoch(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  if (!EPOCH.test(s)) throw new ManifestError("invalid-field", "epoch has a character outside [A-Za-z0-9._-]");
  return s;
}
