import { allowManyListeners } from "./listeners.js";
import { Path } from "@moq/lite";
import type { Dialed, Dialer } from "./dialer.js";
import type { FramePool } from "./frame-pool.js";
import { announcedFrameBytes } from "./guard.js";
import { type EndpointAddr, formatEndpointAddr, parseEndpointAddr } from "./endpoint.js";
import { Aborted, backoffDelay, sleep } from "./backoff.js";
import { ResetCode, TransportError, type TransportErrorCode } from "./errors.js";
import { isValidPublicKey } from "./identity.js";
import { assertSeq, assertStreamId, broadcastPath, type TrackName, wireTrackName } from "./names.js";
import { MAX_FRAME_BYTES } from "@ec/stream-rules";
import { followAbort } from "./abort-link.js";

/** One group received: its sequence number and its frame. */
export interface TrackItem {
  seq: number;
  bytes: Uint8Array;
}

/**
 * Lifecycle events of a subscription, for logs, status displays and failover decisions. A
 * discriminated union on `type`: match on `type` (and its typed fields), never on `detail` text.
 *
 * - `restarted`: after a reconnect the peer's newest group is behind (or, at the same seq, differs
 *   from) the last one delivered, so the peer started a new sequence space (it restarted). The
 *   iteration forgets what it delivered and continues with the peer's whole window, so the next
 *   seqs yielded can be lower than earlier ones.
 * - `dial-failed`: one connection attempt failed (`code` says how); the subscription backs off and
 *   retries unless `maxAttempts` is reached.
 * - `group`: a group's header arrived and its frame is being read (seq not yet deduplicated). A
 *   watchdog uses it to tell "no group at all" from "a frame that never completes".
 * - `frame-refused`: the peer announced a frame of `bytes` (when known), longer than `limit`, for
 *   group `seq`; it was refused at its length prefix, unread. The session and the subscription stay up.
 */
export type SubscribeEvent =
  | (SubscribeEventBase & { type: "connected" | "disconnected" | "reconnecting" | "auth-failed" | "error" | "restarted" })
  | (SubscribeEventBase & { type: "dial-failed"; code: TransportErrorCode })
  | (SubscribeEventBase & { type: "group"; seq: number })
  | (SubscribeEventBase & { type: "frame-refused"; seq: number; limit: number; bytes?: number });

interface SubscribeEventBase {
  /** The peer, as an EndpointAddr string. */
  remote: string;
  /** One line of detail, for people; never contains key material. */
  detail?: string;
}

/** Distributes `Omit` over a union (plain `Omit` would merge the variants). */
type EventBody<E> = E extends unknown ? Omit<E, "remote"> : never;

/** Options of {@link subscribeTrack}. */
export interface SubscribeOptions {
  /** The peer: an EndpointAddr string or object. */
  remote: string | EndpointAddr;
  /** Accept a bare `host:port` remote (no identity check). */
  allowInsecure?: boolean;
  streamId: string;
  track: TrackName;
  /** Deliver only seq >= fromSeq, asking the peer for groups still in its window. Default: live edge. */
  fromSeq?: number;
  /** Ends the iteration (without throwing) when aborted. */
  signal?: AbortSignal;
  /** Backoff between attempts: doubles from minDelayMs (100) to maxDelayMs (5000); maxAttempts consecutive failures (Infinity) before giving up. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** Largest frame accepted from the peer (default MAX_FRAME_BYTES of @ec/stream-rules); bigger ones reset the group stream unread. */
  maxFrameBytes?: number;
  /**
   * A tighter limit per group seq (e.g. the size a verified manifest vouches for), asked when the
   * frame's length prefix arrives; the effective limit is the smaller of this and `maxFrameBytes`.
   */
  maxFrameBytesFor?: (seq: number) => number;
  /**
   * Read deadline per frame: a group whose frame is not complete this long after its header
   * arrived ends the subscription with TransportError `timeout` (a peer that stalls mid-object).
   * Default: none.
   */
  frameTimeoutMs?: number;
  /** Deadline of one connection attempt: TCP, WebSocket upgrade, qmux and moq SETUP (default 10 s). */
  dialTimeoutMs?: number;
  /**
   * Certificate authorities (PEM) trusted for a TLS peer (`ecmoqs://`) instead of Node's default store
   * (bundled CAs plus `NODE_EXTRA_CA_CERTS`). Unused for a peer without TLS.
   */
  tlsCa?: string | string[];
  /**
   * Groups buffered ahead of the consumer (default 32). moq-lite reads groups eagerly; when the
   * consumer falls this far behind, the subscription is paused (unsubscribed) and resumed from the last
   * delivered seq once the buffer drains, so memory stays bounded by this many frames.
   */
  maxBufferedGroups?: number;
  /**
   * What is kept of the newest delivered frame, to tell after a reconnect whether the peer is a new
   * run (see `restarted`): default the frame itself. A consumer that reuses or overwrites the
   * frames it is given (e.g. decrypts them in place) passes a function returning a copy of what
   * identifies a frame (for a sealed chunk its version and tag, which bind its stream, epoch, seq
   * and bytes); it is called before the frame is yielded, and its results are compared bytewise.
   */
  frameIdentity?: (frame: Uint8Array) => Uint8Array;
  /**
   * Memory frame bodies are joined into, lent by this pool: the consumer gives a frame's memory
   * back (`framePool.giveBack(frame)`) once done with it, and later frames reuse it. A consumer
   * that does so must also pass a `frameIdentity` that copies. Default: a fresh buffer per frame.
   */
  framePool?: FramePool;
  onEvent?: (e: SubscribeEvent) => void;
}

