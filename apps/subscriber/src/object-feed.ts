/**
 * Objects from one of several relays, with failover and a junk score.
 *
 * One relay is active at a time, taken from a preference order (the `--remote` order to begin
 * with). A relay that disconnects or fails its identity check is left for the next one. A relay
 * that serves junk (an object the manifests refute) is **demoted** at once: it moves to the back
 * of the order and, if another relay is usable, the feed fails over to it. It stays a last resort;
 * if it keeps serving junk it is **dropped** for good after `dropAfter` rejected objects.
 * Every switch resubscribes from the first seq the writer still needs.
 */
import { subscribeTrack, TransportError } from "@ec/moq-transport";
import type { Logger } from "@ec/moq-transport";

export interface FeedObject {
  seq: number;
  bytes: Uint8Array;
  peer: string;
}

/** What happened to a peer, for stats and logs. */
/** `left`: the feed stopped using this peer (failover, demotion); not a disconnect by the peer. */
export type FeedPeerEvent = "connected" | "disconnected" | "left" | "dropped" | "demoted" | "restarted" | "refused-frame";

export interface ObjectFeedOptions {
  remotes: string[];
  allowInsecure: boolean;
  streamId: string;
  signal: AbortSignal;
  log: Logger;
  /** Where to resume when (re)subscribing; undefined = the peer's live edge / window. */
  resumeFrom: () => number | undefined;
  maxFrameBytes?: number;
  /** Rejected objects from one peer before it is dropped (default 3). */
  dropAfter?: number;
  onObject: (obj: FeedObject) => void;
  onPeerEvent: (peer: string, type: FeedPeerEvent, detail?: string) => void;
}

/** How the feed judged a peer after a rejected object. */
export type Verdict = "demoted" | "dropped" | "already-dropped";

