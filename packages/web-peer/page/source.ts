/**
 * The page's verified source: `@ec/verified-stream` (the same trust core as the Node subscriber:
 * manifests verified against the pinned keys, objects against verified manifests, from many peers
 * with failover, then decrypted) over `@ec/moq-transport`'s browser entry (the page's own
 * WebSocket; node identity checked in-band). Chunks come out in verification order; ChunkOrder
 * puts them in sequence for the player and is the stream's consumer position.
 */
import { publicKeyFromHex } from "@ec/manifest";
import { VerifiedStream } from "@ec/verified-stream";
import { ChunkOrder } from "../src/index.js";
import type { PageConfig, ShownStats } from "../src/index.js";
import type { VerifiedSource } from "./app.js";

export function openVerifiedSource(cfg: PageConfig): VerifiedSource {
  const order = new ChunkOrder({ backfill: 3 });
  const stop = new AbortController();
  let failovers = 0;
  let active: string | undefined;
  const stream: VerifiedStream = new VerifiedStream({
    streamId: cfg.streamId,
    manifestPeer: cfg.manifestPeer,
    objectPeers: cfg.objectPeers,
    allowInsecure: cfg.allowInsecure,
    trustedKeys: cfg.trustedKeys.map((k) => publicKeyFromHex(k)),
    ...(cfg.streamSecret ? { streamSecret: cfg.streamSecret } : {}),
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
  void stream.run().finally(() => order.end());
  return {
    accepted: order,
    stats: () => stream.stats as ShownStats,
    failovers: () => failovers,
    whyStuck: (media) => stream.whyStuck(media),
    close: () => stop.abort(),
  };
}
