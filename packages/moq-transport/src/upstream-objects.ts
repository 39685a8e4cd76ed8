import { allowManyListeners } from "./listeners.js";
import type { GateRejectReason } from "@ec/manifest";
import { TransportError } from "./errors.js";
import type { Logger } from "./log.js";
import { subscribeTrack } from "./bind-ws.js";
import type { SubscribeEvent } from "./subscribe.js";

/** Counters and state of one upstream object peer, as a relay's stats show it. */
export interface UpstreamPeerStats {
  connected: boolean;
  connects: number;
  disconnects: number;
  /** Objects received from this peer. */
  received: number;
  /** Objects from this peer that were the first verified copy of their seq (stored and served). */
  accepted: number;
  /** Verified copies of a seq another peer delivered first (or older than the window). */
  duplicates: number;
  /** Objects refused, by the gate's reason. */
  rejected: Record<string, number>;
  /** Rejections that were evidence against this peer (its junk score; `dropAfter` of them drop it). */
  junk: number;
  /** Why the peer was last demoted (a blamed rejection below the drop threshold). */
  demoted?: string;
  /** Set once the peer is dropped for good: why. */
  dropped?: string;
  /** The last connection error or disconnect, one line. */
  lastError?: string;
  /** Times the peer was seen to restart (its seqs started over: a new run, a new epoch). */
  restarts: number;
}

/** Options of {@link UpstreamObjects}. */
export interface UpstreamObjectsOptions {
  remotes: string[];
  streamId: string;
  allowInsecure?: boolean;
  /** Blamed rejections from one peer before it is dropped (default 3; the first demotes it). */
  dropAfter?: number;
  maxFrameBytes?: number;
  log: Logger;
  /** Every object received, tagged with its peer. Synchronous. */
  onObject: (seq: number, bytes: Uint8Array, peer: string) => void;
  /** Called when a peer is dropped for good (e.g. to forget what it sent that is still undecided). */
  onDropped?: (peer: string) => void;
  /** Called when every peer has been dropped: nothing more can arrive. */
  onExhausted: (reason: string) => void;
  onEvent?: (peer: string, e: SubscribeEvent) => void;
}

/**
 * The `chunks` track of one stream from several upstream peers at once, with a junk score.
 *
 * Every peer that has not been dropped is subscribed at the same time (from the start of its
 * window), so a dead, stalled or lying peer costs nothing but its own subscription: the consumer
 * keeps the first verified copy of each seq from whichever peer delivers it. {@link penalize}
 * records a blamed rejection: the first ones demote the peer (recorded in its stats), the
 * `dropAfter`-th drops it for good and ends its subscription. Written so that a shared multi-peer
 * object source (with per-object deadlines) can replace it behind the same three calls:
 * `run`, `penalize`, `stats`.
 */
export class UpstreamObjects {
  readonly #o: UpstreamObjectsOptions;
  readonly #dropAfter: number;
  readonly #peers = new Map<string, { stats: UpstreamPeerStats; ctl: AbortController }>();
  readonly #abort = new AbortController();
  /** Peers paused after a restart, waiting for the new epoch's manifest (or a timeout). */
  readonly #waiting = new Set<() => void>();
  /** Bumped by {@link epochChanged}: a restart seen after the new epoch's manifest needs no pause. */
  #epochGen = 0;

