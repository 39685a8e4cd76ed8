/**
 * Chunk objects of one stream from several relays ("object sources"), with deadlines, failover
 * and a junk score.
 *
 * One relay is subscribed at a time, taken from a preference order (the order given). The
 * division of labour: the CONSUMER decides what it needs and whom it trusts (it says where to
 * resume, whether it is waiting for an object that exists, which frame size a seq may have, which
 * peer served an accepted object and which served junk); the SOURCES own the deadlines, the
 * failover and the retry timing.
 *
 * A peer leaves the active slot for one of two kinds of reason:
 * - **liveness** (`failed` event): unreachable, no WebSocket upgrade within `dialMs`, no group within
 *   `groupMs` while the consumer waits, a frame not complete within `frameMs`, no accepted
 *   object within `progressMs` while the consumer waits, or a disconnect while another peer is
 *   usable. It is retried later, after a jittered backoff that grows with its consecutive failures.
 * - **junk** (`penalize`): demoted to the back of the order at once (and left if another peer is
 *   usable), dropped for good after `dropAfter` rejected objects. A failed identity check drops it.
 *
 * Every (re)subscription starts at the consumer's `resumeFrom()`, so a failover neither skips nor
 * repeats a seq the consumer still needs (the consumer still deduplicates what it already has).
 */
import { parseEndpointAddr } from "./endpoint.js";
import { TransportError, type TransportErrorCode } from "./errors.js";
import { type BackoffPolicy, backoffDelay, pause } from "./backoff.js";
import { type Logger, silentLogger } from "./log.js";
import type { Dialer } from "./dialer.js";
import type { FramePool } from "./frame-pool.js";
import { type SubscribeEvent, subscribeTrackVia } from "./subscribe.js";
import { MAX_FRAME_BYTES } from "@ec/stream-rules";

/** One object delivered to the consumer, with the peer it came from. */
export interface SourceObject {
  seq: number;
  bytes: Uint8Array;
  peer: string;
}

/** Why a peer failed a liveness check (it will be retried after a backoff). */
export type LivenessReason =
  /** The connection was refused or failed (`code` of the dial failure in `detail`). */
  | "unreachable"
  /** TCP (perhaps) accepted, but no complete WebSocket/qmux/moq handshake within `dialMs`. */
  | "dial-timeout"
  /** The consumer waits and no group arrived within `groupMs` (of subscribing, the start of the wait, or the last group). */
  | "no-group"
  /** A group's frame was not complete within `frameMs` of its header. */
  | "frame-stalled"
  /** Groups may arrive, but nothing the consumer accepted within `progressMs` while it waits. */
  | "no-progress"
  /** The session ended while another peer was usable. */
  | "disconnected"
  /** The peer does not serve the chunks track of this stream. */
  | "not-served";

/** Why a peer was dropped for good. */
export type DropReason = "junk" | "auth-failed";

/** How {@link ObjectSources.penalize} judged a peer. */
export type Verdict = "demoted" | "dropped" | "already-dropped";

/** What happened to a peer. A discriminated union on `type`: match on it, never on `detail`. */
export type SourceEvent<R extends string = string> =
  | { type: "subscribing"; peer: string; fromSeq: number | undefined }
  | { type: "connected"; peer: string }
  /** The session ended (the sources fail over if another peer is usable, else it reconnects). */
  | { type: "disconnected"; peer: string; detail: string }
  /** The sources stopped using this peer (failover, demotion, restart); not a disconnect by the peer. */
  | { type: "left"; peer: string }
  /** A liveness failure: left now, retried after `retryInMs` (or later, if another peer works). */
  | { type: "failed"; peer: string; reason: LivenessReason; detail: string; retryInMs: number }
  /** Served junk (`reason` is the consumer's), `count` of `dropAfter`; moved to the back of the order. */
  | { type: "demoted"; peer: string; reason: R; count: number; dropAfter: number; detail: string }
  | { type: "dropped"; peer: string; reason: DropReason; detail: string }
  /** The peer's sequence space started over (it restarted); resubscribed after a pause. */
  | { type: "restarted"; peer: string }
  /** A frame announced as `bytes` (when known), bigger than `limit` (`maxFrameBytesFor(seq)`), was refused at its length prefix. */
  | { type: "frame-refused"; peer: string; seq: number; limit: number; bytes?: number };

