import { allowManyListeners } from "./listeners.js";
import { TransportError } from "./errors.js";
import type { NodeIdentity } from "./identity.js";
import type { Logger } from "./log.js";
import { silentLogger } from "./log.js";
import { assertStreamId, type TrackName } from "./names.js";
import { MoqNode, type NodeLimits, type StreamServer } from "./node.js";
import type { WindowLimits } from "./store.js";
import { subscribeTrack } from "./bind-ws.js";
import type { SubscribeEvent } from "./subscribe.js";

/** What a relay's verifier sees: one group from one upstream. */
export interface RelayItem {
  streamId: string;
  track: TrackName;
  seq: number;
  bytes: Uint8Array;
  /** The upstream it came from (EndpointAddr text). */
  upstream: string;
}

/** One stream a relay carries. */
export interface RelayStream {
  streamId: string;
  /** Peers to take the stream from; each lists the tracks taken from it. */
  upstreams: Array<{ remote: string; tracks: TrackName[] }>;
  /**
   * Tracks re-served to the relay's own subscribers. A track taken from upstream but not served here is
   * still shown to `verify` (e.g. a chunks-only relay takes manifests so its verifier can check chunks)
   * and never forwarded.
   */
  serve: { manifests: boolean; chunks: boolean };
  window?: WindowLimits;
}

/** Options of {@link createRelay}. */
export interface RelayOptions {
  listen?: string;
  identity?: NodeIdentity;
  log?: Logger;
  limits?: NodeLimits;
  /** Accept bare `host:port` upstreams (no identity check). */
  allowInsecure?: boolean;
  streams: RelayStream[];
  /**
   * Decides what is forwarded: only items for which it returns (or resolves to) true are re-served.
   * It may wait (e.g. for the manifest that vouches for a chunk). A throw counts as a rejection.
   * Absent: everything is forwarded.
   */
  verify?: (item: RelayItem) => boolean | Promise<boolean>;
  /** Upstream subscription events, tagged with stream and track. */
  onEvent?: (e: SubscribeEvent & { streamId: string; track: TrackName }) => void;
}

/** Counters of a relay. */
export interface RelayStats {
  /** Items accepted by the verifier and stored for subscribers. */
  forwarded: number;
  /** Items the verifier refused (or threw on). */
  rejected: number;
  /** Accepted items already held (the same seq from another upstream). */
  duplicates: number;
  /** Items of unserved tracks shown to the verifier only. */
  observed: number;
  /** Upstream subscriptions that ended for good (auth failure, track not served, gave up). */
  upstreamFailures: number;
  /** Upstream errors survived (dropped sessions, lost or oversized groups). */
  upstreamErrors: number;
}

/** A running relay. */
export interface Relay {
  readonly node: MoqNode;
  readonly endpoint: string;
  readonly stats: RelayStats;
  /** Stops the upstream subscriptions and the node. */
  close(): Promise<void>;
}

/**
 * Starts an embeddable relay: a {@link MoqNode} that subscribes to upstream peers and re-serves
 * what they publish, forwarding only what `verify` accepts.
 * @throws TransportError for bad options (`bad-endpoint`, `bad-stream-id`, `bad-argument`) or a busy port.
 */
export async function createRelay(opts: RelayOptions): Promise<Relay> {
  const log = opts.log ?? silentLogger;
  for (const s of opts.streams) {
    assertStreamId(s.streamId);
    for (const u of s.upstreams) {
      for (const t of u.tracks) {
        if (t !== "manifests" && t !== "chunks") throw new TransportError("bad-argument", `unknown track ${String(t).slice(0, 20)}`);
      }
    }
  }
  const node = await MoqNode.listen({ listen: opts.listen, identity: opts.identity, log, limits: opts.limits });
  const stats: RelayStats = { forwarded: 0, rejected: 0, duplicates: 0, observed: 0, upstreamFailures: 0, upstreamErrors: 0 };
  const abort = new AbortController();
  allowManyListeners(abort.signal); // one listener per upstream subscription
  const loops: Promise<void>[] = [];
  try {
    for (const s of opts.streams) {
      const server = node.serve(s.streamId, { ...s.serve, window: s.window });
      for (const u of s.upstreams) {
        for (const track of new Set(u.tracks)) {
          // Validate now so a bad upstream fails createRelay rather than a background loop.
          const items = subscribeTrack({
            remote: u.remote,
            allowInsecure: opts.allowInsecure,
            streamId: s.streamId,
            track,
            fromSeq: 0,
            signal: abort.signal,
            maxFrameBytes: node.limits.maxFrameBytes,
            onEvent: (e) => {
              if (e.type === "group") return; // one per object: too many for a log
              if (e.type === "error" || e.type === "frame-refused" || e.type === "dial-failed") stats.upstreamErrors++;
              log.debug("upstream event", { stream: s.streamId, track, type: e.type, remote: e.remote, detail: e.detail });
              opts.onEvent?.({ ...e, streamId: s.streamId, track });
            },
          });
          loops.push(forward(items, s, track, u.remote, server, opts, stats, log));
        }
      }
    }
  } catch (err) {
    abort.abort();
    await node.close();
    throw err;
  }
  return {
    node,
    endpoint: node.endpoint,
    get stats() {
      return { ...stats };
    },
    async close() {
      abort.abort();
      await Promise.allSettled(loops);
      await node.close();
    },
  };
}

async function forward(
  items: AsyncIterable<{ seq: number; bytes: Uint8Array }>,
  s: RelayStream,
  track: TrackName,
  upstream: string,
  server: StreamServer,
  opts: RelayOptions,
  stats: RelayStats,
  log: Logger,
): Promise<void> {
  const served = s.serve[track];
  try {
    for await (const { seq, bytes } of items) {
      let ok: boolean;
      try {
        ok = opts.verify ? (await opts.verify({ streamId: s.streamId, track, seq, bytes, upstream })) === true : true;
      } catch (err) {
        ok = false;
        log.warn("verifier threw; item rejected", { stream: s.streamId, track, seq, error: String((err as Error)?.message ?? err).slice(0, 200) });
      }
      if (!ok) {
        stats.rejected++;
        log.info("item rejected by verifier", { stream: s.streamId, track, seq });
        continue;
      }
      if (!served) {
        stats.observed++;
        continue;
      }
      try {
        if (server.publish(track, seq, bytes)) stats.forwarded++;
        else stats.duplicates++;
      } catch (err) {
        stats.rejected++;
        log.warn("item not forwarded", { stream: s.streamId, track, seq, error: (err as Error).message });
      }
    }
  } catch (err) {
    stats.upstreamFailures++;
    log.error("upstream subscription ended", { stream: s.streamId, track, error: (err as Error).message, code: (err as TransportError).code });
  }
}
