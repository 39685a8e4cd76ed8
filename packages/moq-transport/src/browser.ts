/**
 * @ec/moq-transport for browsers (`@ec/moq-transport/browser`, and the `browser` condition of the
 * package root): the subscriber side only. `subscribeTrack` and `ObjectSources` behave as in the
 * Node entry, over the page's own `WebSocket`; a secure EndpointAddr (`ecmoq://<key>@host:port`) is
 * checked in-band right after SETUP (a page cannot read the WebSocket response headers the Node
 * dialer checks). No MoqNode and no relays: a page cannot listen.
 *
 * Its import graph holds no Node built-in and no `ws` (test/browser-bundle.test.ts checks the
 * bundle). Importing it installs the two small polyfills `@moq/lite` needs, only where missing.
 */
import "./polyfill.js";

export { ObjectSources, subscribeTrack } from "./bind-browser.js";
export type { Dialer } from "./dialer.js";
export type { SubscribeEvent, SubscribeOptions, TrackItem } from "./subscribe.js";
export { FramePool, type FramePoolOptions, type FramePoolStats } from "./frame-pool.js";
export { type EndpointAddr, ENDPOINT_SCHEME, formatEndpointAddr, parseEndpointAddr } from "./endpoint.js";
export { ResetCode, TransportError, type TransportErrorCode } from "./errors.js";
export { describeCounts, type Logger, silentLogger } from "./log.js";
export { assertStreamId, broadcastPath, parseWireTrackName, TRACK_NAMES, type TrackName, wireTrackName } from "./names.js";
export { Aborted, backoffDelay, type BackoffPolicy, pause, sleep } from "./backoff.js";
export {
  DEFAULT_DEADLINE_CHUNKS, DEFAULT_RETRY, type DropReason, type LivenessReason, MIN_DEADLINE_MS, type ObjectSourcesOptions,
  type SourceDeadlines, type SourceEvent, type SourceObject, sourceDeadlines, type Verdict,
} from "./object-sources.js";