/**
 * The deadlines, in milliseconds. Defaults are multiples of the chunk duration (see
 * {@link DEFAULT_DEADLINE_CHUNKS}), never below {@link MIN_DEADLINE_MS}.
 */
export interface SourceDeadlines {
  /** One connection attempt: TCP + WebSocket upgrade + qmux + moq SETUP. Default 1 chunk. */
  dialMs: number;
  /**
   * While the consumer is waiting: from subscribing, the start of the wait or the last group, to
   * the next group (a relay that accepted the subscription but sends nothing, or froze). Default 1 chunk.
   */
  groupMs: number;
  /** From a group's header to its complete frame. Default 1 chunk. */
  frameMs: number;
  /** With the consumer waiting, from the last accepted object (or the start of the wait) to the next. Default 1.5 chunks. */
  progressMs: number;
}

/** Default deadlines, in chunk durations. */
export const DEFAULT_DEADLINE_CHUNKS: Readonly<SourceDeadlines> = { dialMs: 1, groupMs: 1, frameMs: 1, progressMs: 1.5 };
/** No default deadline is shorter than this (a very short chunk must not make loopback jitter fatal). */
export const MIN_DEADLINE_MS = 500;
/** Default retry backoff of a peer that failed for liveness: 500 ms doubling to 8 s, +0–25 % jitter. */
export const DEFAULT_RETRY: Readonly<BackoffPolicy> = { minMs: 500, maxMs: 8000, jitter: 0.25 };

/** The deadlines for a chunk duration, with `overrides` taking precedence. */
export function sourceDeadlines(chunkMs: number, overrides: Partial<SourceDeadlines> = {}): SourceDeadlines {
  const d = {} as SourceDeadlines;
  for (const k of Object.keys(DEFAULT_DEADLINE_CHUNKS) as Array<keyof SourceDeadlines>) {
    d[k] = overrides[k] ?? Math.max(MIN_DEADLINE_MS, Math.round(DEFAULT_DEADLINE_CHUNKS[k] * chunkMs));
  }
  return d;
}

export interface ObjectSourcesOptions<R extends string = string> {
  /** Object peers (EndpointAddr strings), in order of preference. */
  peers: string[];
  allowInsecure?: boolean;
  streamId: string;
  signal: AbortSignal;
  log?: Logger;
  /** Where to (re)subscribe: the first seq the consumer still needs; undefined = the peer's live edge. */
  resumeFrom: () => number | undefined;
  /**
   * Whether the consumer is waiting for an object that exists (a verified manifest lists a seq at
   * or after `resumeFrom()` that it has not accepted). The `groupMs` and `progressMs`
   * deadlines run only while this holds: at the live edge, silence is normal.
   */
  waiting: () => boolean;
  /** The chunk duration in ms (e.g. from the first manifest), read whenever deadlines are computed. Default 2000. */
  chunkMs?: () => number | undefined;
  /** Explicit deadlines (ms); unset ones follow the chunk duration. */
  deadlines?: Partial<SourceDeadlines>;
  /** Largest frame taken from any peer (default MAX_FRAME_BYTES of @ec/stream-rules). */
  maxFrameBytes?: number;
  /** A tighter limit per seq (e.g. the size a verified manifest vouches for); bigger frames are refused unread. */
  maxFrameBytesFor?: (seq: number) => number;
  /** Rejected objects from one peer before it is dropped (default 3). */
  dropAfter?: number;
  /** What is kept of the newest object for restart detection; as `frameIdentity` of `subscribeTrack` (for a consumer that overwrites the objects it is given). */
  frameIdentity?: (frame: Uint8Array) => Uint8Array;
  /** Memory objects are received into; as `framePool` of `subscribeTrack` (the consumer gives each object's memory back). */
  framePool?: FramePool;
  /** Backoff of a peer that failed for liveness (default {@link DEFAULT_RETRY}). */
  retry?: BackoffPolicy;
  /** Pause before resubscribing a peer that restarted (default 3000 ms; cut short by `restart()`). */
  restartPauseMs?: number;
  onObject: (obj: SourceObject) => void;
  onEvent: (e: SourceEvent<R>) => void;
}

