/**
 * What a {@link VerifiedStream} is given and what it hands out. The consumer (an HLS writer, a
 * page's MSE buffer) keeps the position: the stream asks it, never tracks it itself.
 */
import type { BackendChoice } from "@ec/chunk-crypto";
import type { FramePool, Logger, SourceDeadlines } from "@ec/moq-transport";

/** A verified, decrypted chunk, in the order it was verified (not necessarily seq order). */
export interface VerifiedChunk {
  /** The capture run (manifest epoch) the seq belongs to. */
  epoch: string;
  seq: number;
  /** PTS of the first frame, 90 kHz, as the manifest vouches for it (0 for an unvouched chunk). */
  firstPts: number;
  /** Media duration in 90 kHz ticks, as vouched. */
  durationTicks: number;
  /** The opened chunk: whole MPEG-TS packets. */
  plaintext: Uint8Array;
  /**
   * The sealed object as received (what a relay would forward); absent with
   * {@link VerifiedStreamOptions.openInPlace}, whose objects' memory holds the plaintext.
   */
  object?: Uint8Array;
  /** The peer that delivered it. */
  peer: string;
  /**
   * The consumer is done with `plaintext` and `object`: with a {@link VerifiedStreamOptions.framePool}
   * their memory goes back to the pool (every view of it reads as empty from then on) and a later
   * object is received into it; without one it does nothing. Optional to call (unreleased memory
   * is collected as usual); never call it while anything may still read the chunk.
   */
  release(): void;
}

/**
 * Where the consumer stands, asked by the stream (so duplicates are not verified twice and a
 * failover resumes exactly where the consumer needs). SegmentWriter and SegmentOrderer of
 * `@ec/hls-sink` both fit: see {@link positionOf}.
 */
export interface ConsumerPosition {
  /** True when the consumer already has `seq` of `epoch` or will never take it (below its position). `epoch` undefined: its current one. */
  has(epoch: string | undefined, seq: number): boolean;
  /** The next seq the consumer needs in `epoch`; undefined when it is not in that epoch (or has no position yet). */
  nextSeq(epoch: string): number | undefined;
}

/** The chunk seqs the first verified manifest of an epoch vouches for: `firstSeq..lastSeq`. */
export interface ManifestWindow {
  epoch: string;
  firstSeq: number;
  lastSeq: number;
}

/**
 * Where to start in a new epoch, decided by the consumer: the Node subscriber resumes its playlist
 * (`chooseStart` of `@ec/hls-sink` with its resume point), a page starts a few chunks before the
 * live edge. `first` is true for the first epoch the stream sees.
 */
export type ChooseStart = (window: ManifestWindow, ctx: { first: boolean }) => { seq: number; resumed?: boolean };

/** A new epoch begins: the consumer moves its position to `seq` (before any chunk of it is emitted). */
export interface EpochStart {
  epoch: string;
  seq: number;
  resumed: boolean;
  /** The epoch left, when the leader restarted. */
  previous?: string;
}

/** How a stream ended: `ok` for a stop asked by its owner; not ok for a failure, with the reason. */
export interface StreamEnd {
  ok: boolean;
  reason: string;
}

export interface VerifiedStreamOptions {
  streamId: string;
  /** Where verified manifests come from (one peer; EndpointAddr). */
  manifestPeer: string;
  /** Object peers (EndpointAddr), in order of preference; one is subscribed at a time, with failover. */
  objectPeers: string[];
  /** Accept plain `host:port` peers (no identity check). */
  allowInsecure?: boolean;
  /** Pinned signer keys (Ed25519 public keys); empty = trust the first signer seen, with a warning. */
  trustedKeys: readonly Uint8Array[];
  /** The stream secret objects are sealed with (none: a public stream). */
  streamSecret?: Uint8Array | string;
  /** `@ec/chunk-crypto` backend; `auto` (default) is `node:crypto` in Node and the portable one elsewhere. */
  cryptoBackend?: BackendChoice;
  /** The start decision for each new epoch (see {@link ChooseStart}). */
  start: ChooseStart;
  /** The consumer's position (see {@link ConsumerPosition}). */
  position: ConsumerPosition;
  /** Each accepted chunk, once, as soon as it is verified and opened. */
  onChunk: (chunk: VerifiedChunk) => void;
  /** A new epoch starts at `seq` (called before its first chunk). */
  onStart?: (start: EpochStart) => void;
  /** Counters changed (a manifest, an object, a peer event): read {@link VerifiedStream.stats}. */
  onChange?: () => void;
  log?: Logger;
  /** Aborting it stops the stream (ok, "stopped"). */
  signal?: AbortSignal;
  /** Objects held before their manifest arrives (default 64 objects, 256 MiB). */
  pending?: { maxObjects: number; maxBytes: number };
  /** Blamed rejections from one object peer before it is dropped (default 3; the first demotes it). */
  junkThreshold?: number;
  /** Largest object taken from a peer (default MAX_OBJECT_BYTES of @ec/stream-rules). */
  maxObjectBytes?: number;
  /** Failover deadlines (ms); unset ones follow the chunk duration and, for big objects, their size. */
  deadlines?: Partial<SourceDeadlines>;
  /** The chunk duration (ms) assumed until a manifest says (default 2000). */
  chunkMs?: number;
  /** How long a restarted object peer is left while the new epoch's manifest is awaited (default 10 000 ms). */
  restartWaitMs?: number;
  /**
   * UNSAFE (the Node CLI's `--require-manifest=false`): objects no manifest vouches for are opened
   * with this epoch and accepted on AEAD alone; objects are subscribed at once.
   */
  acceptUnvouched?: { epoch: string };
  /**
   * Decrypt each accepted object in its own memory (default false): `plaintext` is then a view of
   * the received object, and {@link VerifiedChunk.object} is absent. One chunk-sized buffer per
   * chunk instead of two, for a consumer that needs only the plaintext (the Node subscriber's HLS
   * writer); not for one that forwards the sealed objects. A vouched object that fails to open is
   * wiped, as any unauthenticated plaintext.
   */
  openInPlace?: boolean;
  /**
   * Receive objects into memory lent by this pool (`@ec/moq-transport`'s FramePool): a consumer
   * that calls {@link VerifiedChunk.release} once it has what it needs (the HLS writer: once the
   * segment is written) has the next objects received into the same memory instead of fresh pages.
   * Default: a fresh buffer per object.
   */
  framePool?: FramePool;
  /** Subscribe to manifests (default true; false only with `acceptUnvouched`). */
  subscribeManifests?: boolean;
}