const SEEN_SPAN = 4096;

/**
 * Subscribes to track `track` of stream `streamId` on peer `remote`.
 *
 * Yields groups in arrival order (ascending for one publisher in practice) and never the same seq
 * twice in one run of the peer: after a dropped session it reconnects with backoff and resubscribes
 * from the last delivered seq + 1. On reconnecting it first looks at the peer's live edge: a peer
 * whose newest group is behind what was delivered (or the same seq with other bytes) has restarted,
 * and the iteration starts over with its window (a `restarted` event says so) instead of waiting,
 * perhaps forever, for seqs of the old run. Ends without throwing when `signal` aborts or the
 * consumer stops iterating.
 *
 * @throws TransportError `bad-endpoint` / `bad-stream-id` / `bad-argument` at once for bad options;
 *   `auth-failed` as soon as the peer's identity does not match (never retried); `not-served` when the
 *   peer serves the stream but not this track; `unreachable` after `maxAttempts` consecutive failures.
 */
export function subscribeTrackVia(dial: Dialer, opts: SubscribeOptions): AsyncIterable<TrackItem> {
  const addr = typeof opts.remote === "string" ? parseEndpointAddr(opts.remote, { allowInsecure: opts.allowInsecure }) : checkAddr(opts.remote, opts.allowInsecure);
  assertStreamId(opts.streamId);
  if (opts.track !== "manifests" && opts.track !== "chunks") throw new TransportError("bad-argument", `unknown track ${String(opts.track).slice(0, 20)}`);
  if (opts.fromSeq !== undefined) assertSeq(opts.fromSeq);
  return run(dial, addr, opts);
}

function checkAddr(addr: EndpointAddr, allowInsecure?: boolean): EndpointAddr {
  // Re-validate an object built by hand with the same rules as the text form.
  if (!addr.insecure && !(addr.publicKey instanceof Uint8Array && isValidPublicKey(addr.publicKey))) {
    throw new TransportError("bad-endpoint", "bad endpoint: secure address needs a valid 32-byte Ed25519 public key");
  }
  const parsed = parseEndpointAddr(formatEndpointAddr(addr), { allowInsecure });
  return parsed;
}

async function* run(dial: Dialer, addr: EndpointAddr, o: SubscribeOptions): AsyncGenerator<TrackItem> {
  // Many subscriptions may share the caller's signal: they share one listener on it too
  // (abort-link.ts); every internal wait listens on our own signal instead.
  const inner = new AbortController();
  allowManyListeners(inner.signal);
  const unlink = followAbort(o.signal, inner);
  try {
    yield* runInner(dial, addr, o, inner.signal);
  } finally {
    unlink();
    inner.abort();
  }
}

