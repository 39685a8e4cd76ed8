import { StreamRuleError } from "./errors.js";

/** Longest stream id, in bytes (= characters: the charset is ASCII). */
export const MAX_STREAM_ID_BYTES = 128;

/**
 * The one stream-id rule: 1..128 characters of `A-Z a-z 0-9 . _ -`, the first a letter or digit.
 * ASCII so that a stream id is one moq-lite broadcast path segment (`ec/<id>`), a safe file and
 * URL component, and has exactly one byte form (no Unicode normalisation questions) in manifests,
 * in the chunk AEAD's associated data and in the key derivation.
 */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What is wrong with `id` as a stream id, or undefined when it is valid. */
export function streamIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return `must be a string, got ${typeof id}`;
  if (id.length === 0) return "is empty";
  if (id.length > MAX_STREAM_ID_BYTES) return `is ${id.length} characters, at most ${MAX_STREAM_ID_BYTES}`;
  if (!/^[A-Za-z0-9]/.test(id)) return "must start with a letter or digit";
  if (!STREAM_ID_PATTERN.test(id)) return "may hold only A-Z a-z 0-9 . _ -";
  return undefined;
}

/** Whether `id` is a valid stream id. */
export function isStreamId(id: unknown): id is string {
  return streamIdProblem(id) === undefined;
}

/**
 * Checks a stream id against {@link STREAM_ID_PATTERN}.
 * @param title what the value is, for the message (e.g. "--stream-id")
 * @throws StreamRuleError `bad-stream-id`
 */
export function assertStreamId(id: unknown, title = "stream id"): asserts id is string {
  const problem = streamIdProblem(id);
  if (problem === undefined) return;
  const shown = typeof id === "string" ? ` ${JSON.stringify(id.slice(0, 40))}` : "";
  throw new StreamRuleError("bad-stream-id", `${title}${shown} ${problem}`);
}
