import { isEpoch, isSeq, streamIdProblem } from "@ec/stream-rules";
import { FORMAT_VERSION } from "./constants.js";
import { ChunkCryptoError } from "./errors.js";
import { AD_LABEL } from "./labels.js";

/**
 * Where a chunk object belongs. All three fields are bound into the object as associated data,
 * so an object only opens under exactly the context it was sealed with.
 */
export interface ChunkContext {
  /** Stream id; must equal the id the key was derived for. The one stream-id rule (docs/protocol/rules.md). */
  streamId: string;
  /** Capture epoch: 1..64 characters of `[A-Za-z0-9._-]`. */
  epoch: string;
  /** Chunk sequence number within the epoch: a safe non-negative integer. */
  seq: number;
}

/** Longest stream id: the shared rule's (its length prefix in the AD is one byte). */
export { MAX_STREAM_ID_BYTES } from "@ec/stream-rules";

/** The stream id as bytes, or a `bad-context` error naming what is wrong (never its value). */
export function streamIdBytes(streamId: unknown): Uint8Array {
  const problem = streamIdProblem(streamId);
  if (problem !== undefined) throw new ChunkCryptoError("bad-context", `stream id ${problem}`);
  return new TextEncoder().encode(streamId as string);
}

/**
 * Associated data for one object, format version 1:
 *
 * ```
 * size  field
 * 32    AD_LABEL "every.channel/chunk-crypto/v1/ad" (ASCII)
 * 1     format version (0x01)
 * 1     L = stream id length in bytes (1..128)
 * L     stream id (ASCII)
 * 1     E = epoch length (1..64)
 * E     epoch, ASCII [A-Za-z0-9._-]
 * 8     seq, unsigned big-endian
 * ```
 *
 * Every variable field is length-prefixed and seq has fixed width, so the encoding is
 * injective and `AD || plaintext` is unambiguous as HMAC input.
 * The stream id bytes come from the key (validated when it was derived); the context must name
 * the same stream, and its epoch and seq are checked here.
 */
export function associatedData(key: { streamId: string; streamIdBytes: Uint8Array }, ctx: ChunkContext): Uint8Array {
  if (typeof ctx !== "object" || ctx === null) {
    throw new ChunkCryptoError("bad-context", "context must be { streamId, epoch, seq }");
  }
  const { epoch, seq } = ctx as { epoch: unknown; seq: unknown };
  if (ctx.streamId !== key.streamId) {
    throw new ChunkCryptoError("bad-context", "context stream id differs from the key's stream id");
  }
  if (!isEpoch(epoch)) {
    throw new ChunkCryptoError("bad-context", "epoch must be 1..64 characters of [A-Za-z0-9._-]");
  }
  if (!isSeq(seq)) {
    throw new ChunkCryptoError("bad-context", "seq must be a safe non-negative integer");
  }
  const streamId = key.streamIdBytes;
  const ad = new Uint8Array(AD_LABEL.length + 1 + 1 + streamId.length + 1 + epoch.length + 8);
  let at = 0;
  ad.set(AD_LABEL, at);
  at += AD_LABEL.length;
  ad[at++] = FORMAT_VERSION;
  ad[at++] = streamId.length;
  ad.set(streamId, at);
  at += streamId.length;
  ad[at++] = epoch.length;
  for (let i = 0; i < epoch.length; i++) ad[at++] = epoch.charCodeAt(i);
  const view = new DataView(ad.buffer);
  view.setUint32(at, Math.floor(seq / 2 ** 32));
  view.setUint32(at + 4, seq >>> 0);
  return ad;
}