async function* runInner(dial: Dialer, addr: EndpointAddr, o: SubscribeOptions, signal: AbortSignal): AsyncGenerator<TrackItem> {
  const remote = formatEndpointAddr(addr);
  const send = (e: EventBody<SubscribeEvent>) => {
    try {
      o.onEvent?.({ ...e, remote } as SubscribeEvent);
    } catch {
      /* a throwing listener must not break the subscription */
    }
  };
  const emit = (type: "connected" | "disconnected" | "reconnecting" | "auth-failed" | "error" | "restarted", detail?: string) =>
    send({ type, ...(detail === undefined ? {} : { detail }) });
  const minDelay = Math.max(1, o.reconnect?.minDelayMs ?? 100);
  const maxDelay = Math.max(minDelay, o.reconnect?.maxDelayMs ?? 5000);
  const maxAttempts = o.reconnect?.maxAttempts ?? Infinity;
  const maxFrameBytes = o.maxFrameBytes ?? MAX_FRAME_BYTES;
  const limitFor = (seq: number): number => {
    if (!o.maxFrameBytesFor) return maxFrameBytes;
    const l = o.maxFrameBytesFor(seq);
    return Number.isFinite(l) && l >= 0 ? Math.min(l, maxFrameBytes) : maxFrameBytes;
  };
  const maxBuffered = Math.max(1, o.maxBufferedGroups ?? 32);
  const path = Path.from(broadcastPath(o.streamId));

  // Dedupe: the highest seq delivered, and every seq delivered within SEEN_SPAN below it.
  let last = -1;
  // What identifies the newest delivered frame (see SubscribeOptions.frameIdentity).
  let lastFrame: Uint8Array | undefined;
  const identity = o.frameIdentity ?? ((frame: Uint8Array) => frame);
  let floor = o.fromSeq;
  const seen = new Set<number>();
  const fresh = (seq: number): boolean => {
    if (floor !== undefined && seq < floor) return false;
    if (seen.has(seq) || seq < last - SEEN_SPAN) return false;
    seen.add(seq);
    if (seq > last) last = seq;
    if (seen.size > 2 * SEEN_SPAN) for (const s of seen) if (s < last - SEEN_SPAN) seen.delete(s);
    return true;
  };

  let failures = 0;
  const backoff = async (why: string): Promise<void> => {
    failures++;
    if (failures >= maxAttempts) throw new TransportError("unreachable", `gave up on ${addr.host}:${addr.port} after ${failures} attempts: ${why}`);
    const delay = backoffDelay(failures, { minMs: minDelay, maxMs: maxDelay });
    emit("reconnecting", `in ${delay} ms`);
    await sleep(delay, signal);
  };

  try {
    while (!signal.aborted) {
      let d: Dialed;
      try {
        d = await dial(addr, {
          signal,
          maxFrameBytes,
          frameLimit: o.maxFrameBytesFor ? limitFor : undefined,
          timeoutMs: o.dialTimeoutMs,
          tlsCa: o.tlsCa,
          ...(o.framePool ? { framePool: o.framePool } : {}),
        });
      } catch (err) {
        if (signal.aborted) return;
        const e = err as TransportError;
        if (e.code === "auth-failed") {
          emit("auth-failed", e.message);
          throw e;
        }
        send({ type: "dial-failed", code: e.code ?? "unreachable", detail: e.message });
        await backoff(e.message);
        continue;
      }
      emit("connected");
      let why = "session ended";
      try {
        const broadcast = d.conn.consume(path);
        if (last >= 0 && (await peerRestarted(broadcast, o.track, last, lastFrame, identity, signal))) {
          // A new run of the peer: its seqs start over. Forget the old run and take its window.
          emit("restarted", `newest group is behind seq ${last} delivered before`);
          last = -1;
          lastFrame = undefined;
          seen.clear();
          floor = 0;
        }
        // moq-lite closes tracks when the session ends, but a subscription started on a session
        // that is already gone would wait forever: track the session's end once, here.
        let dead = false;
        let current: { close(): void } | undefined;
        void d.closed.then(() => {
          dead = true;
          current?.close();
        });
        // Resubscribe on the same session whenever a subscription ends cleanly: after a backpressure
        // pause, or because the node ended it (nodes end each subscription after 64 groups, see
        // node.ts ROTATE_GROUPS). A stream that is gone fails the next SUBSCRIBE ("not found"), which
        // lands in the catch below and reconnects. Empty rounds back off so that cannot spin.
        let idle = 0;
        for (;;) {
          if (idle > 0) await sleep(Math.min(minDelay * 2 ** (idle - 1), maxDelay), signal);
          let delivered = 0;
          if (dead) break;
          const from = last >= 0 ? last + 1 : floor;
          const track = broadcast.subscribe(wireTrackName(o.track, from), 0);
          current = track;
          let paused = false;
          const unwatch = track.state.groups.subscribe((groups) => {
            if (!paused && groups.length > maxBuffered) {
              paused = true;
              track.close();
            }
          });
          try {
            for (;;) {
              const g = await abortable(track.recvGroup(), signal);
              if (!g) break;
              send({ type: "group", seq: g.sequence });
              let frame: Uint8Array | undefined;
              try {
                frame = await abortable(o.frameTimeoutMs ? withDeadline(g.readFrame(), o.frameTimeoutMs, g.sequence) : g.readFrame(), signal);
              } catch (err) {
                if (err instanceof Aborted) throw err;
                if (err instanceof TransportError && err.code === "timeout") {
                  g.close();
                  throw err;
                }
                // One bad group (reset by the peer, or over maxFrameBytes and cut by the guard)
                // costs that group only; the session and the subscription stay up.
                g.close();
                const code = (err as { streamErrorCode?: unknown })?.streamErrorCode;
                if (code === ResetCode.frameTooLarge) {
                  const limit = limitFor(g.sequence);
                  const bytes = announcedFrameBytes(err);
                  send({ type: "frame-refused", seq: g.sequence, limit, ...(bytes === undefined ? {} : { bytes }), detail: `group ${g.sequence}: frame over ${limit} bytes refused` });
                } else emit("error", `group ${g.sequence} lost: ${oneLine(err)}`);
                continue;
              }
              g.close();
              if (!frame || !fresh(g.sequence)) continue;
              failures = 0;
              delivered++;
              if (g.sequence === last) lastFrame = identity(frame);
              yield { seq: g.sequence, bytes: frame };
            }
          } finally {
            unwatch();
            track.close();
          }
          idle = delivered === 0 && !paused ? idle + 1 : 0;
        }
      } catch (err) {
        if (err instanceof Aborted || signal.aborted) return;
        if (err instanceof TransportError) throw err;
        const code = (err as { streamErrorCode?: unknown })?.streamErrorCode;
        if (code === ResetCode.notServed) {
          emit("error", "track not served");
          throw new TransportError("not-served", `${addr.host}:${addr.port} does not serve track ${o.track} of stream ${o.streamId}`);
        }
        why = code === ResetCode.limit ? "peer refused: subscription limit" : oneLine(err);
        emit("error", why);
      } finally {
        d.close();
      }
      if (signal.aborted) return;
      emit("disconnected", why);
      await backoff(why);
    }
  } catch (err) {
    if (err instanceof Aborted) return;
    throw err;
  }
}