export class ObjectFeed {
  /** Preference order; the active peer is `order[0]` while it is being consumed. */
  private readonly order: string[];
  private current: string | undefined;
  private activeCtl: AbortController | undefined;
  private readonly dropped = new Map<string, string>();
  private readonly junk = new Map<string, number>();
  private readonly dropAfter: number;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: ObjectFeedOptions) {
    this.order = [...new Set(opts.remotes)];
    this.dropAfter = Math.max(1, opts.dropAfter ?? 3);
  }

  /** The relay currently subscribed to. */
  get activePeer(): string | undefined {
    return this.current;
  }

  /** Peers not dropped, in the order they would be tried. */
  get preference(): readonly string[] {
    return this.order.filter((p) => !this.dropped.has(p));
  }

  /**
   * Scores one rejected object against `peer`: demoted (to the back, failing over if another
   * peer is usable) until it reaches `dropAfter` rejections, then dropped for good.
   */
  penalize(peer: string, reason: string): Verdict {
    if (this.dropped.has(peer)) return "already-dropped";
    const n = (this.junk.get(peer) ?? 0) + 1;
    this.junk.set(peer, n);
    if (n >= this.dropAfter) {
      this.drop(peer, `served ${n} rejected objects (last: ${reason})`);
      return "dropped";
    }
    this.demote(peer, `served a rejected object (${reason}); ${n} of ${this.dropAfter} before it is dropped`);
    return "demoted";
  }

  /** Moves `peer` to the back of the order; leaves it now if it is active and another peer is usable. */
  demote(peer: string, reason: string): void {
    const i = this.order.indexOf(peer);
    if (i < 0 || this.dropped.has(peer)) return;
    this.order.splice(i, 1);
    this.order.push(peer);
    this.opts.onPeerEvent(peer, "demoted", reason);
    if (this.current === peer && this.preference.length > 1) this.switchAway(`demoted: ${reason}`);
  }

  /** Stops using `peer` for good (junk, bad identity); fails over if it was active. */
  drop(peer: string, reason: string): void {
    if (this.dropped.has(peer)) return;
    this.dropped.set(peer, reason);
    this.opts.onPeerEvent(peer, "dropped", reason);
    if (this.current === peer) this.activeCtl?.abort();
  }

  /** Leaves the active peer for the next one in the order (it stays eligible for later). */
  failover(reason: string): void {
    if (this.preference.length < 2) return;
    this.switchAway(reason);
  }

  /** Resubscribes the active peer from `resumeFrom()` with a fresh subscription (e.g. after an epoch change). */
  restart(reason: string): void {
    if (!this.current) return;
    this.opts.log.info("objects: resubscribing", { peer: this.current, reason });
    this.activeCtl?.abort();
    this.wake?.();
  }

  private switchAway(reason: string): void {
    const from = this.current;
    if (!from) return;
    this.opts.log.warn("objects: failing over", { from, reason });
    // The peer left goes behind the others so the next one is tried first.
    const i = this.order.indexOf(from);
    if (i === 0) this.order.push(...this.order.splice(0, 1));
    this.activeCtl?.abort();
  }

  /** Runs until the signal aborts or every peer has been dropped (then throws). */
  async run(): Promise<void> {
    const { signal, log } = this.opts;
    while (!signal.aborted) {
      const peer = this.preference[0];
      if (peer === undefined) {
        throw new Error(`no usable object peer left: ${[...this.dropped].map(([p, why]) => `${p} (${why})`).join("; ")}`);
      }
      const ctl = new AbortController();
      this.activeCtl = ctl;
      this.current = peer;
      const onAbort = () => ctl.abort();
      signal.addEventListener("abort", onAbort, { once: true });
      let restartedPeer = false;
      try {
        const fromSeq = this.opts.resumeFrom();
        log.info("objects: subscribing", { peer, fromSeq });
        const it = subscribeTrack({
          remote: peer,
          allowInsecure: this.opts.allowInsecure,
          streamId: this.opts.streamId,
          track: "chunks",
          fromSeq,
          signal: ctl.signal,
          maxFrameBytes: this.opts.maxFrameBytes,
          reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
          onEvent: (e) => {
            if (e.type === "connected") this.opts.onPeerEvent(peer, "connected");
            else if (e.type === "disconnected") {
              this.opts.onPeerEvent(peer, "disconnected", e.detail);
              // With a second relay, don't wait for this one to come back.
              this.failover(`disconnected${e.detail ? `: ${e.detail}` : ""}`);
            } else if (e.type === "restarted") {
              // The peer's sequence space started over (it restarted): its new objects belong to a
              // new epoch that no manifest may vouch for yet. Resubscribe once one does (or soon).
              restartedPeer = true;
              this.opts.onPeerEvent(peer, "restarted", e.detail);
              ctl.abort();
            } else if (e.type === "error" && e.detail && FRAME_REFUSED.test(e.detail)) {
              this.opts.onPeerEvent(peer, "refused-frame", e.detail);
            }
          },
        });
        for await (const { seq, bytes } of it) {
          if (ctl.signal.aborted) break;
          this.opts.onObject({ seq, bytes, peer });
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof TransportError && err.code === "auth-failed") {
          this.drop(peer, `identity check failed: ${err.message}`);
        } else if (!ctl.signal.aborted) {
          log.warn("objects: subscription failed", { peer, error: (err as Error).message });
          await this.pause(500);
        }
      } finally {
        signal.removeEventListener("abort", onAbort);
        this.current = undefined;
        this.opts.onPeerEvent(peer, "left");
      }
      if (restartedPeer) await this.pause(3000);
      else if (!ctl.signal.aborted && this.preference.length > 1 && this.preference[0] === peer) {
        // The subscription ended by itself: try the next peer.
        this.order.push(...this.order.splice(this.order.indexOf(peer), 1));
      }
    }
  }

  /** Waits `ms`, or less if {@link restart} is called. */
  private pause(ms: number): Promise<void> {
    const signal = this.opts.signal;
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wake = done;
      function done() {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        resolve();
      }
    }).finally(() => {
      this.wake = undefined;
    });
  }
}

/** `subscribeTrack` reports a frame cut at its length prefix with this detail. */
const FRAME_REFUSED = /frame over \d+ bytes refused/;
