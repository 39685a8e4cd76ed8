import { StreamError } from "@moq/qmux";
import { ResetCode } from "./errors.js";
import type { FramePool } from "./frame-pool.js";

/**
 * A WebTransport-shaped wrapper around a qmux session that enforces byte budgets *before*
 * `@moq/lite` buffers anything. moq-lite 0.2.2 reads a whole frame into memory once it has read the
 * frame's length (up to 64 MiB per read, per stream), so a hostile peer could pin gigabytes with a few
 * streams. qmux flow control bounds what is in flight, not what the application reads; the checks
 * here bound what moq-lite reads:
 *
 * - incoming unidirectional streams are moq-lite GROUP streams: `u8 type=0`, a length-prefixed
 *   header (at most 32 bytes), then frames `varint length || bytes`. A frame longer than
 *   `maxFrameBytes`, a bigger header or another type errors the stream before its bytes are read;
 * - bidirectional streams carry control messages only (announce, subscribe, probe); each may carry
 *   at most `maxControlBytes` from the peer in total.
 *
 * On the serving side it also counts, per session, the payload chunks handed to qmux that are still
 * unsent (`inflight`): the node uses this to notice a subscriber that stopped reading.
 *
 * moq-lite 0.2.2 uses QUIC varints on every moq-lite stream (its `Readers` are built without a
 * version), which is what the parser below reads.
 */
export interface GuardOptions {
  maxFrameBytes: number;
  /**
   * A tighter limit for the frames of group `seq` (read from the group header), asked when a
   * frame's length prefix arrives; the smaller of this and `maxFrameBytes` applies. This is how a
   * subscriber refuses a frame bigger than a verified manifest vouches for before reading it.
   */
  frameLimit?: (seq: number) => number;
  maxControlBytes: number;
  /**
   * Where frame bodies that span transport pieces are joined: memory lent by this pool (the
   * consumer gives it back when done, see {@link FramePool}). Default: a fresh buffer per frame.
   */
  framePool?: FramePool;
  /** Called once per violation, with what was exceeded. */
  onViolation?: (kind: "frame-too-large" | "control-too-large" | "bad-group-stream") => void;
  /** When given, large outgoing chunks are added while qmux has not accepted them yet. */
  inflight?: Set<Uint8Array>;
  /**
   * Admission of peer-opened bidirectional streams by moq-lite stream type (first byte: 1 announce,
   * 2 subscribe, ...). Returns a release function, called when the stream ends, or undefined to refuse
   * it (reset with {@link ResetCode.limit}).
   */
  admitBidi?: (type: number) => (() => void) | undefined;
}

/** The subset of WebTransport that `@moq/lite` touches, plus qmux's `ready`. */
export type GuardedTransport = WebTransport;

const MAX_GROUP_HEADER = 32;
// Chunks below this are varints and headers; tracking them would cost more than it tells.
const TRACK_CHUNK_MIN = 1024;

export function guardTransport(inner: WebTransport, opts: GuardOptions): GuardedTransport {
  const uni = inner.incomingUnidirectionalStreams.pipeThrough(
    new TransformStream<ReadableStream<Uint8Array>, ReadableStream<Uint8Array>>({
      transform(stream, c) {
        // moq-lite's Reader takes ArrayBuffer chunks as views (see guardGroupStream).
        c.enqueue(guardGroupStream(stream, opts) as ReadableStream<Uint8Array>);
      },
    }),
  );
  const bidi = inner.incomingBidirectionalStreams.pipeThrough(
    new TransformStream<WebTransportBidirectionalStream, WebTransportBidirectionalStream>({
      transform(stream, c) {
        c.enqueue(guardBidi(stream, opts, opts.admitBidi));
      },
    }),
  );
  const wrapped = {
    get protocol() {
      return (inner as unknown as { protocol?: string }).protocol ?? "";
    },
    ready: inner.ready,
    closed: inner.closed,
    incomingUnidirectionalStreams: uni,
    incomingBidirectionalStreams: bidi,
    datagrams: inner.datagrams,
    async createBidirectionalStream(o?: WebTransportSendStreamOptions) {
      try {
        return guardBidi(await inner.createBidirectionalStream(o), opts);
      } catch (err) {
        // moq-lite 0.2.2 opens a subscribe stream and writes to it *outside* its try block, so a
        // rejection here (session already closed) becomes an unhandled rejection that kills the
        // process, and the track never closes. Hand back a stream whose writes vanish and whose
        // reads fail: moq-lite then closes the track with this error, inside its try block.
        return deadBidi(err);
      }
    },
    async createUnidirectionalStream(o?: WebTransportSendStreamOptions) {
      const w = await inner.createUnidirectionalStream(o);
      return opts.inflight ? trackWrites(w, opts.inflight) : w;
    },
    close(info?: WebTransportCloseInfo) {
      inner.close(info);
    },
  };
  return wrapped as unknown as GuardedTransport;
}

