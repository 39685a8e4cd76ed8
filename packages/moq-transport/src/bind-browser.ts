/**
 * `subscribeTrack` and `ObjectSources` bound to the browser dialer (dial-browser.ts: the native
 * WebSocket, identity proved in-band). What the browser entry (browser.ts) exports.
 */
import { dialBrowser } from "./dial-browser.js";
import { ObjectSourcesVia, type ObjectSourcesOptions } from "./object-sources.js";
import { type SubscribeOptions, subscribeTrackVia, type TrackItem } from "./subscribe.js";

/**
 * Subscribes to track `track` of stream `streamId` on peer `remote`; see {@link subscribeTrackVia}
 * for the semantics (dedupe, reconnects, restarts, limits and errors).
 */
export function subscribeTrack(opts: SubscribeOptions): AsyncIterable<TrackItem> {
  return subscribeTrackVia(dialBrowser, opts);
}

/** Chunk objects of one stream from several relays, with deadlines, failover and a junk score (see object-sources.ts). */
export class ObjectSources<R extends string = string> extends ObjectSourcesVia<R> {
  /** @throws TransportError `bad-argument` (no peer), `bad-endpoint` (a malformed or, without `allowInsecure`, plain address). */
  constructor(opts: ObjectSourcesOptions<R>) {
    super(opts, dialBrowser);
  }
}
