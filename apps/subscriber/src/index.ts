/**
 * `ec-node moq-subscribe`, as a function: subscribe -> verify -> decrypt -> HLS.
 *
 * Manifests come from one peer, objects from another (or several, with failover). An object is
 * decrypted and written only after a verified manifest from a trusted signer lists its exact
 * hash and size ("no manifests, no data"); objects that arrive first wait in a bounded buffer.
 * The decisions live in packages (VerifiedStream over ObjectGate and ObjectSources, SegmentWriter;
 * see run.ts): this is wiring.
 */
import { writeFileSync, renameSync } from "node:fs";
import type { Logger, SourceDeadlines } from "@ec/moq-transport";
import { SubscriberRun } from "./run.js";
import { describeCounts } from "./stats.js";
import type { SubscriberStats } from "./stats.js";

export type { SubscriberStats, PeerStats } from "./stats.js";
export { RESUME_FILE } from "@ec/hls-sink";
/** The least time between the HLS output's group commits (the pipeline bench writes as the subscriber does). */
export { COMMIT_INTERVAL_MS as HLS_COMMIT_INTERVAL_MS } from "./run.js";
export { whyStuck } from "@ec/verified-stream";
export type { StuckKind, StuckReason } from "@ec/verified-stream";

export interface SubscriberOptions {
  /** Object peers (EndpointAddr), in order of preference. */
  remotes: string[];
  /** Manifest peer; defaults to the first of `remotes`. */
  remoteManifests?: string;
  /** Accept plain `host:port` remotes (no identity check). */
  allowInsecure?: boolean;
  streamId: string;
  subscribeManifests: boolean;
  requireManifest: boolean;
  /** Pinned signer keys; empty = trust the first signer seen (said loudly). */
  trustedKeys: Uint8Array[];
  streamSecret?: Uint8Array | string;
  hlsDir: string;
  /** 0 keeps every segment (event playlist). */
  hlsWindow: number;
  /** Stop (exit 0) after this much verified media is written; give up (with the reason) at `timeoutMs`. */
  stopAfterMs?: number;
  timeoutMs?: number;
  statsJson?: string;
  /** Only with requireManifest=false: the epoch to open unvouched objects with, and their nominal length. */
  epoch?: string;
  chunkMs?: number;
  /** Objects held before their manifest arrives (default 64 objects, 256 MiB). */
  pendingMaxObjects?: number;
  pendingMaxBytes?: number;
  /** Joining a running stream: start this many segments before the live edge of the first manifest (default 3). */
  backfill?: number;
  /** Blamed rejections from one object peer before it is dropped (default 3; the first demotes it). */
  junkThreshold?: number;
  /** Largest object taken from a relay (default MAX_OBJECT_BYTES of @ec/stream-rules). */
  maxObjectBytes?: number;
  /** Failover deadlines (ms); unset ones follow the chunk duration (see ObjectSources in @ec/moq-transport). */
  deadlines?: Partial<SourceDeadlines>;
  log: Logger;
  signal?: AbortSignal;
  /** Called once at start with the live counters object (it keeps changing; read it, don't write it). */
  onStats?: (stats: SubscriberStats) => void;
  /** Called after each segment is in place (for latency probes and UIs). */
  onSegment?: (info: { seq: number; segmentName: string; mediaSequence: number }) => void;
}

export interface SubscriberResult {
  ok: boolean;
  reason: string;
  stats: SubscriberStats;
}

/** Runs a subscriber to completion (stop-after reached, timeout, abort, or fatal error). */
export async function runSubscriber(opts: SubscriberOptions): Promise<SubscriberResult> {
  const log = opts.log;
  if (!(opts.remoteManifests ?? opts.remotes[0])) throw new Error("no remote to subscribe to");
  if (opts.requireManifest && !opts.subscribeManifests) throw new Error("--require-manifest needs --subscribe-manifests");
  if (!opts.requireManifest && !opts.epoch) throw new Error("--require-manifest=false needs --epoch to open objects");
  const run = await SubscriberRun.open(opts);
  const { stats, writer } = run;
  opts.onStats?.(stats);
  const onAbort = () => run.finish(true, "stopped");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const writeStats = () => {
    try {
      if (!opts.statsJson) return;
      const tmp = `${opts.statsJson}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(stats, null, 2) + "\n");
      renameSync(tmp, opts.statsJson);
    } catch (err) {
      log.warn("cannot write stats file", { error: (err as Error).message });
    }
  };
  let ticks = 0;
  const timer = setInterval(() => {
    run.refreshStats();
    writeStats();
    if (++ticks % 5 === 0) {
      log.info("progress", {
        segments: stats.segments,
        mediaSeconds: Math.round(stats.mediaSeconds * 10) / 10,
        manifestsAccepted: stats.manifests.accepted,
        manifestsRejected: describeCounts(stats.manifests.rejected),
        objectsAccepted: stats.objects.accepted,
        objectsRejected: describeCounts(stats.objects.rejected),
        pending: stats.objects.pending,
        objectPeer: run.stream.activePeer,
      });
    }
  }, 1000);
  const deadline = opts.timeoutMs
    ? setTimeout(() => {
        run.finish(false, `timed out after ${Math.round(opts.timeoutMs! / 1000)} s: ${run.whyStuck()}`);
      }, opts.timeoutMs)
    : undefined;

  log.info("subscribing", { streamId: opts.streamId, manifests: run.manifestPeer, objects: opts.remotes.join(","), requireManifest: opts.requireManifest, trustedKeys: opts.trustedKeys.length });
  if (!opts.requireManifest) log.warn("--require-manifest=false: objects are accepted WITHOUT a signed manifest (AEAD only)");

  await run.stream.run();
  clearInterval(timer);
  if (deadline) clearTimeout(deadline);
  opts.signal?.removeEventListener("abort", onAbort);
  try {
    await writer.close({ endList: true });
  } catch (err) {
    if (run.result?.ok) run.result = { ok: false, reason: `cannot finish HLS: ${(err as Error).message}` };
  }
  if (writer.failure && run.result?.ok) run.result = { ok: false, reason: `cannot write HLS: ${writer.failure.message}` };
  run.refreshStats();
  stats.result = run.result!;
  writeStats();
  return { ...run.result!, stats };
}
