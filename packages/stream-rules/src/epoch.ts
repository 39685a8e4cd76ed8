import { sha256 } from "@noble/hashes/sha2.js";
import { StreamRuleError } from "./errors.js";
import { assertStreamId } from "./stream-id.js";

/** Longest epoch, in bytes. */
export const MAX_EPOCH_BYTES = 64;

/** An epoch: 1..64 characters of `A-Z a-z 0-9 . _ -`. It names one leader's run of a stream. */
export const EPOCH_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether `epoch` is a valid epoch. */
export function isEpoch(epoch: unknown): epoch is string {
  return typeof epoch === "string" && EPOCH_PATTERN.test(epoch);
}

/**
 * Checks an epoch against {@link EPOCH_PATTERN}.
 * @throws StreamRuleError `bad-epoch`
 */
export function assertEpoch(epoch: unknown, title = "epoch"): asserts epoch is string {
  if (isEpoch(epoch)) return;
  const shown = typeof epoch === "string" ? ` ${JSON.stringify(epoch.slice(0, 70))}` : ` (${typeof epoch})`;
  throw new StreamRuleError("bad-epoch", `${title}${shown} must be 1-${MAX_EPOCH_BYTES} of A-Z a-z 0-9 . _ -`);
}

const EPOCH_LABEL = new TextEncoder().encode("every.channel/epoch/v1\0");

/**
 * The epoch of a capture derived from its content, so that two publishers fed the same recording
 * agree without talking: the first 16 hex digits of
 * SHA-256("every.channel/epoch/v1" || 0x00 || streamId || 0x00 || first chunk's plaintext).
 * The stream id is mixed in so the same recording published under two ids gets two epochs.
 * (Live followers do not derive it: they learn the leader's from its manifests.)
 */
export function deriveEpoch(firstChunk: Uint8Array, streamId: string): string {
  assertStreamId(streamId);
  const h = sha256.create();
  h.update(EPOCH_LABEL);
  h.update(new TextEncoder().encode(streamId));
  h.update(Uint8Array.of(0));
  h.update(firstChunk);
  const d = h.digest();
  let hex = "";
  for (let i = 0; i < 8; i++) hex += d[i]!.toString(16).padStart(2, "0");
  return hex;
}
