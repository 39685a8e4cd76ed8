/**
 * A verified source for the player: `@ec/verified-stream` (the same trust core as the Node
 * subscriber: manifests verified against the pinned keys, objects against verified manifests, from
 * many peers with failover, then decrypted) over `@ec/moq-transport`'s browser entry (the page's
 * own WebSocket; node identity checked in-band). Chunks come out in verification order; ChunkOrder
 * puts them in sequence for the player and is the stream's consumer position.
 */
import { publicKeyFromHex } from "@ec/manifest";
import { VerifiedStream } from "@ec/verified-stream";
import type { StreamEnd } from "@ec/verified-stream";
import { ChunkOrder } from "./chunk-order.js";
import { WebPeerError } from "./errors.js";
import type { PageConfig } from "./page-config.js";
import type { ShownStats } from "./page-status.js";
import type { AcceptedChunk } from "./watch.js";

/** A running verified source: accepted chunks out (in order), counters readable at any time. */
export interface VerifiedSource {
  accepted: AsyncIterable<AcceptedChunk>;
  stats(): ShownStats;
  /** Times the object feed moved from one peer to another. */
  failovers(): number;
  /** Verified chunks held for order (a missing one before them), and dropped as too late (behind the play position, duplicate, or of a left epoch). */
  ordering(): { held: number; dropped: number };
  /**
   * Why no (more) media comes, in one line, from the source's counters. Worded for a page still
   * watching ("12.0 s ago", "has not come back"); `live: false` words it as a run that ended.
   */
  whyStuck(media: { seconds: number; lastDurationTicks?: number; verb?: string; live?: boolean }): { kind: string; text: string };
  close(): void;
}

/** What {@link openVerifiedSource} takes: the page config's fields (see {@link PageConfig}). */
export type VerifiedSourceOptions = Omit<PageConfig, "allowInsecure"> & {
  allowInsecure?: boolean;
  /** Chunks before the live edge to start with (default 3). */
  backfill?: number;
  /** Ends the source. */
  signal?: AbortSignal;
  /** Called once with how the stream ended. */
  onEnd?: (end: StreamEnd) => void;
};

/**
 * Starts a VerifiedStream for `opts` and returns it as a {@link VerifiedSource}. Refuses to start
 * with no pinned key (`bad-config`): a page never trusts a signer on first use.
 */
export function openVerifiedSource(opts: VerifiedSourceOptions): VerifiedSource & { stream: VerifiedStream; order: ChunkOrder } {
  if (opts.trustedKeys.length === 0) throw new WebPeerError("bad-config", "no trusted key: a page never trusts a manifest signer on first use");
  const order = new ChunkOrder({ backfill: opts.backfill ?? 3 });
  const stop = new AbortController();
  opts.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  let failovers = 0;
  let active: string | undefined;
  const stream: VerifiedStream = new VerifiedStream({
    streamId: opts.streamId,
    manifestPeer: opts.manifestPeer,
    objectPeers: opts.objectPeers,
    allowInsecure: opts.allowInsecure ?? false,
    trustedKeys: opts.trustedKeys.map((k) => publicKeyFromHex(k)),
    ...(opts.streamSecret ? { streamSecret: opts.streamSecret } : {}),
    start: (window) => order.start(window),
    position: order.position,
    onStart: (s) => order.startAt(s),
    onChunk: (c) => order.offer(c),
    onChange: () => {
      const now = stream?.activePeer;
      if (now !== undefined && active !== undefined && now !== active) failovers++;
      if (now !== undefined) active = now;
    },
    signal: stop.signal,
  });
  void stream
    .run()
    .then((end) => opts.onEnd?.(end))
    .finally(() => order.end());
  return {
    stream,
    order,
    accepted: order,
    stats: () => stream.stats as ShownStats,
    failovers: () => failovers,
    ordering: () => ({ held: order.held, dropped: order.counters.late + order.counters.duplicate + order.counters.oldEpoch }),
    whyStuck: (media) => stream.whyStuck({ live: true, ...media }),
    close: () => stop.abort(),
  };
}
