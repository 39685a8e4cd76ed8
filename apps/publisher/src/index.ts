/**
 * `ec-node moq-publish`, as a function: capture -> chunk -> encrypt -> (sign) -> publish.
 *
 * A publisher is a leader/signer (`publishManifests`), an availability relay (`publishChunks`),
 * or both. Either way it computes the same objects from the same input: chunking and sealing
 * are deterministic, so a leader that publishes only manifests and a relay that publishes only
 * objects, fed the same recording, agree byte for byte.
 */
import { createReadStream } from "node:fs";
import { hashObject, signManifest } from "@ec/manifest";
import type { ManifestEntry, SigningKey } from "@ec/manifest";
import { deriveStreamKey, sealChunk } from "@ec/chunk-crypto";
import { chunkStream, openStream, pacedChunks, HdhrError } from "@ec/hdhr-capture";
import type { TsChunk } from "@ec/hdhr-capture";
import { MoqNode } from "@ec/moq-transport";
import type { Logger, NodeIdentity, StreamServer } from "@ec/moq-transport";
import { deriveEpoch } from "./epoch.js";
import { retryingTunerStream } from "./tuner-source.js";

export { deriveEpoch } from "./epoch.js";

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
  chunkMs: number;
  streamSecret?: Uint8Array | string;
  publishChunks: boolean;
  /** Requires `signingKey`. */
  publishManifests: boolean;
  signingKey?: SigningKey;
  /** Wait this long after listening before reading the source (lets subscribers connect first). */
  startupDelayMs?: number;
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
  const windowChunks = opts.windowChunks ?? 32;
  const ttlMs = opts.manifestTtlMs ?? 120_000;
  const log = opts.log;
  const node = await MoqNode.listen({ listen: opts.listen, advertise: opts.advertise, identity: opts.identity, log });
  const server: StreamServer = node.serve(opts.streamId, {
    manifests: opts.publishManifests,
    chunks: opts.publishChunks,
    window: { maxGroups: windowChunks, maxBytes: 256 * 1024 * 1024 },
  });
  const key = deriveStreamKey({ streamId: opts.streamId, secret: opts.streamSecret });
  const stats: PublisherStats = { chunks: 0, manifests: 0, objectBytes: 0, mediaSeconds: 0, tunerRetries: 0 };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const run = async () => {
    if (opts.startupDelayMs) await sleep(opts.startupDelayMs, stop.signal);
    let chunks: AsyncIterable<TsChunk>;
    if (opts.source.kind === "file") {
      const file = createReadStream(opts.source.path, { highWaterMark: 256 * 1024, signal: stop.signal });
      chunks = chunkStream(file as AsyncIterable<Uint8Array>, { chunkMs: opts.chunkMs });
      if (opts.source.realtime) chunks = pacedChunks(chunks, { speed: opts.source.speed ?? 1, signal: stop.signal });
    } else {
      const src = opts.source;
      chunks = retryingTunerStream({
        open: (firstSeq) =>
          chunkStream(openStream(src.host, src.channel, { durationS: src.durationS, stallTimeoutMs: src.stallTimeoutMs, signal: stop.signal }), {
            chunkMs: opts.chunkMs,
            firstSeq,
          }),
        retry: src.retry,
        signal: stop.signal,
        log,
        onRetry: () => stats.tunerRetries++,
      });
    }

    let epoch = opts.epoch;
    let manifestSeq = 0;
    let prevHash: Uint8Array = ZERO_HASH;
    const window: ManifestEntry[] = [];
    let lastProgress = Date.now();
    for await (const chunk of chunks) {
      if (stop.signal.aborted) break;
      epoch ??= deriveEpoch(chunk.bytes, opts.streamId);
      if (stats.chunks === 0) log.info("first chunk", { epoch, seq: chunk.seq, bytes: chunk.bytes.length });
      const object = sealChunk(key, { streamId: opts.streamId, epoch, seq: chunk.seq }, chunk.bytes);
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
        server.publish("manifests", manifestSeq, manifest.bytes);
        manifestSeq++;
        stats.manifests++;
      }
      if (opts.publishChunks) server.publish("chunks", chunk.seq, object);
      stats.chunks++;
      stats.objectBytes += object.length;
      stats.mediaSeconds += chunk.durationTicks / 90_000;
      opts.onChunk?.({ seq: chunk.seq, epoch, objectBytes: object.length, durationTicks: chunk.durationTicks });
      log.debug("published chunk", { seq: chunk.seq, bytes: object.length, durationMs: Math.round(chunk.durationTicks / 90) });
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
      server.close();
      await node.close();
    },
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export { HdhrError };