/**
 * Whether the peer behind `broadcast` is a new run: its live edge (the newest group it holds, or
 * the first it publishes) is below `last`, or is `last` with other bytes. A node never goes back
 * within one run (its store refuses seqs at or below what it evicted), so either means a restart.
 */
async function peerRestarted(
  broadcast: { subscribe(name: string, priority: number): { recvGroup(): Promise<{ sequence: number; readFrame(): Promise<Uint8Array | undefined>; close(): void } | undefined>; close(): void } },
  track: TrackName,
  last: number,
  lastFrame: Uint8Array | undefined,
  identity: (frame: Uint8Array) => Uint8Array,
  signal: AbortSignal,
): Promise<boolean> {
  const probe = broadcast.subscribe(wireTrackName(track, undefined), 0);
  try {
    const g = await abortable(probe.recvGroup(), signal);
    if (!g) return false;
    try {
      if (g.sequence < last) return true;
      if (g.sequence > last || !lastFrame) return false;
      const frame = await abortable(g.readFrame(), signal);
      return frame !== undefined && !sameBytes(identity(frame), lastFrame);
    } finally {
      g.close();
    }
  } finally {
    probe.close();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new Aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** Rejects with TransportError `timeout` if `p` has not settled within `ms`. */
function withDeadline<T>(p: Promise<T>, ms: number, seq: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new TransportError("timeout", `group ${seq}: frame not complete within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

function oneLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/\s+/g, " ").slice(0, 200);
}
