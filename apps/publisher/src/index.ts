/**
 * `ec-node moq-publish`, as a function: capture -> chunk -> encrypt -> (sign) -> publish.
 *
 * A publisher is a leader/signer (`publishManifests`), an availability relay (`publishChunks`),
 * or both. Either way it computes the same objects from the same input: chunking and sealing
 * are deterministic, so a leader that publishes only manifests and a relay that publishes only
 * objects, fed the same recording, agree byte for byte.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { hashObject, signManifest } from "@ec/manifest";
import type { ManifestEntry, SigningKey } from "@ec/manifest";
import { deriveStreamKey, OBJECT_OVERHEAD_BYTES, sealChunk } from "@ec/chunk-crypto";
import { chunkFile, chunkStream, openStream, pacedChunks, HdhrError } from "@ec/hdhr-capture";
import type { TsChunk } from "@ec/hdhr-capture";
import { MoqNode, pause } from "@ec/moq-transport";
import type { Logger, NodeIdentity, NodeTlsOptions, StreamServer } from "@ec/moq-transport";
import { deriveEpoch, msFromTicks, secondsFromTicks } from "@ec/stream-rules";
import { retryingTunerStream } from "./tuner-source.js";
import { writeFileAtomic } from "./atomic-file.js";
import { runFollower } from "./follower.js";
import type { FollowOptions, FollowerStats } from "./follower.js";

export { deriveEpoch } from "@ec/stream-rules";
export { FollowError, type FollowOptions, type FollowerStats } from "./follower.js";
export { writeFileAtomic } from "./atomic-file.js";

export type PublisherSource =
  | { kind: "file"; path: string; realtime: boolean; speed?: number }
  | {
      kind: "hdhr";
      host: string;
      channel: string;
      durationS?: number;
      /** A read that waits this long for the tuner counts as a stall (default 10 000); the stream is reopened. */
      stallTimeoutMs?: number;
      retry?: { minDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
    };

export interface PublisherOptions {
  source: PublisherSource;
  streamId: string;
  /** `host:port` to listen on; port 0 picks a free one. */
  listen: string;
  /** `host:port` written into the EndpointAddr instead (for listening on 0.0.0.0). */
  advertise?: string;
  identity?: NodeIdentity;
  /** Listen with TLS: `wss://`, an `ecmoqs://` EndpointAddr (see MoqNode.listen). */
  tls?: NodeTlsOptions;
  chunkMs: number;
  streamSecret?: Uint8Array | string;
  publishChunks: boolean;
  /** Requires `signingKey`. */
  publishManifests: boolean;
  signingKey?: SigningKey;
  /** Wait this long after listening before reading the source (lets subscribers connect first). */
  startupDelayMs?: number;
  /**
   * Follow a leader: publish the leader's objects from this node's own capture (only those whose
   * hash the leader signed), with the leader's epoch and seqs. Implies chunks only, no signing.
   */
  follow?: FollowOptions;
  /** Write each captured chunk's plaintext to `<dir>/<seq>-<firstPts>.ts` (a debugging aid; this capture's own numbering). */
  dumpChunksDir?: string;
  /** Override the content-derived epoch (a live tuner has no shared start to derive one from). */
  epoch?: string;
  /** How many recent entries each manifest lists, and how many groups each track keeps. */
  windowChunks?: number;
  /** Manifest lifetime: issued-at + ttl = expires-at. */
  manifestTtlMs?: number;
  log: Logger;
  signal?: AbortSignal;
  /** Called once per chunk after it is published (for progress, tests and latency probes). */
  onChunk?: (info: { seq: number; epoch: string; objectBytes: number; durationTicks: number }) => void;
}

export interface PublisherStats {
  chunks: number;
  manifests: number;
  objectBytes: number;
  mediaSeconds: number;
  tunerRetries: number;
  /** With `follow`: what the follower matched, published and why it did not publish the rest. */
  follow?: FollowerStats;
}

