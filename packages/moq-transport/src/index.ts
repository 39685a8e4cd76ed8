/**
 * @ec/moq-transport: moq-lite nodes over WebSocket + qmux. Moves opaque manifests and chunk objects:
 * listen and serve (`MoqNode`), subscribe with identity check, reconnect and dedupe
 * (`subscribeTrack`), objects from several relays with deadlines, failover and a junk score
 * (`ObjectSources`), and embeddable relays: `createVerifyingRelay` (manifest-checked, through
 * `@ec/manifest`'s ObjectGate) and the lower-level `createRelay` (your own `verify` callback).
 *
 * Importing this module installs the Node 20 polyfills `@moq/lite` needs (only when missing) and
 * nothing else global: `quietMoqLiteLogs()` routes `@moq/lite`'s console chatter away, on request.
 */
import "./polyfill.js";

export { quietMoqLiteLogs } from "./quiet.js";

export { type EndpointAddr, ENDPOINT_SCHEME, ENDPOINT_SCHEME_TLS, formatEndpointAddr, isWildcardHost, parseAdvertiseAddr, parseEndpointAddr, parseListenAddr } from "./endpoint.js";
export { ResetCode, TransportError, type TransportErrorCode } from "./errors.js";
export { generateNodeIdentity, type NodeIdentity, nodeIdentityFromSecretKey } from "./identity.js";
export { describeCounts, type Logger, silentLogger } from "./log.js";
export { assertStreamId, broadcastPath, parseWireTrackName, TRACK_NAMES, type TrackName, wireTrackName } from "./names.js";
export { type ListenOptions, MoqNode, type NodeLimits, type NodeTlsOptions, type NodeStats, type ServeOptions, type StreamServer } from "./node.js";
export { createRelay, type Relay, type RelayItem, type RelayOptions, type RelayStats, type RelayStream } from "./relay.js";
export type { WindowLimits } from "./store.js";
export { UpstreamObjects, type UpstreamObjectsOptions, type UpstreamPeerStats } from "./upstream-objects.js";
export {
  createVerifyingRelay,
  type VerifyingRelay,
  type VerifyingRelayOptions,
  type VerifyingRelayState,
  type VerifyingRelayStats,
} from "./verifying-relay.js";
export { ObjectSources, subscribeTrack } from "./bind-ws.js";
export type { Dialer } from "./dialer.js";
export type { SubscribeEvent, SubscribeOptions, TrackItem } from "./subscribe.js";
export { FramePool, type FramePoolOptions, type FramePoolStats } from "./frame-pool.js";
export { Aborted, backoffDelay, type BackoffPolicy, pause, sleep } from "./backoff.js";
export {
  DEFAULT_DEADLINE_CHUNKS, DEFAULT_RETRY, type DropReason, type LivenessReason, MIN_DEADLINE_MS, type ObjectSourcesOptions,
  type SourceDeadlines, type SourceEvent, type SourceObject, sourceDeadlines, type Verdict,
} from "./object-sources.js";
