import { createHash } from "node:crypto";

/**
 * The epoch of a capture, derived from its content so that two publishers fed the same recording
 * agree without talking: the first 16 hex digits of
 * SHA-256("every.channel/epoch/v1" || 0x00 || streamId || 0x00 || first chunk's plaintext).
 * The stream id is mixed in so the same recording published under two ids gets two epochs.
 */
export function deriveEpoch(firstChunk: Uint8Array, streamId = ""): string {
  const h = createHash("sha256");
  h.update("every.channel/epoch/v1\0");
  h.update(streamId);
  h.update("\0");
  h.update(firstChunk);
  return h.digest("hex").slice(0, 16);
}