export interface Publisher {
  /** This node's EndpointAddr. */
  readonly endpoint: string;
  readonly node: MoqNode;
  readonly stats: PublisherStats;
  /** Resolves when the source is exhausted (the node keeps serving its window until close). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

const ZERO_HASH = new Uint8Array(32);

/** Starts a publisher: listens, then (after the startup delay) ingests and publishes the source. */
export async function startPublisher(opts: PublisherOptions): Promise<Publisher> {
  if (opts.publishManifests && !opts.signingKey) throw new Error("publishing manifests needs a signing key");
  if (!opts.publishManifests && !opts.publishChunks) throw new Error("nothing to publish: neither manifests nor chunks");
  if (opts.follow && (opts.publishManifests || opts.epoch !== undefined)) throw new Error("a follower publishes the leader's objects: no signing key, no epoch of its own");
  const windowChunks = opts.windowChunks ?? 32;
  const ttlMs = opts.manifestTtlMs ?? 120_000;
  const log = opts.log;
  const node = await MoqNode.listen({ listen: opts.listen, advertise: opts.advertise, identity: opts.identity, log, tls: opts.tls });
  const trackWindow = { maxGroups: windowChunks, maxBytes: 256 * 1024 * 1024 };
  // A follower serves the leader's objects once it knows the leader's epoch (runFollower serves them).
  const server: StreamServer | undefined = opts.follow
    ? undefined
    : node.serve(opts.streamId, { manifests: opts.publishManifests, chunks: opts.publishChunks, window: trackWindow });
  const key = deriveStreamKey({ streamId: opts.streamId, secret: opts.streamSecret });
  const stats: PublisherStats = { chunks: 0, manifests: 0, objectBytes: 0, mediaSeconds: 0, tunerRetries: 0 };
  if (opts.follow) stats.follow = { captured: 0, published: 0, mismatched: {}, held: 0, manifests: { accepted: 0, rejected: {} }, leaderRestarts: 0 };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const run = async () => {
    if (opts.startupDelayMs) await pause(opts.startupDelayMs, stop.signal);
    let chunks: AsyncIterable<TsChunk>;
    // Each chunk is sealed (or dumped) before the next is asked for, so the chunker may reuse its
    // memory; a follower holds captured chunks until the leader's manifest names them, so not there.
    const reuseBuffers = !opts.follow;
    if (opts.source.kind === "file") {
      chunks = chunkFile(opts.source.path, { chunkMs: opts.chunkMs, signal: stop.signal, reuseBuffers });
      if (opts.source.realtime) chunks = pacedChunks(chunks, { speed: opts.source.speed ?? 1, signal: stop.signal });
    } else {
      const src = opts.source;
      chunks = retryingTunerStream({
        open: (firstSeq) =>
          chunkStream(openStream(src.host, src.channel, { durationS: src.durationS, stallTimeoutMs: src.stallTimeoutMs, signal: stop.signal }), {
            chunkMs: opts.chunkMs,
            firstSeq,
            reuseBuffers,
          }),
        retry: src.retry,
        signal: stop.signal,
        log,
        onRetry: () => stats.tunerRetries++,
      });
    }

    if (opts.dumpChunksDir) chunks = dumpChunks(chunks, opts.dumpChunksDir);
    if (opts.follow) {
      await runFollower({
        chunks,
        follow: opts.follow,
        streamId: opts.streamId,
        key,
        node,
        window: trackWindow,
        log,
        signal: stop.signal,
        stats: stats.follow!,
        abortCapture: () => stop.abort(),
        onPublish: (info) => {
          stats.chunks++;
          stats.objectBytes += info.objectBytes;
          stats.mediaSeconds += secondsFromTicks(info.durationTicks);
          opts.onChunk?.(info);
        },
      });
      log.info("input ended", { ...stats, mediaSeconds: round1(stats.mediaSeconds) });
      return;
    }
    const srv = server!;
    let epoch = opts.epoch;
    let manifestSeq = 0;
    let prevHash: Uint8Array = ZERO_HASH;
    const window: ManifestEntry[] = [];
    let lastProgress = Date.now();
    // A leader that does not serve objects needs each one only to hash it: one buffer serves them all.
    let scratch: Uint8Array | undefined = opts.publishChunks ? undefined : new Uint8Array(0);
    for await (const chunk of chunks) {
      if (stop.signal.aborted) break;
      epoch ??= deriveEpoch(chunk.bytes, opts.streamId);
      if (stats.chunks === 0) log.info("first chunk", { epoch, seq: chunk.seq, bytes: chunk.bytes.length });
      const size = OBJECT_OVERHEAD_BYTES + chunk.bytes.length;
      if (scratch !== undefined && scratch.length < size) scratch = new Uint8Array(size + (size >> 2));
      const object = sealChunk(key, { streamId: opts.streamId, epoch, seq: chunk.seq }, chunk.bytes, scratch);
      if (opts.publishManifests) {
        window.push({
          seq: chunk.seq,
          objectHash: hashObject(object),
          objectSize: object.length,
          durationTicks: chunk.durationTicks,
          firstPts: chunk.firstPts,
        });
        if (window.length > windowChunks) window.shift();
        const issuedAtMs = Date.now();
        const manifest = signManifest(
          { streamId: opts.streamId, epoch, seq: manifestSeq, prevHash, issuedAtMs, expiresAtMs: issuedAtMs + ttlMs, entries: window.slice() },
          opts.signingKey!,
        );
        prevHash = manifest.hash;
        // The manifest goes out before the object it vouches for, so subscribers rarely hold objects.
        srv.publish("manifests", manifestSeq, manifest.bytes);
        manifestSeq++;
        stats.manifests++;
      }
      if (opts.publishChunks) srv.publish("chunks", chunk.seq, object);
      stats.chunks++;
      stats.objectBytes += object.length;
      stats.mediaSeconds += secondsFromTicks(chunk.durationTicks);
      opts.onChunk?.({ seq: chunk.seq, epoch, objectBytes: object.length, durationTicks: chunk.durationTicks });
      log.debug("published chunk", { seq: chunk.seq, bytes: object.length, durationMs: Math.round(msFromTicks(chunk.durationTicks)) });
      if (Date.now() - lastProgress >= 5000) {
        lastProgress = Date.now();
        log.info("progress", { ...stats, mediaSeconds: round1(stats.mediaSeconds) });
      }
    }
    log.info("input ended", { ...stats, mediaSeconds: round1(stats.mediaSeconds) });
  };

  const done = run().finally(() => opts.signal?.removeEventListener("abort", onAbort));
  // Errors surface through `done`; keep an unobserved rejection from crashing the process first.
  done.catch(() => {});

  return {
    endpoint: node.endpoint,
    node,
    stats,
    done,
    async close() {
      stop.abort();
      await done.catch(() => {});
      server?.close();
      await node.close();
    },
  };
}

/** Passes chunks through, writing each one's plaintext to `<dir>/<seq>.ts` first (atomically). */
async function* dumpChunks(chunks: AsyncIterable<TsChunk>, dir: string): AsyncGenerator<TsChunk> {
  mkdirSync(dir, { recursive: true });
  for await (const c of chunks) {
    writeFileAtomic(join(dir, `${String(c.seq).padStart(6, "0")}-${c.firstPts}.ts`), c.bytes);
    yield c;
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export { HdhrError };