  constructor(opts: UpstreamObjectsOptions) {
    if (opts.remotes.length === 0) throw new TransportError("bad-argument", "at least one upstream object peer is needed");
    this.#o = opts;
    this.#dropAfter = Math.max(1, opts.dropAfter ?? 3);
    allowManyListeners(this.#abort.signal);
    for (const remote of new Set(opts.remotes)) {
      const ctl = new AbortController();
      this.#abort.signal.addEventListener("abort", () => ctl.abort(), { once: true });
      this.#peers.set(remote, {
        ctl,
        stats: { connected: false, connects: 0, disconnects: 0, received: 0, accepted: 0, duplicates: 0, rejected: {}, junk: 0, restarts: 0 },
      });
    }
  }

  /** Per-peer counters (a copy). */
  get stats(): Record<string, UpstreamPeerStats> {
    const out: Record<string, UpstreamPeerStats> = {};
    for (const [p, { stats }] of this.#peers) out[p] = { ...stats, rejected: { ...stats.rejected } };
    return out;
  }

  /** Peers still subscribed. */
  get usable(): string[] {
    return [...this.#peers].filter(([, v]) => v.stats.dropped === undefined).map(([p]) => p);
  }

  /** Counts what became of an object from `peer` (for its stats). */
  record(peer: string, outcome: "accepted" | "duplicate" | { rejected: string }): void {
    const s = this.#peers.get(peer)?.stats;
    if (!s) return;
    if (outcome === "accepted") s.accepted++;
    else if (outcome === "duplicate") s.duplicates++;
    else s.rejected[outcome.rejected] = (s.rejected[outcome.rejected] ?? 0) + 1;
  }

  /** A rejection that is evidence against `peer`: demote it, or drop it at the threshold. */
  penalize(peer: string, reason: GateRejectReason): "demoted" | "dropped" | "already-dropped" {
    const p = this.#peers.get(peer);
    if (!p || p.stats.dropped !== undefined) return "already-dropped";
    const n = ++p.stats.junk;
    if (n >= this.#dropAfter) {
      this.#drop(peer, `served ${n} objects a current manifest refutes (last: ${reason})`);
      return "dropped";
    }
    p.stats.demoted = `served an object a current manifest refutes (${reason}); ${n} of ${this.#dropAfter} before it is dropped`;
    this.#o.log.warn("upstream demoted", { peer, reason: p.stats.demoted });
    return "demoted";
  }

  #drop(peer: string, reason: string): void {
    const p = this.#peers.get(peer)!;
    p.stats.dropped = reason;
    p.stats.connected = false;
    p.ctl.abort();
    this.#o.log.warn("upstream dropped", { peer, reason });
    this.#o.onDropped?.(peer);
    if (this.usable.length === 0 && !this.#abort.signal.aborted) {
      this.#o.onExhausted(`no usable upstream object peer left: ${[...this.#peers].map(([q, v]) => `${q} (${v.stats.dropped})`).join("; ")}`);
    }
  }

  /** Subscribes to every peer; resolves once all subscriptions have ended (see {@link close}). */
  async run(): Promise<void> {
    await Promise.all([...this.#peers.keys()].map((peer) => this.#runPeer(peer)));
  }

  /** A manifest of a new epoch was accepted: peers paused after a restart resubscribe now. */
  epochChanged(): void {
    this.#epochGen++;
    for (const wake of [...this.#waiting]) wake();
  }

  /** Ends every subscription. */
  close(): void {
    this.#abort.abort();
  }

  /** Waits until {@link epochChanged}, `ms`, or the peer is stopped. */
  #pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener("abort", done);
        this.#waiting.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.#waiting.add(done);
    });
  }

  async #runPeer(peer: string): Promise<void> {
    const { ctl } = this.#peers.get(peer)!;
    while (!ctl.signal.aborted) {
      const gen = this.#epochGen;
      const restarted = await this.#subscribeOnce(peer);
      if (!restarted) return;
      if (this.#epochGen !== gen) continue; // the new epoch's manifest is already in
      // The peer started a new run: its objects belong to an epoch no manifest here vouches for
      // yet, and judged against the old epoch's entries they would look like junk from an honest
      // peer. Leave it until the new epoch's manifest is in (or RESTART_PAUSE_MS), then take its
      // whole window again. (A leader and relay restarting together: the new manifest can take a
      // few seconds under load, and an object judged before it would blame an honest peer.)
      await this.#pause(RESTART_PAUSE_MS, ctl.signal);
    }
  }

  /** One subscription to `peer`; resolves true when it ended because the peer restarted. */
  async #subscribeOnce(peer: string): Promise<boolean> {
    const { stats, ctl } = this.#peers.get(peer)!;
    const o = this.#o;
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    ctl.signal.addEventListener("abort", stop, { once: true });
    let restarted = false;
    try {
      const items = subscribeTrack({
        remote: peer,
        allowInsecure: o.allowInsecure,
        streamId: o.streamId,
        track: "chunks",
        fromSeq: 0,
        signal: attempt.signal,
        maxFrameBytes: o.maxFrameBytes,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => {
          if (e.type === "connected") {
            stats.connected = true;
            stats.connects++;
          } else if (e.type === "disconnected" || e.type === "error" || e.type === "dial-failed" || e.type === "auth-failed") {
            if (e.type === "disconnected" && stats.connected) stats.disconnects++;
            if (e.type !== "error") stats.connected = false;
            if (e.detail) stats.lastError = e.detail;
          } else if (e.type === "restarted") {
            stats.restarts++;
            restarted = true;
            o.log.info("upstream restarted; waiting for the new epoch's manifest", { peer, detail: e.detail });
            attempt.abort();
          }
          o.log.debug("upstream event", { peer, type: e.type, detail: e.detail });
          o.onEvent?.(peer, e);
        },
      });
      for await (const { seq, bytes } of items) {
        if (attempt.signal.aborted) break;
        stats.received++;
        o.onObject(seq, bytes, peer);
      }
    } catch (err) {
      if (attempt.signal.aborted) return restarted && !ctl.signal.aborted;
      const e = err as TransportError;
      // auth-failed and not-served are final: this peer can never serve this stream's objects.
      this.#drop(peer, e.code === "auth-failed" ? `identity check failed: ${e.message}` : e.message);
    } finally {
      ctl.signal.removeEventListener("abort", stop);
    }
    return restarted && !ctl.signal.aborted;
  }
}

/** How long a restarted upstream is left alone at most while the new epoch's manifest is awaited. */
const RESTART_PAUSE_MS = 10_000;
