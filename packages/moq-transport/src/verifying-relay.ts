import type { GateStats, GateVerdict, ObjectGate } from "@ec/manifest";
import { TransportError } from "./errors.js";
import type { NodeIdentity } from "./identity.js";
import { type Logger, silentLogger } from "./log.js";
import { assertStreamId } from "./names.js";
import { MoqNode, type NodeLimits, type StreamServer } from "./node.js";
import type { WindowLimits } from "./store.js";
import { subscribeTrack } from "./bind-ws.js";
import { UpstreamObjects, type UpstreamPeerStats } from "./upstream-objects.js";

/**
 * Where a verifying relay stands with its manifest source. Only `verifying` forwards anything new.
 *
 * - `connecting`: no manifest yet and no error yet.
 * - `unreachable`: the manifest source cannot be reached (the reason names the error); retried.
 * - `untrusted`: manifests arrive but none verifies (unknown signer, wrong stream, expired...).
 * - `stale`: manifests verified before, but the newest is older than the gate's freshness window
 *   (the source went silent or replays old ones).
 * - `verifying`: a current verified manifest; objects it vouches for are forwarded.
 * - `failed`: the relay stopped for good (see {@link VerifyingRelay.done}).
 */
export type VerifyingRelayState = "connecting" | "unreachable" | "untrusted" | "stale" | "verifying" | "failed";

/** Options of {@link createVerifyingRelay}. */
export interface VerifyingRelayOptions {
  streamId: string;
  /**
   * The trust decision (`new ObjectGate({ verifier })` from `@ec/manifest`, pinned to the leader's
   * keys and this stream). Every manifest and object goes through it; give it no `open` hook (a
   * relay checks ciphertext hashes and needs no stream secret). Owned by the relay from now on.
   */
  gate: ObjectGate;
  /** EndpointAddr of the peer to take signed manifests from. */
  manifests: string;
  /** EndpointAddrs of the peers to take chunk objects from (all subscribed at once). */
  objects: string[];
  /** What to re-serve. Default both: manifests verbatim (only verified ones), chunks (only vouched ones). */
  serve?: { manifests?: boolean; chunks?: boolean };
  /** Groups kept per track for late joiners (`?from=`). Default 32 groups, 128 MiB. */
  window?: WindowLimits;
  /** Blamed rejections from one object peer before it is dropped (default 3; the first demotes it). */
  dropAfter?: number;
  listen?: string;
  /** `host:port` written into the EndpointAddr (for a relay listening on 0.0.0.0). */
  advertise?: string;
  identity?: NodeIdentity;
  limits?: NodeLimits;
  /** Accept bare `host:port` upstreams (no identity check). */
  allowInsecure?: boolean;
  log?: Logger;
  /** Called whenever {@link VerifyingRelay.state} changes, with the one-line reason. */
  onState?: (state: VerifyingRelayState, reason: string) => void;
}

/** Counters of a verifying relay. */
export interface VerifyingRelayStats {
  streamId: string;
  state: VerifyingRelayState;
  /** One line: why the relay is in this state. */
  reason: string;
  epoch?: string;
  manifestSource: { remote: string; connected: boolean; connects: number; received: number; lastError?: string };
  /** Verified manifests re-served, verbatim. */
  manifestsForwarded: number;
  /** Vouched objects stored and re-served (first copy of each seq). */
  objectsForwarded: number;
  /** Vouched copies of a seq already stored (another upstream was first), or older than the window. */
  objectsDuplicate: number;
  /** Times the served window was reset because a new epoch began (the leader restarted). */
  epochResets: number;
  /** The gate's own counters: manifests and objects by verdict and reason, blamed, pending, evicted. */
  gate: GateStats;
  /** Per upstream object peer: received, accepted, duplicates, rejected by reason, junk score, demoted/dropped. */
  upstreams: Record<string, UpstreamPeerStats>;
}

