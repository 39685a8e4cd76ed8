/**
 * Chunks a TS recording on disk. The file is read in large pieces into one buffer that every read
 * reuses (the chunker copies what it keeps before asking for more), so reading allocates nothing
 * per piece: no fresh memory to fault in, no garbage, no stream machinery per read.
 */
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { PACKET_SIZE } from "../ts/packet.js";
import { chunkStream } from "./chunk-stream.js";
import type { TsChunk, TsChunkerOptions } from "./ts-chunker.js";

/** Options of {@link chunkFile}: the chunker's, plus how to read. */
export interface ChunkFileOptions extends TsChunkerOptions {
  /** Stops reading; the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /** Bytes per read (default 1 MiB; at least 188). */
  readBytes?: number;
}

const DEFAULT_READ_BYTES = 1024 * 1024;

/**
 * `chunkStream` over the file at `path`, read front to back once. The file is opened on the
 * first `next()` and closed when the generator ends, fails or is returned early.
 *
 * @throws RangeError for a bad `readBytes` (on the first `next()`); the file system's error
 *   (`ENOENT`, `EISDIR`...) as is; `TsError` as {@link chunkStream}; the signal's reason once aborted.
 */
export async function* chunkFile(path: string, opts: ChunkFileOptions = {}): AsyncGenerator<TsChunk, void, undefined> {
  const { signal, readBytes = DEFAULT_READ_BYTES, ...chunker } = opts;
  if (!Number.isSafeInteger(readBytes) || readBytes < PACKET_SIZE) {
    throw new RangeError(`readBytes must be an integer of at least ${PACKET_SIZE}, got ${readBytes}`);
  }
  signal?.throwIfAborted();
  const file = await open(path, "r");
  try {
    yield* chunkStream(readPieces(file, readBytes, signal), chunker);
  } finally {
    await file.close();
  }
}

/** The file's bytes in pieces, each a view of the same buffer: valid until the next is asked for. */
async function* readPieces(file: FileHandle, size: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array, void, undefined> {
  const buf = new Uint8Array(size);
  for (;;) {
    signal?.throwIfAborted();
    const { bytesRead } = await file.read(buf, 0, size, null);
    if (bytesRead === 0) return;
    yield buf.subarray(0, bytesRead);
  }
}