/** The active subscription and what the watchdog knows about it. */
interface Attempt {
  peer: string;
  ctl: AbortController;
  startedAt: number;
  connected: boolean;
  /** When the last group header arrived on this attempt. */
  lastGroupAt: number | undefined;
  /** Start of the current "consumer waiting, nothing accepted" span, or undefined while not waiting. */
  waitSince: number | undefined;
  failure?: { reason: LivenessReason; detail: string };
}

/**
 * The sources over a given {@link Dialer}. Each entry point exports it as `ObjectSources`, bound
 * to its own dialer (ws in Node, the native WebSocket in browsers).
 */
export class ObjectSourcesVia<R extends string = string> {
  /** Preference order; junk moves a peer to the back. */
  private readonly order: string[];
  private readonly dropped = new Map<string, string>();
  private readonly junk = new Map<string, number>();
  /** Consecutive liveness failures, and when the peer may be tried again. */
  private readonly failures = new Map<string, number>();
  private readonly retryAt = new Map<string, number>();
  private readonly dropAfter: number;
  private readonly log: Logger;
  private attempt: Attempt | undefined;
  private wake = new AbortController();

  /** @throws TransportError `bad-argument` (no peer), `bad-endpoint` (a malformed or, without `allowInsecure`, plain address). */
  constructor(
    private readonly opts: ObjectSourcesOptions<R>,
    private readonly dial: Dialer,
  ) {
    this.order = [...new Set(opts.peers)];
    if (this.order.length === 0) throw new TransportError("bad-argument", "no object peer given");
    // A malformed address is the caller's mistake, not a peer to retry: refuse it now.
    for (const p of this.order) parseEndpointAddr(p, { allowInsecure: opts.allowInsecure });
    this.dropAfter = Math.max(1, opts.dropAfter ?? 3);
    this.log = opts.log ?? silentLogger;
  }

  /** The relay currently subscribed to. */
  get activePeer(): string | undefined {
    return this.attempt?.peer;
  }

  /** Peers not dropped, in the order they would be tried (cooling-down peers included). */
  get preference(): readonly string[] {
    return this.order.filter((p) => !this.dropped.has(p));
  }

  /** The deadlines in force now (they follow the chunk duration). */
  get deadlines(): SourceDeadlines {
    return sourceDeadlines(this.opts.chunkMs?.() ?? 2000, this.opts.deadlines);
  }

  /** The consumer accepted an object from `peer`: the peer is live and making progress. */
  progress(peer: string): void {
    this.failures.delete(peer);
    this.retryAt.delete(peer);
    const a = this.attempt;
    if (a && a.peer === peer && a.waitSince !== undefined) a.waitSince = Date.now();
  }

  /**
   * Scores one rejected object against `peer`: demoted (to the back, failing over if another
   * peer is usable) until it reaches `dropAfter` rejections, then dropped for good.
   */
  penalize(peer: string, reason: R): Verdict {
    if (this.dropped.has(peer)) return "already-dropped";
    const n = (this.junk.get(peer) ?? 0) + 1;
    this.junk.set(peer, n);
    if (n >= this.dropAfter) {
      this.drop(peer, "junk", `served ${n} rejected objects (last: ${reason})`);
      return "dropped";
    }
    this.demote(peer, reason, `served a rejected object (${reason}); ${n} of ${this.dropAfter} before it is dropped`, n);
    return "demoted";
  }

  /** Moves `peer` to the back of the order; leaves it now if it is active and another peer is usable. */
  demote(peer: string, reason: R, detail: string = reason, count = this.junk.get(peer) ?? 0): void {
    const i = this.order.indexOf(peer);
    if (i < 0 || this.dropped.has(peer)) return;
    this.order.splice(i, 1);
    this.order.push(peer);
    this.emit({ type: "demoted", peer, reason, count, dropAfter: this.dropAfter, detail });
    if (this.attempt?.peer === peer && this.preference.length > 1) this.leave(`demoted: ${detail}`);
  }

