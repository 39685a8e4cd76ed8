/**
 * `subscribeTrack` and `ObjectSources` bound to the Node dialer (dial.ts: the `ws` package, identity
 * in the 101 response headers). What the Node entry (index.ts) and the relays use.
 */
import { dial } from "./dial.js";
import { ObjectSourcesVia, type ObjectSourcesOptions } from "./object-sources.js";
import { type SubscribeOptions, subscribeTrackVia, type TrackItem } from "./subscribe.js";

/**
 * Subscribes to track `track` of stream `streamId` on peer `remote`; see {@link subscribeTrackVia}
 * for the semantics (dedupe, reconnects, restarts, limits and errors).
 */
export function subscribeTrack(opts: SubscribeOptions): AsyncIterable<TrackItem> {
  return subscribeTrackVia(dial, opts);
}

/** Chunk objects of one stream from several relays, with deadlines, failover and a junk score (see object-sources.ts). */
export class ObjectSources<R extends string = string> extends ObjectSourcesVia<R> {
  /** @throws TransportError `bad-argument` (no peer), `bad-endpoint` (a malformed or, without `allowInsecure`, plain address). */
  constructor(opts: ObjectSourcesOptions<R>) {
    super(opts, dial);
  }
}
