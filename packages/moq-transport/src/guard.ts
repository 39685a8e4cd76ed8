import { StreamError } from "@moq/qmux";
import { ResetCode } from "./errors.js";

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
        c.enqueue(stream.pipeThrough(groupGuard(opts)));
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
 * Validates a moq-lite GROUP stream as it flows, erroring it on the first violation.
 *
 * It also hands a frame body that spans several transport pieces (qmux delivers ~16 KiB at a time)
 * on as ONE buffer, joined once when the frame is complete. `@moq/lite` 0.2.2's Reader re-copies
 * everything it has buffered on every piece it reads, so a frame of n pieces cost ~n²/2 piece
 * copies (a 2 MiB object ~135 MB of memcpy, 32 MiB ~19 s). The repo patches that Reader
 * (patches/@moq__lite@0.2.2.patch), but a pnpm patch reaches only this workspace: an application
 * installing `@ec/moq-transport` from npm gets `@moq/lite` as published. Gathering here gives every
 * session dialed through this package a linear receive path with either Reader. The memory held is
 * the same: the Reader needs the whole frame before it returns it, and the frame limit above bounds it.
 */
export function groupGuard(opts: Pick<GuardOptions, "maxFrameBytes" | "frameLimit" | "onViolation">): TransformStream<Uint8Array, Uint8Array> {
  // phase: 0 type byte, 1 header length varint, 2 header bytes, 3 frame length varint, 4 frame bytes
  let phase = 0;
  let skip = 0;
  // The group header (subscribe id, group seq), kept only when a per-seq limit needs the seq.
  const header: number[] = [];
  let limit = opts.maxFrameBytes;
  const v: Varint = { need: 0, have: 0, value: 0 };
  const fail = (c: TransformStreamDefaultController<Uint8Array>, kind: "frame-too-large" | "bad-group-stream", announced?: number) => {
    opts.onViolation?.(kind);
    const code = kind === "frame-too-large" ? ResetCode.frameTooLarge : ResetCode.tooLarge;
    const err = new StreamError(code, kind);
    // The length the peer announced, for the reader's report (see {@link announcedFrameBytes}).
    if (announced !== undefined) (err as StreamError & { [ANNOUNCED]?: number })[ANNOUNCED] = announced;
    c.error(err);
  };
  // The pieces of a frame body that continues past the chunk it started in (see the comment on
  // {@link groupGuard}); enqueued as one buffer when the frame is complete.
  let body: Uint8Array[] = [];
  let bodyBytes = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      let i = 0;
      // chunk[from, i) is handed on as it is; frame bodies that span chunks are gathered instead.
      let from = 0;
      while (i < chunk.length) {
        if (phase === 4 && (bodyBytes > 0 || skip > chunk.length - i)) {
          if (i > from) c.enqueue(chunk.subarray(from, i));
          const n = Math.min(skip, chunk.length - i);
          body.push(chunk.subarray(i, i + n));
          bodyBytes += n;
          skip -= n;
          i += n;
          from = i;
          if (skip === 0) {
            c.enqueue(joinPieces(body, bodyBytes));
            body = [];
            bodyBytes = 0;
            phase = 3;
          }
          continue;
        }
        if (phase === 2 || phase === 4) {
          const n = Math.min(skip, chunk.length - i);
          if (phase === 2 && opts.frameLimit) for (let k = 0; k < n; k++) header.push(chunk[i + k]!);
          skip -= n;
          i += n;
          if (skip === 0) {
            if (phase === 2 && opts.frameLimit) {
              const seq = groupSeqOf(header);
              if (seq === undefined) return fail(c, "bad-group-stream");
              limit = Math.min(opts.maxFrameBytes, Math.max(0, opts.frameLimit(seq)));
            }
            phase = 3;
          }
          continue;
        }
        const byte = chunk[i++]!;
        if (phase === 0) {
          if (byte !== 0) return fail(c, "bad-group-stream");
          phase = 1;
          continue;
        }
        if (!feedVarint(v, byte)) continue;
        const value = v.value;
        v.need = 0;
        if (phase === 1) {
          if (value > MAX_GROUP_HEADER || (value === 0 && opts.frameLimit)) return fail(c, "bad-group-stream");
          skip = value;
          phase = value === 0 ? 3 : 2;
        } else {
          if (value > limit) return fail(c, "frame-too-large", value);
          skip = value;
          phase = value === 0 ? 3 : 4;
        }
      }
      if (from < chunk.length) c.enqueue(from === 0 ? chunk : chunk.subarray(from));
    },
    flush(c) {
      // The stream ended inside a frame: hand on what arrived, so the reader fails the frame as
      // "unexpected end of stream", exactly as without the gathering.
      if (bodyBytes > 0) c.enqueue(joinPieces(body, bodyBytes));
    },
  });
}

/** One buffer holding `pieces` (`total` bytes in all): each byte copied once. */
function joinPieces(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
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
