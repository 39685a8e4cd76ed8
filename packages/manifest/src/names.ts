/**
 * Stream ids and epochs: the two variable-length strings of the header. Their rules are the
 * stream's shared rules (`@ec/stream-rules`, docs/protocol/rules.md):
 * - stream id: 1..128 characters of ASCII `[A-Za-z0-9._-]`, the first a letter or digit;
 * - epoch: 1..64 characters of ASCII `[A-Za-z0-9._-]`.
 * Both are ASCII, so each string has exactly one byte form.
 */
import { EPOCH_PATTERN, MAX_EPOCH_BYTES, STREAM_ID_PATTERN, streamIdProblem } from "@ec/stream-rules";
import { ManifestError, type ManifestErrorCode } from "./errors.js";

/** ASCII bytes of a string already known to be ASCII. */
function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The bytes read back as a string, one character per byte (so any non-ASCII byte fails the patterns). */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Bytes of a stream id, or a `code` error saying what is wrong with it. */
export function encodeStreamId(streamId: unknown, code: ManifestErrorCode): Uint8Array {
  const problem = streamIdProblem(streamId);
  if (problem !== undefined) throw new ManifestError(code, `streamId ${problem}`);
  return ascii(streamId as string);
}

/** The stream id in `bytes` (length already checked), `invalid-field` outside the rule. */
export function decodeStreamId(bytes: Uint8Array): string {
  const s = latin1(bytes);
  if (!STREAM_ID_PATTERN.test(s)) throw new ManifestError("invalid-field", `streamId ${streamIdProblem(s) ?? "is invalid"}`);
  return s;
}

/** ASCII bytes of an epoch, or a `code` error. */
export function encodeEpoch(epoch: unknown, code: ManifestErrorCode): Uint8Array {
  if (typeof epoch !== "string" || !EPOCH_PATTERN.test(epoch)) {
    throw new ManifestError(code, `epoch must be 1..${MAX_EPOCH_BYTES} characters of [A-Za-z0-9._-]`);
  }
  return ascii(epoch);
}

/** The epoch in `bytes` (length already checked), `invalid-field` outside the charset. */
export function decodeEpoch(bytes: Uint8Array): string {
  const s = latin1(bytes);
  if (!EPOCH_PATTERN.test(s)) throw new ManifestError("invalid-field", "epoch has a character outside [A-Za-z0-9._-]");
  return s;
}
