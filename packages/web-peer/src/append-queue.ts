/**
 * One SourceBuffer, one operation at a time: `appendBuffer` and `remove` throw while the buffer is
 * `updating`, so every operation waits its turn and starts on the previous one's `updateend`.
 * A full buffer (`QuotaExceededError`) frees the back buffer — media already played — and tries
 * the same bytes again, down to a floor of {@link MIN_BACK_BUFFER_S} behind the playhead.
 */

/** Media kept behind the playhead even when the buffer is full (seconds). */
export const MIN_BACK_BUFFER_S = 2;

/** The part of a SourceBuffer the queue uses (a real one in the page). */
export interface SourceBufferLike extends EventTarget {
  readonly updating: boolean;
  readonly buffered: TimeRanges;
  appendBuffer(data: BufferSource): void;
  remove(start: number, end: number): void;
}

type Op = { kind: "append"; bytes: Uint8Array; done: (err?: Error) => void; trims: number } | { kind: "remove"; start: number; end: number; done: (err?: Error) => void };

export interface AppendQueueCounters {
  appends: number;
  bytesAppended: number;
  removes: number;
  /** Appends refused with QuotaExceededError and retried after freeing the back buffer. */
  quotaTrims: number;
}

export class AppendQueue {
  readonly counters: AppendQueueCounters = { appends: 0, bytesAppended: 0, removes: 0, quotaTrims: 0 };
  #ops: Op[] = [];
  #current: Op | undefined;
  #closed: Error | undefined;

  constructor(
    readonly sb: SourceBufferLike,
    /** The playhead (seconds): what may be freed lies before it. */
    readonly playhead: () => number,
  ) {
    sb.addEventListener("updateend", () => this.#finish());
    sb.addEventListener("error", () => this.#fail(new Error("the SourceBuffer reported an error (the browser could not decode what was appended)")));
  }

  /** Operations waiting, plus the one running. */
  get length(): number {
    return this.#ops.length + (this.#current ? 1 : 0);
  }

  append(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.#push({ kind: "append", bytes, trims: 0, done: (e) => (e ? reject(e) : resolve()) }));
  }

  remove(start: number, end: number): Promise<void> {
    if (!(end > start)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#push({ kind: "remove", start, end, done: (e) => (e ? reject(e) : resolve()) }));
  }

  /** Refuses everything queued and anything later (the media element failed or the player closed). */
  close(err: Error): void {
    this.#fail(err);
  }

  #push(op: Op): void {
    if (this.#closed) return op.done(this.#closed);
    this.#ops.push(op);
    this.#next();
  }

  #next(): void {
    if (this.#current || this.#closed || this.sb.updating) return;
    const op = this.#ops.shift();
    if (!op) return;
    this.#current = op;
    try {
      if (op.kind === "append") this.sb.appendBuffer(op.bytes as Uint8Array<ArrayBuffer>);
      else this.sb.remove(op.start, op.end);
    } catch (err) {
      this.#current = undefined;
      if (op.kind === "append" && isQuotaExceeded(err)) return this.#freeBackBuffer(op);
      op.done(err as Error);
      this.#next();
    }
  }

  /** Frees played media and retries `op` first; the second refusal in a row fails it. */
  #freeBackBuffer(op: Extract<Op, { kind: "append" }>): void {
    const b = this.sb.buffered;
    const end = this.playhead() - MIN_BACK_BUFFER_S;
    if (op.trims > 0 || b.length === 0 || end <= b.start(0)) {
      return op.done(new DOMException("the SourceBuffer is full and nothing already played can be freed", "QuotaExceededError"));
    }
    this.counters.quotaTrims++;
    op.trims++;
    this.#ops.unshift({ kind: "remove", start: b.start(0), end, done: () => {} }, op);
    this.#next();
  }

  #finish(): void {
    const op = this.#current;
    this.#current = undefined;
    if (op?.kind === "append") {
      this.counters.appends++;
      this.counters.bytesAppended += op.bytes.byteLength;
    } else if (op) this.counters.removes++;
    op?.done();
    this.#next();
  }

  #fail(err: Error): void {
    this.#closed ??= err;
    const ops = [...(this.#current ? [this.#current] : []), ...this.#ops];
    this.#current = undefined;
    this.#ops = [];
    for (const op of ops) op.done(this.#closed);
  }
}

export function isQuotaExceeded(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: string }).name === "QuotaExceededError";
}
