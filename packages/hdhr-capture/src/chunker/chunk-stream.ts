/**
 * `TsChunker` over an async byte source, with the two checks a caller cannot make chunk by
 * chunk: the input is not MPEG-TS at all, or it ended without ever giving a chunk.
 */
import { TsError } from "../errors.js";
import { TsChunker } from "./ts-chunker.js";
import type { TsChunk, TsChunkerOptions } from "./ts-chunker.js";

/** Bytes of input without a single packet after which the input is declared not MPEG-TS. */
const NOT_TS_AFTER_BYTES = 64 * 1024;

/**
 * Chunks an async source of MPEG-TS bytes (a file stream, `openStream(...)`), pulling the next
 * piece only when the consumer asks for the next chunk. Errors from the source pass through
 * unchanged; the partial chunk in progress is then discarded. Each piece is used before the next
 * is asked for, so a source may reuse one buffer for every piece.
 *
 * With `reuseBuffers`, each chunk's `bytes` are valid only until the next chunk is asked for
 * (their memory then holds later chunks): for a consumer done with each chunk by then.
 *
 * @throws TsError `not-mpeg-ts` once 64 KiB arrive without one valid packet, or the input ends
 *   without any; `no-program` / `no-random-access-point` when the input ends without a usable
 *   PAT/PMT or keyframe, so nothing could be emitted.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  opts: TsChunkerOptions = {},
): AsyncGenerator<TsChunk, void, undefined> {
  const chunker = new TsChunker(opts);
  for await (const data of source) {
    if (!(data instanceof Uint8Array)) throw new TypeError("chunkStream: the source must yield Uint8Array pieces");
    yield* chunker.push(data);
    const s = chunker.stats;
    if (s.packets === 0 && s.skippedBytes >= NOT_TS_AFTER_BYTES) {
      throw new TsError("not-mpeg-ts", `input is not MPEG-TS: no 188-byte packet in the first ${s.skippedBytes} bytes`);
    }
  }
  yield* chunker.flush();
  const s = chunker.stats;
  if (s.chunks > 0) return;
  if (s.packets === 0) {
    throw new TsError("not-mpeg-ts", `input is not MPEG-TS: no 188-byte packet in ${s.skippedBytes} bytes`);
  }
  if (!chunker.program?.anchor) {
    throw new TsError("no-program", `no PAT/PMT with a video or audio stream in ${s.packets} packets`);
  }
  throw new TsError("no-random-access-point", `no keyframe in ${s.packets} packets of the program`);
}
