/**
 * A follower: a capturing publisher that serves the LEADER's objects from its own capture.
 *
 * It subscribes to the leader's manifests, verifies them against pinned keys, and hands their
 * entries and its own captured chunks to a `CaptureMatcher` (@ec/manifest), which pairs them by
 * first PTS, seals each chunk with the leader's epoch and seq, and releases it only when the
 * sealed object is exactly what the leader's entry vouches for. This file is wiring: it moves
 * bytes between the tuner, the matcher and the node, and reports.
 */
import { CaptureMatcher, ManifestVerifier, publicKeyToHex } from "@ec/manifest";
import type { CaptureMatcherStats, CaptureOutcome, ManifestRejectReason } from "@ec/manifest";
import { sealChunk } from "@ec/chunk-crypto";
import type { StreamKey } from "@ec/chunk-crypto";
import type { TsChunk } from "@ec/hdhr-capture";
import { describeCounts, subscribeTrack, TransportError } from "@ec/moq-transport";
import type { Logger, MoqNode, StreamServer, WindowLimits } from "@ec/moq-transport";

/** What `--follow` needs. */
export interface FollowOptions {
  /** The leader's EndpointAddr (its manifests track). */
  leader: string;
  /** Pinned leader keys: a follower publishes only what one of these signed. */
  trustedKeys: Uint8Array[];
  /** Accept a plain host:port leader (no identity check). */
  allowInsecure?: boolean;
  /** Give up (the run fails with the reason) when no manifest verified by then. Default 20 000 ms. */
  firstManifestTimeoutMs?: number;
}

/** Counters of a follower (beside the publisher's own). */
export interface FollowerStats extends CaptureMatcherStats {
  /** The leader's epoch being followed. */
  epoch?: string;
  manifests: { accepted: number; rejected: Partial<Record<ManifestRejectReason, number>> };
  /** Times the leader restarted (a new epoch) while followed. */
  leaderRestarts: number;
}

/** Thrown (through `done`) when the leader cannot be followed: unreachable, untrusted, silent. */
export class FollowError extends Error {
  override readonly name = "FollowError";
}

/** How often the follower logs its progress line. */
const PROGRESS_EVERY_MS = 5000;

/** Leader manifest rejections that mean "this is not the leader you pinned": fail at once. */
const FATAL_BEFORE_FIRST: ReadonlySet<ManifestRejectReason> = new Set(["unknown-signer", "wrong-stream"]);

/**
 * Runs the follower over `chunks` until they end or `signal` aborts; rejects with a
 * {@link FollowError} when the leader cannot be followed.
 */