function guardBidi(
  s: WebTransportBidirectionalStream,
  opts: GuardOptions,
  admit?: (type: number) => (() => void) | undefined,
): WebTransportBidirectionalStream {
  let seen = 0;
  let release: (() => void) | undefined;
  const ts = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      if (seen === 0 && admit && chunk.length > 0) {
        // Stream types are small varints: one byte. Anything else is refused by moq-lite anyway.
        release = admit(chunk[0]!);
        if (!release) {
          c.error(new StreamError(ResetCode.limit, "stream limit"));
          return;
        }
      }
      seen += chunk.byteLength;
      if (seen > opts.maxControlBytes) {
        opts.onViolation?.("control-too-large");
        c.error(new StreamError(ResetCode.tooLarge, "control stream over budget"));
        return;
      }
      c.enqueue(chunk);
    },
  });
  // The pipe settles however the stream ends (FIN, reset, cancel, error): release the admission then.
  s.readable
    .pipeTo(ts.writable)
    .catch(() => {})
    .finally(() => release?.());
  return { readable: ts.readable, writable: s.writable } as WebTransportBidirectionalStream;
}

function deadBidi(err: unknown): WebTransportBidirectionalStream {
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      c.error(err);
    },
  });
  const writable = new WritableStream<Uint8Array>({ write() {} });
  return { readable, writable } as WebTransportBidirectionalStream;
}

/** Incremental QUIC varint reader state. */
interface Varint {
  need: number; // total bytes of this varint, 0 = not started
  have: number;
  value: number;
}

function feedVarint(v: Varint, byte: number): boolean {
  if (v.need === 0) {
    v.need = 1 << (byte >> 6);
    v.value = byte & 0x3f;
    v.have = 1;
  } else {
    // Values beyond 2^53 lose precision here, but they are rejected as too large anyway.
    v.value = v.value * 256 + byte;
    v.have++;
  }
  return v.have === v.need;
}

/**
 * Validates a moq-lite GROUP stream as it is read, erroring it on the first violation, and hands
 * each frame body on in as few pieces, with as few copies, as `@moq/lite`'s Reader allows:
 *
 * - A frame body that spans several transport pieces (qmux delivers ~16 KiB at a time) goes on as
 *   ONE buffer, joined once when the frame is complete. `@moq/lite` 0.2.2's Reader re-copies
 *   everything it has buffered on every piece it reads, so a frame of n pieces cost ~n²/2 piece
 *   copies (a 2 MiB object ~135 MB of memcpy, 32 MiB ~19 s). The repo patches that Reader
 *   (patches/@moq__lite@0.2.2.patch), but a pnpm patch reaches only this workspace: an application
 *   installing `@ec/moq-transport` from npm gets `@moq/lite` as published. Gathering here gives
 *   every session dialed through this package a linear receive path with either Reader. The memory
 *   held is the same: the Reader needs the whole frame before it returns it, and the frame limit
 *   bounds it.
 * - That joined body is handed on as the `ArrayBuffer` it was joined into, which this stream owns
 *   and nothing else references. 0.2.2's Reader takes a chunk as `new Uint8Array(chunk)`: a copy of
 *   a `Uint8Array`, but a *view* of an `ArrayBuffer`, so the body reaches the consumer with the join
 *   as its only copy (the patched Reader does the same). Pieces passed through unjoined (headers,
 *   frames inside one piece) stay `Uint8Array`s, copied by the Reader as before.
 * - It is a pull source over the transport stream's reader, not a `TransformStream` behind
 *   `pipeThrough`: one read of the transport per piece and one hand-over per frame, without a pipe's
 *   write queue, promises and backpressure bookkeeping per piece (the receive path's largest cost
 *   after the copies). Reads stay on demand, so qmux's flow-control credit still follows delivery.
 *
 * On a violation the transport stream is cancelled with the typed error (qmux turns its code into
 * STOP_SENDING), and the reader sees the same error; cancelling the returned stream cancels the
 * transport stream with the same reason.
 */
