/**
 * `@ec/verified-stream`: the verifying core of a subscriber, for Node and browsers. Manifests from
 * one peer and objects from many (with failover and a junk score) go through `@ec/manifest`'s
 * ObjectGate and `@ec/chunk-crypto`; each chunk a verified manifest vouches for comes out once,
 * decrypted, with per-peer counters and a one-line reason when nothing does. The consumer keeps
 * the order and the position (see the README: why ordering is the consumer's).
 * @module
 */
export { VerifiedStream, RESTART_WAIT_MS } from "./verified-stream.js";
export type {
  ChooseStart,
  ConsumerPosition,
  EpochStart,
  ManifestWindow,
  StreamEnd,
  VerifiedChunk,
  VerifiedStreamOptions,
} from "./types.js";
export { positionOf } from "./position.js";
export type { PositionKeeper } from "./position.js";
export { PEER_ROLES, listPeers, peerState } from "./stats.js";
export type { PeerRole, PeerState, PeerStats, PeersByRole, StreamStats } from "./stats.js";
export { STALL_AFTER_MANIFESTS, whyStuck } from "./why-stuck.js";
export type { StuckInputs, StuckKind, StuckReason } from "./why-stuck.js";
export { liveMaxFrameBytes, sizeScaledDeadlines } from "./deadlines.js";
export type { SizeSource } from "./deadlines.js";
export { VerifiedStreamError } from "./errors.js";
export type { VerifiedStreamErrorCode } from "./errors.js";
