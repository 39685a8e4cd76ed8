/**
 * Objects from one of several relays, with failover: one relay is active at a time; when it
 * disconnects, fails its identity check, or is demoted for serving junk, the feed moves to the
 * next one and resubscribes from the first seq the writer still needs.
 */
import { subscribeTrack, TransportError } from "@ec/moq-transport";
import type { Logger } from "@ec/moq-transport";

export interface FeedObject {
  seq: number;
  bytes: Uint8Array;
  peer: string;
}

export interface ObjectFeedOptions {
  remotes: string[];
  allowInsecure: boolean;
  streamId: string;
  signal: AbortSignal;
  log: Logger;
  /** Where to resume when (re)subscribing; undefined = the peer's live edge / window. */
  resumeFrom: () => number | undefined;
  maxFrameBytes?: number;
  onObject: (obj: FeedObject) => void;
  onPeerEvent: (peer: string, type: "connected" | "disconnected" | "dropped", detail?: string) => void;
}

export class ObjectFeed {
  private active = 0;
  private activeCtl: AbortController | undefined;
  private readonly dropped = new Map<string, string>();

  constructor(private readonly opts: ObjectFeedOptions) {}

  /** The relay currently subscribed to. */
  get activePeer(): string | undefined {
    return this.opts.remotes[this.active];
  }

  /** Stop using `peer` for good (junk, bad identity); fails over if it was active. */
  drop(peer: string, reason: string): void {
    if (this.dropped.has(peer)) return;
    this.dropped.set(peer, reason);
    this.opts.onPeerEvent(peer, "dropped", reason);
    if (this.activePeer === peer) this.activeCtl?.abort();
  }

  /** Leave the active peer for the next one (it stays eligible for later). */
  failover(reason: string): void {
    if (this.opts.remotes.length < 2) return;
    this.opts.log.warn("objects: failing over", { from: this.activePeer, reason });
    this.activeCtl?.abort();
  }

  /** Runs until the signal aborts or every peer has been dropped (then throws). */
  async run(): Promise<void> {
    const { remotes, signal, log } = this.opts;
    while (!signal.aborted) {
      const live = remotes.filter((r) => !this.dropped.has(r));
      if (live.length === 0) {
        throw new Error(
          `no usable object peer left: ${[...this.dropped].map(([p, why]) => `${p} (${why})`).join("; ")}`,
        );
      }
      while (this.dropped.has(remotes[this.active]!)) this.active = (this.active + 1) % remotes.length;
      const peer = remotes[this.active]!;
      const ctl = new AbortController();
      this.activeCtl = ctl;
      const onAbort = () => ctl.abort();
      signal.addEventListener("abort", onAbort, { once: true });
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
            if (e.type === "disconnected") {
              this.opts.onPeerEvent(peer, "disconnected", e.detail);
              // With a second relay, don't wait for this one to come back.
              this.failover(`disconnected${e.detail ? `: ${e.detail}` : ""}`);
            }
          },
        });
        for await (const { seq, bytes } of it) this.opts.onObject({ seq, bytes, peer });
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof TransportError && err.code === "auth-failed") {
          this.drop(peer, `identity check failed: ${err.message}`);
        } else if (!ctl.signal.aborted) {
          log.warn("objects: subscription failed", { peer, error: (err as Error).message });
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
      this.active = (this.active + 1) % remotes.length;
    }
  }
}