/** What the GROUP stream guard needs of {@link GuardOptions}. */
export type GroupGuardOptions = Pick<GuardOptions, "maxFrameBytes" | "frameLimit" | "onViolation" | "framePool">;

export function guardGroupStream(
  source: ReadableStream<Uint8Array>,
  opts: GroupGuardOptions,
): ReadableStream<Uint8Array | ArrayBuffer> {
  const parser = new GroupStreamParser(opts);
  const reader = source.getReader();
  let over = false;
  return new ReadableStream<Uint8Array | ArrayBuffer>(
    {
      async pull(c) {
        // Read transport pieces until something can be handed on (a frame body being gathered
        // hands on nothing until it is complete).
        for (;;) {
          let r: ReadableStreamReadResult<Uint8Array>;
          try {
            r = await reader.read();
          } catch (err) {
            if (!over) {
              over = true;
              c.error(err);
            }
            return;
          }
          if (over) return; // cancelled by the consumer while the read was pending
          if (r.done) {
            over = true;
            const tail = parser.end();
            if (tail) c.enqueue(tail);
            c.close();
            return;
          }
          let handed = false;
          const err = parser.feed(r.value, (piece) => {
            c.enqueue(piece);
            handed = true;
          });
          if (err) {
            over = true;
            c.error(err);
            reader.cancel(err).catch(() => {});
            return;
          }
          if (handed) return;
        }
      },
      cancel(reason) {
        over = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * {@link guardGroupStream} as a `{ writable, readable }` pair, for `pipeThrough` (tests and callers
 * that hold a stream to pipe rather than a source to wrap). Same checks, same hand-over.
 */
export function groupGuard(opts: GroupGuardOptions): ReadableWritablePair<Uint8Array | ArrayBuffer, Uint8Array> {
  const pass = new TransformStream<Uint8Array, Uint8Array>();
  return { writable: pass.writable, readable: guardGroupStream(pass.readable, opts) };
}

/**
 * The GROUP stream grammar, fed piece by piece: `u8 type=0`, a length-prefixed header (at most
 * {@link MAX_GROUP_HEADER} bytes), then frames `varint length || bytes`. {@link feed} hands on what
 * may pass (see {@link guardGroupStream} for what it joins) or returns the violation.
 */
class GroupStreamParser {
  // phase: 0 type byte, 1 header length varint, 2 header bytes, 3 frame length varint, 4 frame bytes
  #phase = 0;
  #skip = 0;
  // The group header (subscribe id, group seq), kept only when a per-seq limit needs the seq.
  readonly #header: number[] = [];
  #limit: number;
  readonly #v: Varint = { need: 0, have: 0, value: 0 };
  // The pieces of a frame body that continues past the piece it started in.
  #body: Uint8Array[] = [];
  #bodyBytes = 0;

  constructor(private readonly opts: GroupGuardOptions) {
    this.#limit = opts.maxFrameBytes;
  }

  #fail(kind: "frame-too-large" | "bad-group-stream", announced?: number): StreamError {
    this.opts.onViolation?.(kind);
    const code = kind === "frame-too-large" ? ResetCode.frameTooLarge : ResetCode.tooLarge;
    const err = new StreamError(code, kind);
    // The length the peer announced, for the reader's report (see {@link announcedFrameBytes}).
    if (announced !== undefined) (err as StreamError & { [ANNOUNCED]?: number })[ANNOUNCED] = announced;
    return err;
  }

  /** Parses `chunk`, handing on what may pass; returns the violation, if any (then stop feeding). */
  feed(chunk: Uint8Array, out: (piece: Uint8Array | ArrayBuffer) => void): StreamError | undefined {
    const opts = this.opts;
    let i = 0;
    // chunk[from, i) is handed on as it is; frame bodies that span chunks are gathered instead.
    let from = 0;
    while (i < chunk.length) {
      const phase = this.#phase;
      if (phase === 4 && (this.#bodyBytes > 0 || this.#skip > chunk.length - i)) {
        if (i > from) out(chunk.subarray(from, i));
        const n = Math.min(this.#skip, chunk.length - i);
        this.#body.push(chunk.subarray(i, i + n));
        this.#bodyBytes += n;
        this.#skip -= n;
        i += n;
        from = i;
        if (this.#skip === 0) {
          out(joinPieces(this.#body, this.#bodyBytes, this.opts.framePool));
          this.#body = [];
          this.#bodyBytes = 0;
          this.#phase = 3;
        }
        continue;
      }
      if (phase === 2 || phase === 4) {
        const n = Math.min(this.#skip, chunk.length - i);
        if (phase === 2 && opts.frameLimit) for (let k = 0; k < n; k++) this.#header.push(chunk[i + k]!);
        this.#skip -= n;
        i += n;
        if (this.#skip === 0) {
          if (phase === 2 && opts.frameLimit) {
            const seq = groupSeqOf(this.#header);
            if (seq === undefined) return this.#fail("bad-group-stream");
            this.#limit = Math.min(opts.maxFrameBytes, Math.max(0, opts.frameLimit(seq)));
          }
          this.#phase = 3;
        }
        continue;
      }
      const byte = chunk[i++]!;
      if (phase === 0) {
        if (byte !== 0) return this.#fail("bad-group-stream");
        this.#phase = 1;
        continue;
      }
      const v = this.#v;
      if (!feedVarint(v, byte)) continue;
      const value = v.value;
      v.need = 0;
      if (phase === 1) {
        if (value > MAX_GROUP_HEADER || (value === 0 && opts.frameLimit)) return this.#fail("bad-group-stream");
        this.#skip = value;
        this.#phase = value === 0 ? 3 : 2;
      } else {
        if (value > this.#limit) return this.#fail("frame-too-large", value);
        this.#skip = value;
        this.#phase = value === 0 ? 3 : 4;
      }
    }
    if (from < chunk.length) out(from === 0 ? chunk : chunk.subarray(from));
    return undefined;
  }

  /**
   * The stream ended: what is left to hand on. Inside a frame, the part that arrived, so the
   * reader fails the frame as "unexpected end of stream", exactly as without the gathering.
   */
  end(): Uint8Array | ArrayBuffer | undefined {
    return this.#bodyBytes > 0 ? joinPieces(this.#body, this.#bodyBytes, this.opts.framePool) : undefined;
  }
}

/**
 * `pieces` (`total` bytes in all) as one buffer, each byte copied once: a lone piece as it is (a
 * view the transport handed us), several joined into an `ArrayBuffer` that nothing else holds:
 * fresh, or lent by `pool` (every byte of it is overwritten here, so nothing of an earlier frame
 * it held shows through).
 */
function joinPieces(pieces: Uint8Array[], total: number, pool: FramePool | undefined): Uint8Array | ArrayBuffer {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(pool ? pool.lend(total) : new ArrayBuffer(total));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}

const ANNOUNCED = Symbol("announcedFrameBytes");

/** The frame length a peer announced, on an error raised by {@link groupGuard} for a frame too large. */
export function announcedFrameBytes(err: unknown): number | undefined {
  const v = (err as { [ANNOUNCED]?: unknown } | null)?.[ANNOUNCED];
  return typeof v === "number" ? v : undefined;
}

/** The group seq in a moq-lite GROUP header (varint subscribe id, varint seq), or undefined if malformed. */
function groupSeqOf(header: number[]): number | undefined {
  const v: Varint = { need: 0, have: 0, value: 0 };
  let field = 0;
  for (let i = 0; i < header.length; i++) {
    if (!feedVarint(v, header[i]!)) continue;
    if (field === 1) return Number.isSafeInteger(v.value) ? v.value : undefined;
    field++;
    v.need = 0;
  }
  return undefined;
}

/** Wraps an outgoing stream so large chunks are visible in `inflight` until qmux accepts them. */
function trackWrites(inner: WritableStream<Uint8Array>, inflight: Set<Uint8Array>): WritableStream<Uint8Array> {
  const w = inner.getWriter();
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      const big = chunk.byteLength >= TRACK_CHUNK_MIN;
      if (big) inflight.add(chunk);
      try {
        await w.write(chunk);
      } finally {
        if (big) inflight.delete(chunk);
      }
    },
    close() {
      return w.close();
    },
    abort(reason) {
      return w.abort(reason);
    },
  });
}