export async function runFollower(o: {
  chunks: AsyncIterable<TsChunk>;
  follow: FollowOptions;
  streamId: string;
  key: StreamKey;
  node: MoqNode;
  window: WindowLimits;
  log: Logger;
  signal: AbortSignal;
  stats: FollowerStats;
  /** Stops the capture (the follower gives up on the leader). */
  abortCapture: () => void;
  /** Called for each object published (seq in the leader's numbering). */
  onPublish: (info: { seq: number; epoch: string; objectBytes: number; durationTicks: number }) => void;
}): Promise<void> {
  const { log, stats, follow } = o;
  const verifier = new ManifestVerifier({ streamId: o.streamId, trustedKeys: follow.trustedKeys });
  const matcher = new CaptureMatcher({ seal: ({ epoch, seq }, pt) => sealChunk(o.key, { streamId: o.streamId, epoch, seq }, pt) });
  const mirror = () => Object.assign(stats, matcher.stats);
  let server: StreamServer | undefined;
  let serverEpoch: string | undefined;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  o.signal.addEventListener("abort", onAbort, { once: true });
  let failure: FollowError | undefined;
  const fail = (msg: string) => {
    failure ??= new FollowError(msg);
    stop.abort();
    o.abortCapture();
  };

  const apply = (outcomes: CaptureOutcome[]) => {
    for (const out of outcomes) {
      if (out.kind === "mismatch") {
        log.warn("capture-mismatch", { seq: out.seq, firstPts: out.firstPts, reason: out.reason, detail: out.detail });
        continue;
      }
      if (out.epoch !== serverEpoch) {
        // A new leader run numbers its chunks from scratch: serve them as a new track window.
        server?.close();
        server = o.node.serve(o.streamId, { manifests: false, chunks: true, window: o.window });
        serverEpoch = out.epoch;
      }
      server!.publish("chunks", out.seq, out.object);
      if (matcher.stats.published === 1) log.info("first object published", { seq: out.seq, epoch: out.epoch, firstPts: out.entry.firstPts });
      log.debug("published chunk", { seq: out.seq, bytes: out.object.length });
      o.onPublish({ seq: out.seq, epoch: out.epoch, objectBytes: out.object.length, durationTicks: out.entry.durationTicks });
    }
    mirror();
  };

  let lastError: string | undefined;
  const manifests = (async () => {
    try {
      for await (const { bytes } of subscribeTrack({
        remote: follow.leader,
        allowInsecure: follow.allowInsecure,
        streamId: o.streamId,
        track: "manifests",
        signal: stop.signal,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => {
          if (e.type === "error" || e.type === "disconnected" || e.type === "dial-failed") lastError = e.detail;
          if (e.type === "connected") log.info("leader connected", { leader: follow.leader });
          else if (e.type === "disconnected") log.warn("leader disconnected", { leader: follow.leader, detail: e.detail });
        },
      })) {
        const res = verifier.ingest(bytes);
        if (!res.ok) {
          stats.manifests.rejected[res.reason] = (stats.manifests.rejected[res.reason] ?? 0) + 1;
          if (stats.manifests.accepted === 0 && FATAL_BEFORE_FIRST.has(res.reason)) {
            return fail(`leader ${follow.leader} cannot be followed: its manifest was rejected (${res.reason}: ${res.detail})`);
          }
          (res.reason === "replay" ? log.debug : log.warn)("leader manifest rejected", { reason: res.reason, detail: res.detail });
          continue;
        }
        stats.manifests.accepted++;
        if (stats.manifests.accepted === 1) log.info("following the leader", { signer: publicKeyToHex(res.manifest.signer), epoch: res.manifest.epoch });
        if (res.epochChanged) {
          stats.leaderRestarts++;
          log.warn("the leader restarted: following its new epoch", { from: stats.epoch, to: res.manifest.epoch });
        }
        stats.epoch = res.manifest.epoch;
        apply(matcher.addEntries(res.manifest.epoch, res.manifest.entries));
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      const msg = err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
      fail(`leader ${follow.leader} cannot be followed: ${msg}`);
    }
  })();

  const firstTimeout = follow.firstManifestTimeoutMs ?? 20_000;
  const deadline = setTimeout(() => {
    if (stats.manifests.accepted > 0) return;
    const rejected = Object.keys(stats.manifests.rejected).length ? describeCounts(stats.manifests.rejected) : "";
    fail(
      `no manifest from leader ${follow.leader} verified in ${Math.round(firstTimeout / 1000)} s: ` +
        (rejected ? `rejected ${rejected}` : lastError ? `unreachable (${lastError})` : "nothing received"),
    );
  }, firstTimeout);

  // Progress on a timer (a capture that stalls must still report), and once more at the end.
  const progress = (final: boolean) => {
    const s = matcher.stats;
    const fields = { captured: s.captured, published: s.published, mismatched: describeCounts(s.mismatched), held: s.held, leaderManifests: stats.manifests.accepted };
    // A follower whose capture never matches must say so, not serve nothing silently.
    if (s.captured >= (final ? 1 : 3) && s.published === 0) log.warn("progress: no captured chunk has matched the leader's yet", fields);
    else log.info(final ? "capture ended" : "progress", fields);
  };
  const progressTimer = setInterval(() => progress(false), PROGRESS_EVERY_MS);
  try {
    for await (const chunk of o.chunks) {
      if (stop.signal.aborted) break;
      // Only a chunk cut by the grid rule is expected to match; the first after a (re)start, a resync or a forced cut may not.
      apply(matcher.addChunk({ firstPts: chunk.firstPts, bytes: chunk.bytes, aligned: chunk.boundary === "grid" }));
    }
    if (!failure) progress(true);
  } catch (err) {
    // A capture stopped because the leader failed ends with the leader's reason, not an AbortError.
    if (!failure) throw err;
  } finally {
    clearInterval(progressTimer);
    clearTimeout(deadline);
    stop.abort();
    o.signal.removeEventListener("abort", onAbort);
    await manifests;
    mirror();
  }
  if (failure) throw failure;
}