  /** Stops using `peer` for good; fails over if it was active. */
  drop(peer: string, reason: DropReason, detail: string): void {
    if (this.dropped.has(peer)) return;
    this.dropped.set(peer, detail);
    this.emit({ type: "dropped", peer, reason, detail });
    if (this.attempt?.peer === peer) this.attempt.ctl.abort();
  }

  /** Resubscribes from `resumeFrom()` with a fresh subscription (e.g. after an epoch change). */
  restart(reason: string): void {
    if (this.attempt) {
      this.log.info("objects: resubscribing", { peer: this.attempt.peer, reason });
      this.attempt.ctl.abort();
    }
    this.wake.abort();
  }

  /** Runs until the signal aborts (resolves) or every peer has been dropped (throws). */
  async run(): Promise<void> {
    const { signal } = this.opts;
    while (!signal.aborted) {
      const peer = this.next();
      if (peer === undefined) {
        throw new TransportError("unreachable", `no usable object peer left: ${[...this.dropped].map(([p, why]) => `${p} (${why})`).join("; ")}`);
      }
      if (typeof peer === "number") {
        await this.pauseFor(peer);
        continue;
      }
      const restarted = await this.subscribe(peer);
      if (restarted) await this.pauseFor(this.opts.restartPauseMs ?? 3000);
    }
  }

  /** The peer to try now, or ms to wait until one may be tried, or undefined if none is left. */
  private next(): string | number | undefined {
    const usable = this.preference;
    if (usable.length === 0) return undefined;
    const now = Date.now();
    const ready = usable.find((p) => (this.retryAt.get(p) ?? 0) <= now);
    if (ready !== undefined) return ready;
    return Math.max(1, Math.min(...usable.map((p) => this.retryAt.get(p)!)) - now);
  }

  /** One subscription to `peer`, until it fails, is left, or the run stops. Returns whether the peer restarted. */
  private async subscribe(peer: string): Promise<boolean> {
    const { signal } = this.opts;
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const a: Attempt = { peer, ctl, startedAt: Date.now(), connected: false, lastGroupAt: undefined, waitSince: undefined };
    this.attempt = a;
    let restarted = false;
    const d = this.deadlines;
    const watchdog = setInterval(() => this.check(a), Math.max(20, Math.min(250, Math.round(d.frameMs / 10))));
    try {
      const fromSeq = this.opts.resumeFrom();
      this.log.info("objects: subscribing", { peer, fromSeq });
      this.emit({ type: "subscribing", peer, fromSeq });
      const it = subscribeTrackVia(this.dial, {
        remote: peer,
        allowInsecure: this.opts.allowInsecure,
        streamId: this.opts.streamId,
        track: "chunks",
        fromSeq,
        signal: ctl.signal,
        maxFrameBytes: this.opts.maxFrameBytes ?? MAX_FRAME_BYTES,
        maxFrameBytesFor: this.opts.maxFrameBytesFor,
        ...(this.opts.frameIdentity ? { frameIdentity: this.opts.frameIdentity } : {}),
        ...(this.opts.framePool ? { framePool: this.opts.framePool } : {}),
        dialTimeoutMs: d.dialMs,
        frameTimeoutMs: d.frameMs,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => {
          if (this.onSubscribeEvent(a, e)) restarted = true;
        },
      });
      for await (const { seq, bytes } of it) {
        if (ctl.signal.aborted) break;
        this.opts.onObject({ seq, bytes, peer });
      }
    } catch (err) {
      if (!signal.aborted && !ctl.signal.aborted) {
        const e = err as TransportError;
        if (e instanceof TransportError && e.code === "auth-failed") this.drop(peer, "auth-failed", `identity check failed: ${e.message}`);
        else this.fail(a, reasonOf(e instanceof TransportError ? e.code : undefined), e instanceof Error ? e.message : String(err));
      }
    } finally {
      clearInterval(watchdog);
      signal.removeEventListener("abort", onAbort);
      this.attempt = undefined;
      this.emit({ type: "left", peer });
    }
    if (a.failure) this.cool(peer, a.failure.reason, a.failure.detail);
    else if (!signal.aborted && !ctl.signal.aborted && !restarted) {
      // The subscription ended by itself: count it as a liveness failure so the next peer is tried.
      this.cool(peer, "disconnected", "subscription ended");
    }
    return restarted;
  }

