import { StreamRuleError } from "./errors.js";

/**
 * A chunk or manifest sequence number: an integer in 0 ..= 2^53 − 1. The wire carries u64 (the
 * manifest) or a varint (moq-lite group sequence); every node refuses values JavaScript cannot
 * hold exactly, so no two nodes can read one group number two ways.
 */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Whether `seq` is a valid sequence number. */
export function isSeq(seq: unknown): seq is number {
  return typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0;
}

/**
 * Checks a sequence number.
 * @throws StreamRuleError `bad-seq`
 */
export function assertSeq(seq: unknown, title = "seq"): asserts seq is number {
  if (isSeq(seq)) return;
  throw new StreamRuleError("bad-seq", `${title} must be an integer in 0..2^53-1, got ${String(seq).slice(0, 30)}`);
}
