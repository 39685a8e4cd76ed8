/**
 * The bytes of the chunk being built: a growable buffer that packets are appended to in
 * contiguous runs (one copy per run, not per packet) and that can be split at a packet offset
 * when a later packet reveals that an earlier one began a keyframe.
 *
 * A finished chunk is handed out without copying: the buffer itself becomes the chunk and the
 * content moves on into another buffer. Where that buffer comes from is the one choice:
 * - by default a fresh one, sized for a chunk like the last (the chunk is the caller's to keep);
 * - with `reuse`, chunks are lent: the caller gives them back with {@link reclaim}, and their
 *   buffers are used again for later chunks. Fresh memory costs page faults on first write (for
 *   2 MB chunks several times the cost of copying into memory already mapped), and garbage that
 *   drives the garbage collector.
 */

/** Buffers kept for reuse beyond those lent out (a push that ends several chunks lends several). */
const POOL_SIZE = 4;

export class ChunkBuffer {
  #buf: Uint8Array;
  #len = 0;
  // A run of packets that are contiguous in one source buffer and not yet copied in.
  #runBuf: Uint8Array | null = null;
  #runStart = 0;
  #runEnd = 0;
  readonly #initialCapacity: number;
  readonly #reuse: boolean;
  // With reuse: whole buffers behind chunks handed out and not yet reclaimed, and spare ones.
  #lent: Uint8Array[] = [];
  #pool: Uint8Array[] = [];

  constructor(initialCapacity = 256 * 1024, reuse = false) {
    this.#initialCapacity = initialCapacity;
    this.#reuse = reuse;
    this.#buf = new Uint8Array(initialCapacity);
  }

  /** Bytes held, including the run not yet copied. */
  get length(): number {
    return this.#len + (this.#runEnd - this.#runStart);
  }

  /** Appends `src[start..end)`; adjacent appends from the same buffer are copied as one run. */
  append(src: Uint8Array, start: number, end: number): void {
    if (src === this.#runBuf && start === this.#runEnd) {
      this.#runEnd = end;
      return;
    }
    this.flush();
    this.#runBuf = src;
    this.#runStart = start;
    this.#runEnd = end;
  }

  /** Copies the pending run in; call before the source buffer may change. */
  flush(): void {
    const n = this.#runEnd - this.#runStart;
    if (n > 0) {
      this.#reserve(this.#len + n);
      this.#buf.set(this.#runBuf!.subarray(this.#runStart, this.#runEnd), this.#len);
      this.#len += n;
    }
    this.#runBuf = null;
    this.#runStart = this.#runEnd = 0;
  }

  /**
   * Returns bytes [0, at) and keeps `prefix` followed by bytes [at, length) as the new content.
   * The returned chunk is a view of the current buffer (no copy), except without `reuse` when
   * that would hold on to more than a quarter beyond `at` (a buffer grown far past this chunk):
   * then it is copied out. With `reuse` it stays lent until {@link reclaim}.
   */
  split(at: number, prefix: Uint8Array): Uint8Array {
    this.flush();
    const old = this.#buf;
    const tail = this.#len - at;
    const next = this.#nextBuffer(Math.max(this.#initialCapacity, prefix.length + tail, at + (at >> 2)), prefix.length + tail);
    next.set(prefix, 0);
    next.set(old.subarray(at, this.#len), prefix.length);
    this.#buf = next;
    this.#len = prefix.length + tail;
    if (this.#reuse) {
      this.#lent.push(old);
      return old.subarray(0, at);
    }
    return old.length - at > at >> 2 ? old.slice(0, at) : old.subarray(0, at);
  }

  /**
   * With `reuse`: every chunk handed out so far is given back (the caller is done with them);
   * their memory will hold later chunks. Without `reuse`, does nothing.
   */
  reclaim(): void {
    for (const b of this.#lent) if (this.#pool.length < POOL_SIZE) this.#pool.push(b);
    this.#lent.length = 0;
  }

  /** Drops bytes [0, at) and puts `prefix` in front of the rest. */
  dropHead(at: number, prefix: Uint8Array): void {
    this.flush();
    this.#replaceHead(at, prefix);
  }

  /** Empties the buffer (keeps its capacity). */
  clear(): void {
    this.#runBuf = null;
    this.#runStart = this.#runEnd = 0;
    this.#len = 0;
  }

  /**
   * A buffer of at least `min` bytes for the next content, preferably `want`: a pooled one (one
   * of `want` bytes if there is one, else the first that fits `min`), else a fresh one.
   */
  #nextBuffer(want: number, min: number): Uint8Array {
    const pool = this.#pool;
    let pick = -1;
    for (let i = 0; i < pool.length; i++) {
      const n = pool[i]!.length;
      if (n >= want) {
        pick = i;
        break;
      }
      if (n >= min && pick < 0) pick = i;
    }
    return pick >= 0 ? pool.splice(pick, 1)[0]! : new Uint8Array(want);
  }

  #replaceHead(at: number, prefix: Uint8Array): void {
    const tail = this.#len - at;
    this.#reserve(prefix.length + tail);
    this.#buf.copyWithin(prefix.length, at, this.#len);
    this.#buf.set(prefix, 0);
    this.#len = prefix.length + tail;
  }

  #reserve(n: number): void {
    if (n <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(n, this.#buf.length * 2));
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
  }
}