  /** Handles one event of the active subscription; returns true if the peer restarted. */
  private onSubscribeEvent(a: Attempt, e: SubscribeEvent): boolean {
    const peer = a.peer;
    switch (e.type) {
      case "connected":
        a.connected = true;
        a.startedAt = Date.now();
        a.lastGroupAt = undefined;
        this.emit({ type: "connected", peer });
        return false;
      case "disconnected":
        a.connected = false;
        a.startedAt = Date.now();
        this.emit({ type: "disconnected", peer, detail: e.detail ?? "session ended" });
        // With another usable peer, don't wait for this one to come back.
        if (this.preference.length > 1) this.fail(a, "disconnected", e.detail ?? "session ended");
        return false;
      case "dial-failed":
        this.fail(a, e.code === "timeout" ? "dial-timeout" : "unreachable", e.detail ?? e.code);
        return false;
      case "group":
        a.lastGroupAt = Date.now();
        return false;
      case "frame-refused":
        this.emit({ type: "frame-refused", peer, seq: e.seq, limit: e.limit, ...(e.bytes === undefined ? {} : { bytes: e.bytes }) });
        return false;
      case "restarted":
        // Its new objects belong to a new epoch no manifest may vouch for yet: resubscribe later.
        this.emit({ type: "restarted", peer });
        a.ctl.abort();
        return true;
      default:
        return false;
    }
  }

  /** The watchdog: fails the attempt on the first deadline it misses. */
  private check(a: Attempt): void {
    if (a.ctl.signal.aborted) return;
    const d = this.deadlines;
    const now = Date.now();
    if (!a.connected) {
      // subscribeTrack's own dial deadline normally fires first; this also covers its reconnect backoff.
      if (now - a.startedAt > d.dialMs + 250) this.fail(a, "dial-timeout", `not connected within ${d.dialMs} ms`);
      return;
    }
    if (!this.opts.waiting()) {
      a.waitSince = undefined;
      return;
    }
    if (a.waitSince === undefined) a.waitSince = now;
    const since = Math.max(a.waitSince, a.startedAt);
    if (now - Math.max(since, a.lastGroupAt ?? 0) > d.groupMs) {
      this.fail(a, "no-group", `waiting for seq ${this.opts.resumeFrom() ?? "live"}, no group within ${d.groupMs} ms`);
    } else if (now - since > d.progressMs) {
      this.fail(a, "no-progress", `no needed object (from seq ${this.opts.resumeFrom() ?? "live"}) within ${d.progressMs} ms`);
    }
  }

  /** Ends the attempt for a liveness reason; the peer cools down once the subscription is gone. */
  private fail(a: Attempt, reason: LivenessReason, detail: string): void {
    if (a.failure || a.ctl.signal.aborted) return;
    a.failure = { reason, detail };
    this.log.warn("objects: failing over", { from: a.peer, reason, detail });
    a.ctl.abort();
  }

  private cool(peer: string, reason: LivenessReason, detail: string): void {
    const n = (this.failures.get(peer) ?? 0) + 1;
    this.failures.set(peer, n);
    const retryInMs = backoffDelay(n, this.opts.retry ?? DEFAULT_RETRY);
    this.retryAt.set(peer, Date.now() + retryInMs);
    this.emit({ type: "failed", peer, reason, detail, retryInMs });
  }

  private leave(why: string): void {
    const a = this.attempt;
    if (!a) return;
    this.log.warn("objects: failing over", { from: a.peer, reason: why });
    a.ctl.abort();
  }

  /** Waits `ms`, or less if the run stops or {@link restart} is called. */
  private async pauseFor(ms: number): Promise<void> {
    if (this.wake.signal.aborted) this.wake = new AbortController();
    const both = AbortSignal.any([this.opts.signal, this.wake.signal]);
    await pause(ms, both);
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private emit(e: SourceEvent<R>): void {
    try {
      this.opts.onEvent(e);
    } catch (err) {
      this.log.error("objects: event listener threw", { type: e.type, error: (err as Error).message });
    }
  }
}

function reasonOf(code: TransportErrorCode | undefined): LivenessReason {
  if (code === "timeout") return "frame-stalled";
  if (code === "not-served") return "not-served";
  return "unreachable";
}