/** A running verifying relay. */
export interface VerifyingRelay {
  readonly node: MoqNode;
  /** This relay's EndpointAddr: give it to subscribers and downstream relays. */
  readonly endpoint: string;
  readonly state: VerifyingRelayState;
  readonly stats: VerifyingRelayStats;
  /**
   * Rejects (TransportError) when the relay can no longer serve anything new: its manifest source
   * failed for good (identity mismatch, manifests not served) or every object upstream was dropped.
   * Resolves after {@link close}.
   */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a relay that forwards only what a verified manifest vouches for.
 *
 * It subscribes to `manifests` on the manifest peer and to `chunks` on every object peer, feeds
 * each through the one {@link ObjectGate}, stores and re-serves a chunk only when the gate accepts
 * it (objects that arrive before their manifest wait in the gate's bounded pen), and re-serves a
 * manifest verbatim only when the verifier accepted it. Rejections the gate blames on a peer demote
 * it, then drop it (`dropAfter`). A new epoch (the leader restarted) resets the served window, as a
 * restarted publisher would. Without a current trusted manifest it serves nothing new and says why
 * in {@link VerifyingRelay.state} / `stats.reason`.
 *
 * @throws TransportError `bad-endpoint`, `bad-stream-id`, `bad-argument` for bad options; `unreachable` for a busy port.
 */
export async function createVerifyingRelay(opts: VerifyingRelayOptions): Promise<VerifyingRelay> {
  const log = opts.log ?? silentLogger;
  assertStreamId(opts.streamId);
  const gate = opts.gate;
  if (typeof gate?.offerObject !== "function" || typeof gate.ingestManifest !== "function") {
    throw new TransportError("bad-argument", "gate must be an ObjectGate from @ec/manifest");
  }
  if (!Array.isArray(opts.objects) || opts.objects.length === 0) throw new TransportError("bad-argument", "objects: at least one upstream EndpointAddr");
  const serveManifests = opts.serve?.manifests ?? true;
  const serveChunks = opts.serve?.chunks ?? true;
  if (!serveManifests && !serveChunks) throw new TransportError("bad-argument", "serve: nothing to serve");
  // Validate every address before listening, so a typo fails here rather than in a background loop.
  for (const r of [opts.manifests, ...opts.objects]) subscribeTrack({ remote: r, allowInsecure: opts.allowInsecure, streamId: opts.streamId, track: "chunks" });

  const node = await MoqNode.listen({ listen: opts.listen, advertise: opts.advertise, identity: opts.identity, log, limits: opts.limits });
  const abort = new AbortController();
  let server: StreamServer = node.serve(opts.streamId, { manifests: serveManifests, chunks: serveChunks, window: opts.window });
  const src = { remote: opts.manifests, connected: false, connects: 0, received: 0, lastError: undefined as string | undefined };
  const counts = { manifestsForwarded: 0, objectsForwarded: 0, objectsDuplicate: 0, epochResets: 0 };
  let epoch: string | undefined;
  let failure: TransportError | undefined;
  let closed = false;
  let settle!: { resolve: () => void; reject: (err: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by whoever awaits `done`; never an unhandled rejection

  const fail = (err: TransportError) => {
    if (failure || closed) return;
    failure = err;
    log.error("relay failed", { reason: err.message, code: err.code });
    checkState();
    settle.reject(err);
  };

  const upstreams = new UpstreamObjects({
    remotes: opts.objects,
    streamId: opts.streamId,
    allowInsecure: opts.allowInsecure,
    dropAfter: opts.dropAfter,
    maxFrameBytes: node.limits.maxFrameBytes,
    log,
    onObject: (seq, bytes, peer) => onVerdict(gate.offerObject(seq, bytes, peer)),
    // A dropped upstream's objects still waiting for a manifest are forgotten, not judged later.
    onDropped: (peer) => gate.forgetPeer(peer),
    onExhausted: (reason) => fail(new TransportError("unreachable", reason)),
  });

  function onVerdict(v: GateVerdict): void {
    const peer = v.peer;
    if (v.kind === "hold") return;
    if (v.kind === "reject") {
      if (peer !== undefined) {
        upstreams.record(peer, { rejected: v.reason });
        if (v.blame) upstreams.penalize(peer, v.reason);
      }
      log.info("object rejected", { seq: v.seq, peer, reason: v.reason, blame: v.blame, detail: v.detail });
      return;
    }
    // Accepted: the exact bytes a current verified manifest vouches for. Only now may they be stored.
    if (!serveChunks) return;
    let stored = false;
    try {
      stored = server.publish("chunks", v.seq, v.object);
    } catch (err) {
      log.warn("vouched object not stored", { seq: v.seq, error: (err as Error).message });
    }
    if (stored) counts.objectsForwarded++;
    else counts.objectsDuplicate++;
    if (peer !== undefined) upstreams.record(peer, stored ? "accepted" : "duplicate");
  }

  const onManifest = (bytes: Uint8Array) => {
    src.received++;
    const { result, released } = gate.ingestManifest(bytes);
    if (!result.ok) {
      log.info("manifest rejected", { reason: result.reason, detail: result.detail });
    } else {
      const m = result.manifest;
      if (result.epochChanged && epoch !== undefined && epoch !== m.epoch) {
        // The leader restarted: its seqs start over, and the window would refuse them as old.
        // Serve the stream afresh; downstream subscribers see a restarted peer and follow.
        // Dropping the sessions makes downstream peers reconnect and see the seqs start over.
        log.warn("new epoch: served window reset", { from: epoch, to: m.epoch });
        server.close();
        node.disconnectAll("new epoch");
        server = node.serve(opts.streamId, { manifests: serveManifests, chunks: serveChunks, window: opts.window });
        counts.epochResets++;
      }
      if (result.epochChanged) upstreams.epochChanged();
      epoch = m.epoch;
      if (serveManifests) {
        // Verbatim: the signed bytes as received, at the manifest's own signed seq.
        if (server.publish("manifests", m.seq, bytes)) counts.manifestsForwarded++;
      }
    }
    for (const v of released) onVerdict(v);
    checkState();
  };

  const manifestLoop = (async () => {
    try {
      const items = subscribeTrack({
        remote: opts.manifests,
        allowInsecure: opts.allowInsecure,
        streamId: opts.streamId,
        track: "manifests",
        fromSeq: 0,
        signal: abort.signal,
        reconnect: { minDelayMs: 200, maxDelayMs: 5000 },
        onEvent: (e) => {
          if (e.type === "connected") {
            src.connected = true;
            src.connects++;
          } else if (e.type === "disconnected" || e.type === "auth-failed") {
            src.connected = false;
          }
          // A refused or timed-out dial is its own event type (`dial-failed`), not an `error`.
          if ((e.type === "error" || e.type === "dial-failed" || e.type === "disconnected" || e.type === "auth-failed") && e.detail) src.lastError = e.detail;
          log.debug("manifest source event", { remote: opts.manifests, type: e.type, detail: e.detail });
          checkState();
        },
      });
      for await (const { bytes } of items) onManifest(bytes);
    } catch (err) {
      if (abort.signal.aborted) return;
      const e = err instanceof TransportError ? err : new TransportError("protocol", String((err as Error)?.message ?? err));
      fail(new TransportError(e.code, `manifest source ${opts.manifests}: ${e.message}`));
    }
  })();
  const objectLoop = upstreams.run();

  let state: VerifyingRelayState = "connecting";
  let reason = `waiting for manifests from ${opts.manifests}`;
  function assess(): [VerifyingRelayState, string] {
    if (failure) return ["failed", failure.message];
    if (gate.manifestsCurrent) {
      // Manifests are fine; say so too when no object upstream is connected (nothing to forward).
      const ups = Object.entries(upstreams.stats).filter(([, u]) => u.dropped === undefined);
      const idle = ups.length > 0 && ups.every(([, u]) => !u.connected);
      const why = idle ? `; no object upstream connected (${ups.map(([p, u]) => `${p}: ${u.lastError ?? "connecting"}`).join("; ")})` : "";
      return ["verifying", `verified manifests from ${opts.manifests}, epoch ${gate.epoch}${why}`];
    }
    const g = gate.stats.manifests;
    const rejected = Object.entries(g.rejected).filter(([, n]) => (n ?? 0) > 0).map(([r, n]) => `${n} ${r}`).join(", ");
    if (g.accepted > 0) return ["stale", `no current manifest from ${opts.manifests} (newest verified one is too old)${rejected ? `; rejected: ${rejected}` : ""}`];
    if (rejected) return ["untrusted", `no manifest from ${opts.manifests} verifies (rejected: ${rejected}); serving nothing`];
    if (src.lastError && !src.connected) return ["unreachable", `manifest source ${opts.manifests} unreachable: ${src.lastError}; serving nothing`];
    return ["connecting", `waiting for manifests from ${opts.manifests}`];
  }
  function checkState(): void {
    const [s, r] = assess();
    if (s === state && r === reason) return;
    const changed = s !== state;
    state = s;
    reason = r;
    if (changed) {
      (s === "verifying" ? log.info : log.warn)("relay state", { state: s, reason: r });
      try {
        opts.onState?.(s, r);
      } catch {
        /* a throwing listener must not stop the relay */
      }
    }
  }
  // Freshness lapses with time alone (a silent source), so look again every second.
  const timer = setInterval(checkState, 1000);
  timer.unref();

  return {
    node,
    endpoint: node.endpoint,
    get state() {
      return state;
    },
    get stats(): VerifyingRelayStats {
      return {
        streamId: opts.streamId,
        state,
        reason,
        ...(epoch === undefined ? {} : { epoch }),
        manifestSource: { ...src },
        ...counts,
        gate: gate.stats,
        upstreams: upstreams.stats,
      };
    },
    done,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      abort.abort();
      upstreams.close();
      await Promise.allSettled([manifestLoop, objectLoop]);
      gate.clear();
      await node.close();
      settle.resolve();
    },
  };
}
