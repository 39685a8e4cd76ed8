/**
 * The bytes of the chunk being built: a growable buffer that packets are appended to in
 * contiguous runs (one copy per run, not per packet) and that can be split at a packet offset
 * when a later packet reveals that an earlier one began a keyframe.
 */
export class ChunkBuffer {
  #buf: Uint8Array;
  #len = 0;
  // A run of packets that are contiguous in one source buffer and not yet copied in.
  #runBuf: Uint8Array | null = null;
  #runStart = 0;
  #runEnd = 0;

  constructor(initialCapacity = 256 * 1024) {
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
   * Returns a copy of bytes [0, at) and keeps `prefix` followed by bytes [at, length) as the new
   * content (the tail moves to the front).
   */
  split(at: number, prefix: Uint8Array): Uint8Array {
    this.flush();
    const head = this.#buf.slice(0, at);
    this.#replaceHead(at, prefix);
    return head;
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
