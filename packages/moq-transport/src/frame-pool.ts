/**
 * Memory for received frame bodies, lent and taken back so that a subscriber moving one large
 * object after another writes each into memory it already has instead of fresh pages.
 *
 * Why: a frame body that spans transport pieces is joined into one buffer (see guard.ts). A fresh
 * 2 MiB buffer per object costs ~500 first-touch page faults (7–18 µs each on the VMs the benches
 * ran on: more than the hash, MAC and cipher passes over the same bytes together) and counts as
 * external memory towards V8's major collections. A consumer that is done with an object (the
 * HLS sink has copied its plaintext) gives its memory back, and the next frame is joined into it.
 *
 * Why it is safe to reuse: {@link FramePool.giveBack} empties every view of the memory before the
 * pool keeps it. The memory moves to a new `ArrayBuffer` (a transfer, not a copy); the old one is
 * detached, so a view anyone still held reads as zero bytes, never as a later frame's bytes. The
 * `ArrayBuffer` a frame is lent in is referenced by nothing but that frame's views.
 *
 * Why resizable buffers: `@moq/lite`'s Reader takes an `ArrayBuffer` piece as a view of the whole
 * buffer (guard.ts), so a lent buffer must be exactly the frame's size; one resizable buffer per
 * pooled slot serves every size up to the frame limit. A runtime without resizable buffers or
 * `structuredClone` transfer gets plain exact-size buffers and nothing is pooled.
 */

/** What a {@link FramePool} has done, in integers. */
export interface FramePoolStats {
  /** Buffers lent (fresh + reused). */
  lent: number;
  /** Lent from memory given back earlier. */
  reused: number;
  /** Given back and kept for reuse. */
  kept: number;
  /** Given back but not kept (the pool already held `keep` buffers or `keepBytes`): emptied all the same. */
  dropped: number;
}

export interface FramePoolOptions {
  /** Largest frame body lent from pooled memory; bigger ones get a plain buffer (not pooled). */
  maxFrameBytes: number;
  /** Buffers kept for reuse at most (default 16); more given back at once are emptied and dropped. */
  keep?: number;
  /** Bytes kept for reuse at most, counted at each buffer's size when given back (default 64 MiB). */
  keepBytes?: number;
}

const DEFAULT_KEEP = 16;
const DEFAULT_KEEP_BYTES = 64 * 1024 * 1024;

type Resizable = ArrayBuffer & { resize(bytes: number): void; readonly resizable: boolean };
type ResizableCtor = new (bytes: number, opts: { maxByteLength: number }) => Resizable;

/** Whether this runtime has resizable ArrayBuffers that keep being resizable through a transfer. */
function canPool(): boolean {
  try {
    const probe = new (ArrayBuffer as unknown as ResizableCtor)(1, { maxByteLength: 2 });
    if (typeof probe.resize !== "function" || typeof structuredClone !== "function") return false;
    const view = new Uint8Array(probe);
    const moved = structuredClone(probe, { transfer: [probe] }) as Resizable;
    return view.length === 0 && moved.resizable === true && moved.byteLength === 1;
  } catch {
    return false;
  }
}

let pooling: boolean | undefined;

export class FramePool {
  readonly maxFrameBytes: number;
  readonly keep: number;
  readonly keepBytes: number;
  readonly #free: Resizable[] = [];
  #freeBytes = 0;
  readonly #lent = new WeakSet<ArrayBuffer>();
  readonly #stats: FramePoolStats = { lent: 0, reused: 0, kept: 0, dropped: 0 };

  /** @throws RangeError unless `maxFrameBytes` is a positive safe integer, `keep` and `keepBytes` non-negative ones. */
  constructor(opts: FramePoolOptions) {
    const { maxFrameBytes, keep = DEFAULT_KEEP, keepBytes = DEFAULT_KEEP_BYTES } = opts;
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) throw new RangeError(`maxFrameBytes must be a positive integer, got ${String(maxFrameBytes)}`);
    if (!Number.isSafeInteger(keep) || keep < 0) throw new RangeError(`keep must be a non-negative integer, got ${String(keep)}`);
    if (!Number.isSafeInteger(keepBytes) || keepBytes < 0) throw new RangeError(`keepBytes must be a non-negative integer, got ${String(keepBytes)}`);
    this.maxFrameBytes = maxFrameBytes;
    this.keep = keep;
    this.keepBytes = keepBytes;
    pooling ??= canPool();
  }

  /** Whether memory is reused in this runtime (false: {@link lend} gives plain buffers). */
  get pooling(): boolean {
    return pooling === true;
  }

  /** The counters (a copy). */
  get stats(): FramePoolStats {
    return { ...this.#stats };
  }

  /**
   * An `ArrayBuffer` of exactly `bytes` bytes that nothing else references, lent until
   * {@link giveBack}. Its content is unspecified (a reused buffer holds an earlier frame's bytes):
   * the borrower overwrites all of it.
   * @throws RangeError for a negative or non-integer size.
   */
  lend(bytes: number): ArrayBuffer {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`bytes must be a non-negative integer, got ${String(bytes)}`);
    this.#stats.lent++;
    if (!pooling || bytes > this.maxFrameBytes) return new ArrayBuffer(bytes);
    let buf = this.#free.pop();
    if (buf) {
      this.#freeBytes -= buf.byteLength;
      buf.resize(bytes);
      this.#stats.reused++;
    } else {
      buf = new (ArrayBuffer as unknown as ResizableCtor)(bytes, { maxByteLength: this.maxFrameBytes });
    }
    this.#lent.add(buf);
    return buf;
  }

  /**
   * Takes back the memory under `view` if this pool lent it and it has not been given back yet:
   * every view of it is emptied (detached) first, then the memory is kept for a later
   * {@link lend} (up to `keep` buffers). Anything else (memory the pool did not lend, given back
   * twice) is left alone. Returns whether the memory was taken back.
   */
  giveBack(view: ArrayBufferView): boolean {
    const buf = view.buffer as ArrayBuffer; // a SharedArrayBuffer is never in #lent
    if (!this.#lent.has(buf)) return false;
    this.#lent.delete(buf);
    let moved: Resizable;
    try {
      moved = structuredClone(buf, { transfer: [buf] }) as Resizable;
    } catch {
      return false; // detached by someone else already: nothing left to keep
    }
    if (this.#free.length < this.keep && this.#freeBytes + moved.byteLength <= this.keepBytes) {
      this.#free.push(moved);
      this.#freeBytes += moved.byteLength;
      this.#stats.kept++;
    } else {
      this.#stats.dropped++;
    }
    return true;
  }
}
