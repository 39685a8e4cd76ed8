/**
 * `ec-node moq-subscribe`, as a function: subscribe -> verify -> decrypt -> HLS.
 *
 * Manifests come from one peer, objects from another (or several, with failover). An object is
 * decrypted and written only after a verified manifest from a trusted signer lists its exact
 * hash and size ("no manifests, no data"); objects that arrive first wait in a bounded buffer.
 */
import { writeFileSync, renameSync } from "node:fs";
import { ManifestVerifier, PendingObjects, publicKeyToHex } from "@ec/manifest";
import type { ManifestEntry } from "@ec/manifest";
import { deriveStreamKey, openChunk, ChunkCryptoError } from "@ec/chunk-crypto";
import { ObjectSources, subscribeTrack, TransportError } from "@ec/moq-transport";
import type { Logger, SourceDeadlines, SourceEvent } from "@ec/moq-transport";
import { HlsSink } from "@ec/hls-sink";
import { SegmentOrderer } from "./segment-orderer.js";
import { readResumePoint, writeResumePoint } from "./resume.js";
import { bump, describeCounts, newSubscriberStats, peerStats } from "./stats.js";
import type { SubscriberStats } from "./stats.js";
import { STALL_AFTER_MANIFESTS, whyStuck } from "./why-stuck.js";

export type { SubscriberStats, PeerStats } from "./stats.js";
export { SegmentOrderer } from "./segment-orderer.js";
export { RESUME_FILE } from "./resume.js";
export { whyStuck } from "./why-stuck.js";
export type { StuckKind, StuckReason } from "./why-stuck.js";

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
  /** Stop (exit 0) after this much verified media is written. */
  stopAfterMs?: number;
  /** Give up (exit non-zero, with the reason) if `stopAfterMs` is not reached by then. */
  timeoutMs?: number;
  statsJson?: string;
  /** Only with requireManifest=false: the epoch to open unvouched objects with, and their nominal length. */
  epoch?: string;
  chunkMs?: number;
  /** Objects held before their manifest arrives. */
  pendingMaxObjects?: number;
  pendingMaxBytes?: number;
  /**
   * How many segments before the live edge to start at, when joining a running stream: the first
   * verified manifest says which seqs exist, and the object subscription asks for the last
   * `backfill` of them still in the relay's window (default 3, what HLS players like to buffer).
   */
  backfill?: number;
  /**
   * Rejected objects from one object peer before it is dropped (default 3). The first one already
   * demotes it: the feed moves to another relay if there is one.
   */
  junkThreshold?: number;
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
  const stats = newSubscriberStats(opts.streamId);
  opts.onStats?.(stats);
  const manifestPeer = opts.remoteManifests ?? opts.remotes[0];
  if (!manifestPeer) throw new Error("no remote to subscribe to");
  if (opts.requireManifest && !opts.subscribeManifests) throw new Error("--require-manifest needs --subscribe-manifests");
  if (!opts.requireManifest && !opts.epoch) throw new Error("--require-manifest=false needs --epoch to open objects");

  const key = deriveStreamKey({ streamId: opts.streamId, secret: opts.streamSecret });
  const verifier = new ManifestVerifier({
    streamId: opts.streamId,
    trustedKeys: opts.trustedKeys,
    trustOnFirstUse: opts.trustedKeys.length === 0,
  });
  stats.signerPinned = opts.trustedKeys.length > 0;
  const pending = new PendingObjects({
    maxObjects: opts.pendingMaxObjects ?? 64,
    maxBytes: opts.pendingMaxBytes ?? 256 * 1024 * 1024,
  });
  const orderer = new SegmentOrderer({ gapTimeoutMs: 6000, maxBuffered: 16 });
  const sink = await HlsSink.open({ dir: opts.hlsDir, windowSegments: opts.hlsWindow, mode: opts.hlsWindow === 0 ? "event" : "live" });
  // Restarted on a directory a run of ours was writing: continue right after its last segment.
  const resume = readResumePoint(opts.hlsDir, opts.streamId, sink.lastSeq);
  const junkThreshold = opts.junkThreshold ?? 3;
  const maxObjectBytes = opts.maxObjectBytes ?? 32 * 1024 * 1024;

  const backfill = Math.max(1, opts.backfill ?? 3);
  /** Where the object subscription starts before anything is written (set from the first manifest of an epoch). */
  let startSeq: number | undefined;
  /** The highest chunk seq a verified manifest of the current epoch lists. */
  let vouchedUpTo: number | undefined;
  /** Object sizes the current epoch's manifests vouch for (bounded): a bigger frame is refused at its length prefix. */
  const vouchedSize = new Map<number, number>();
  let largestVouched = 0;
  /** The chunk duration the manifests say (ms), for the failover deadlines. */
  let chunkMs = opts.chunkMs ?? 2000;
  let firstManifest!: () => void;
  const firstManifestSeen = new Promise<void>((r) => (firstManifest = r));

  const stop = new AbortController();
  let result: { ok: boolean; reason: string } | undefined;
  const finish = (ok: boolean, reason: string) => {
    if (result) return;
    result = { ok, reason };
    stop.abort();
  };
  const onAbort = () => finish(true, "stopped");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  // ---- writing: one segment at a time, in order ----
  let writing = Promise.resolve();
  const writeReleased = () => {
    for (const c of orderer.release()) {
      writing = writing.then(async () => {
        if (result && !result.ok) return;
        const w = await sink.write({ seq: c.seq, firstPts: c.firstPts, durationTicks: c.durationTicks, bytes: c.bytes, discontinuity: c.discontinuity });
        stats.segments++;
        stats.firstSegmentAtMs ??= Date.now();
        stats.bytesWritten += c.bytes.length;
        stats.mediaSeconds += c.durationTicks / 90_000;
        // What the playlist got: the sink also marks PTS jumps the orderer cannot see (a tuner gap).
        if (w.discontinuity) stats.discontinuities++;
        stats.lastSegment = { seq: c.seq, name: w.segmentName, writtenAtMs: Date.now(), durationTicks: c.durationTicks };
        try {
          writeResumePoint(opts.hlsDir, { streamId: opts.streamId, epoch: c.epoch, seq: c.seq });
        } catch (err) {
          log.warn("cannot record the resume point", { error: (err as Error).message });
        }
        log.debug("segment written", { seq: c.seq, segment: w.segmentName, mediaSequence: w.mediaSequence });
        opts.onSegment?.({ seq: c.seq, segmentName: w.segmentName, mediaSequence: w.mediaSequence });
        if (opts.stopAfterMs !== undefined && stats.mediaSeconds * 1000 >= opts.stopAfterMs) {
          finish(true, `wrote ${stats.mediaSeconds.toFixed(1)} s of verified media`);
        }
      });
      writing.catch((err: unknown) => finish(false, `cannot write HLS: ${(err as Error).message}`));
    }
  };

  // ---- accepting: only what a verified manifest vouches for ----
  const accept = (seq: number, bytes: Uint8Array, peer: string, entry: ManifestEntry | undefined, epoch: string) => {
    let plaintext: Uint8Array;
    try {
      plaintext = openChunk(key, { streamId: opts.streamId, epoch, seq }, bytes);
    } catch (err) {
      const reason = err instanceof ChunkCryptoError ? `aead-${err.code}` : "aead-failed";
      reject(peer, seq, reason);
      return;
    }
    stats.objects.accepted++;
    peerStats(stats, peer, "objects").accepted++;
    feed?.progress(peer);
    const durationTicks = entry?.durationTicks ?? Math.round((opts.chunkMs ?? 2000) * 90);
    orderer.add({ seq, epoch, firstPts: entry?.firstPts ?? 0, durationTicks, bytes: plaintext });
    writeReleased();
  };

  /** Counts a rejected object, overall and against its peer; returns the peer's stats. */
  const countRejection = (peer: string, reason: string) => {
    bump(stats.objects.rejected, reason);
    const ps = peerStats(stats, peer, "objects");
    bump(ps.rejected, reason);
    return ps;
  };

  /** Mirrors the holding pen's size and evictions into the stats. */
  const notePending = () => {
    stats.objects.pending = pending.size;
    stats.objects.evictedUnvouched = pending.stats.evicted;
  };

  const reject = (peer: string, seq: number | undefined, reason: string) => {
    const ps = countRejection(peer, reason);
    log.warn("object rejected", { peer, seq, reason });
    // "stale" is an object older than anything still vouched for: late, not refuted. Everything
    // else is evidence the peer serves what the signer never said.
    if (reason === "stale" || feed === undefined) return;
    const verdict = feed.penalize(peer, reason);
    ps.junk = (ps.junk ?? 0) + (verdict === "already-dropped" ? 0 : 1);
  };

  const drainPending = () => {
    const accepted = pending.takeVouched(verifier, (r) => reject(r.peer ?? "?", r.seq, r.reason));
    for (const a of accepted) {
      if (orderer.has(a.epoch, a.seq)) continue;
      accept(a.seq, a.bytes, a.peer ?? "?", a.entry, a.epoch);
    }
    notePending();
  };

  const onObject = (seq: number, bytes: Uint8Array, peer: string) => {
    const ps = peerStats(stats, peer, "objects");
    ps.received++;
    ps.lastReceivedAtMs = Date.now();
    if (bytes.length > maxObjectBytes) return reject(peer, seq, "oversize");
    if (orderer.has(verifier.epoch, seq)) {
      stats.objects.duplicates++;
      ps.duplicates++;
      return;
    }
    const check = verifier.checkObject(seq, bytes);
    if (check.status === "accept") return accept(seq, bytes, peer, check.entry, check.epoch);
    if (check.status === "reject") return reject(peer, seq, check.reason);
    if (!opts.requireManifest) return accept(seq, bytes, peer, undefined, opts.epoch!);
    // Far beyond anything the signer has vouched for: no honest relay runs that far ahead of the
    // leader (it publishes each manifest before the object). Not held (it would only push honest
    // objects out of the pen) and the relay is left for another, but not scored as junk: it may
    // be ahead of a manifest peer that is itself behind.
    if (vouchedUpTo !== undefined && seq > vouchedUpTo + UNVOUCHED_AHEAD) {
      countRejection(peer, "unvouched-ahead");
      if (!ps.demoted?.startsWith("unvouched")) log.warn("object rejected", { peer, seq, reason: "unvouched-ahead", vouchedUpTo });
      if (feed?.activePeer === peer) feed.demote(peer, "unvouched-ahead", `unvouched-ahead: seq ${seq}, vouched up to ${vouchedUpTo}`);
      return;
    }
    // No manifest vouches for it yet: hold it (bounded), untouched.
    pending.add(seq, bytes, peer);
    notePending();
  };

  // ---- manifests ----
  const manifestLoop = async () => {
    const ps = peerStats(stats, manifestPeer, "manifests");
    try {
      for await (const { seq, bytes } of subscribeTrack({
        remote: manifestPeer,
        allowInsecure: opts.allowInsecure,
        streamId: opts.streamId,
        track: "manifests",
        signal: stop.signal,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => onPeerEvent(manifestPeer, "manifests", e.type, e.detail),
      })) {
        ps.received++;
        ps.lastReceivedAtMs = Date.now();
        const res = verifier.ingest(bytes);
        if (!res.ok) {
          bump(stats.manifests.rejected, res.reason);
          bump(ps.rejected, res.reason);
          // A replay (the same manifest again, e.g. after a reconnect) is normal in a mesh: quiet.
          (res.reason === "replay" ? log.debug : log.warn)("manifest rejected", { peer: manifestPeer, group: seq, reason: res.reason, detail: res.detail });
          continue;
        }
        stats.manifests.accepted++;
        stats.firstManifestAtMs ??= Date.now();
        ps.accepted++;
        if (res.trustedOnFirstUse) {
          log.warn("TRUST ON FIRST USE: no --trusted-key given; trusting this manifest signer. Pin it with --trusted-key", {
            signer: publicKeyToHex(res.trustedOnFirstUse),
          });
        }
        if (!stats.signer) {
          stats.signer = publicKeyToHex(res.manifest.signer);
          log.info("manifest signer verified", { signer: stats.signer, pinned: stats.signerPinned });
        }
        if (res.epochChanged || stats.epoch === undefined) {
          const entries = res.manifest.entries;
          const last = entries[entries.length - 1]!.seq;
          startSeq = Math.max(entries[0]!.seq, last - backfill + 1);
          if (stats.epoch === undefined && resume && resume.epoch === res.manifest.epoch && resume.seq + 1 >= entries[0]!.seq && resume.seq + 1 <= last + 1) {
            startSeq = resume.seq + 1;
            log.info("resuming the playlist after its last segment", { seq: resume.seq, epoch: resume.epoch });
          }
          firstManifest();
          const changed = stats.epoch !== undefined;
          if (changed) log.warn("epoch changed: the leader restarted", { from: stats.epoch, to: res.manifest.epoch });
          stats.epoch = res.manifest.epoch;
          // The old run's seqs mean nothing in the new epoch: resubscribe from the new start.
          if (changed) feed?.restart("epoch changed");
        }
        // A window that never advances: a stuck (or lying) manifest source.
        if (res.newEntries.length === 0) {
          stats.manifests.stalled = (stats.manifests.stalled ?? 0) + 1;
          if (stats.manifests.stalled === STALL_AFTER_MANIFESTS) {
            log.warn("manifests are not advancing: no new chunk vouched for", { peer: manifestPeer, manifests: stats.manifests.stalled, lastSeq: res.manifest.seq });
          }
        } else {
          stats.manifests.stalled = 0;
        }
        if (res.epochChanged) {
          vouchedSize.clear();
          largestVouched = 0;
        }
        let longest = 0;
        for (const e of res.manifest.entries) {
          vouchedSize.set(e.seq, e.objectSize);
          largestVouched = Math.max(largestVouched, e.objectSize);
          longest = Math.max(longest, e.durationTicks / 90);
        }
        if (longest > 0) chunkMs = longest;
        for (const s of vouchedSize.keys()) {
          if (vouchedSize.size <= VOUCHED_SIZES_KEPT) break;
          vouchedSize.delete(s);
        }
        const newest = res.manifest.entries[res.manifest.entries.length - 1]?.seq;
        if (newest !== undefined && (res.epochChanged || vouchedUpTo === undefined || newest > vouchedUpTo)) vouchedUpTo = newest;
        drainPending();
      }
    } catch (err) {
      if (stop.signal.aborted) return;
      const msg = err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
      finish(false, `manifest peer ${manifestPeer} failed: ${msg}`);
    }
  };

  // Assigned below; reject() and the manifest loop refer to it before.
  let feed: ObjectSources | undefined;
  const onPeerEvent = (peer: string, role: "manifests" | "objects", type: string, detail?: string) => {
    const ps = peerStats(stats, peer, role);
    if (type === "connected") {
      ps.connected = true;
      ps.connects++;
      ps.disconnectedAtMs = undefined;
      log.info("peer connected", { peer, role });
    } else if (type === "disconnected") {
      ps.connected = false;
      ps.disconnects++;
      ps.disconnectedAtMs = Date.now();
      if (detail) ps.lastError = detail;
      log.warn("peer disconnected", { peer, role, detail });
    } else if (type === "left") {
      // Our choice (failover, demotion), not the peer's: no longer connected, not counted as a disconnect.
      ps.connected = false;
    } else if (type === "dropped") {
      ps.connected = false;
      ps.dropped = detail;
      log.warn("peer dropped", { peer, role, reason: detail });
    } else if (type === "error" || type === "unreachable") {
      // Kept for the exit reason: why this peer cannot be reached (or keeps failing).
      if (detail) ps.lastError = detail;
    } else if (type === "auth-failed") {
      if (detail) ps.lastError = `identity check failed: ${detail}`;
      log.error("peer identity check failed", { peer, role, detail });
    } else if (type === "demoted") {
      ps.demotions = (ps.demotions ?? 0) + 1;
      ps.demoted = detail;
      log.warn("peer demoted", { peer, role, reason: detail });
    } else if (type === "restarted") {
      ps.restarts = (ps.restarts ?? 0) + 1;
      log.warn("peer restarted: its sequence numbers started over", { peer, role });
    }
  };

  /** Object-source events: the typed ones this app keeps counters for, then the common ones. */
  const onSourceEvent = (e: SourceEvent) => {
    const ps = peerStats(stats, e.peer, "objects");
    switch (e.type) {
      case "failed":
        ps.connected = false;
        bump((ps.failures ??= {}), e.reason);
        ps.failed = `${e.reason}: ${e.detail}`;
        log.warn("object peer failed", { peer: e.peer, reason: e.reason, detail: e.detail, retryInMs: e.retryInMs });
        return;
      case "frame-refused":
        log.warn("frame refused at its length prefix", { peer: e.peer, seq: e.seq, bytes: e.bytes, limit: e.limit });
        // Within --max-object-bytes but bigger than the size a manifest vouches for: a size
        // mismatch, found before the bytes. Beyond --max-object-bytes or the live maximum: oversize.
        return reject(e.peer, e.seq, e.bytes !== undefined && e.bytes <= maxObjectBytes && vouchedSize.get(e.seq) === e.limit ? "size-mismatch" : "oversize");
      case "demoted":
      case "dropped":
      case "disconnected":
        return onPeerEvent(e.peer, "objects", e.type, e.detail);
      case "subscribing":
        return;
      default:
        return onPeerEvent(e.peer, "objects", e.type);
    }
  };

  // Within the epoch being written, the next seq the writer needs; after an epoch change, the new start.
  const resumeFrom = () => (orderer.currentEpoch === stats.epoch ? (orderer.nextSeq ?? startSeq) : startSeq);
  const objectFeed = new ObjectSources({
    peers: opts.remotes,
    allowInsecure: opts.allowInsecure ?? false,
    streamId: opts.streamId,
    signal: stop.signal,
    log,
    maxFrameBytes: maxObjectBytes,
    // The exact size a verified manifest vouches for; before one does, a live maximum.
    maxFrameBytesFor: (seq) => vouchedSize.get(seq) ?? Math.min(maxObjectBytes, Math.max(LIVE_MIN_FRAME_BYTES, LIVE_FRAME_FACTOR * largestVouched)),
    dropAfter: junkThreshold,
    chunkMs: () => chunkMs,
    deadlines: opts.deadlines,
    resumeFrom,
    // Waiting: a verified manifest of this epoch lists a seq we still need.
    waiting: () => {
      const from = resumeFrom();
      return from !== undefined && vouchedUpTo !== undefined && from <= vouchedUpTo;
    },
    onObject: ({ seq, bytes, peer }) => onObject(seq, bytes, peer),
    onEvent: onSourceEvent,
  });
  feed = objectFeed;

  // ---- periodic: gap timeouts, progress, stats file ----
  const writeStats = () => {
    if (!opts.statsJson) return;
    const tmp = `${opts.statsJson}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(stats, null, 2) + "\n");
    renameSync(tmp, opts.statsJson);
  };
  let ticks = 0;
  const timer = setInterval(() => {
    writeReleased();
    try {
      writeStats();
    } catch (err) {
      log.warn("cannot write stats file", { error: (err as Error).message });
    }
    if (++ticks % 5 === 0) {
      log.info("progress", {
        segments: stats.segments,
        mediaSeconds: Math.round(stats.mediaSeconds * 10) / 10,
        manifestsAccepted: stats.manifests.accepted,
        manifestsRejected: describeCounts(stats.manifests.rejected),
        objectsAccepted: stats.objects.accepted,
        objectsRejected: describeCounts(stats.objects.rejected),
        pending: stats.objects.pending,
        objectPeer: objectFeed.activePeer,
      });
    }
  }, 1000);
  const deadline = opts.timeoutMs
    ? setTimeout(() => {
        const why = whyStuck({ stats, manifestPeer, objectPeers: opts.remotes, nowMs: Date.now() });
        finish(false, `timed out after ${Math.round(opts.timeoutMs! / 1000)} s: ${why.text}`);
      }, opts.timeoutMs)
    : undefined;

  log.info("subscribing", {
    streamId: opts.streamId,
    manifests: manifestPeer,
    objects: opts.remotes.join(","),
    requireManifest: opts.requireManifest,
    trustedKeys: opts.trustedKeys.length,
  });
  if (!opts.requireManifest) log.warn("--require-manifest=false: objects are accepted WITHOUT a signed manifest (AEAD only)");

  // With manifests required, objects are asked for once a manifest says where the stream is:
  // that first manifest decides the start seq, and nothing is held that could not be vouched for.
  const feedDone = (opts.requireManifest ? Promise.race([firstManifestSeen, new Promise<void>((r) => stop.signal.addEventListener("abort", () => r(), { once: true }))]) : Promise.resolve())
    .then(() => (stop.signal.aborted ? undefined : objectFeed.run()))
    .catch((err: unknown) => finish(false, (err as Error).message));
  const manifestsDone = opts.subscribeManifests ? manifestLoop() : Promise.resolve();
  await new Promise<void>((resolve) => {
    if (stop.signal.aborted) resolve();
    stop.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  clearInterval(timer);
  if (deadline) clearTimeout(deadline);
  opts.signal?.removeEventListener("abort", onAbort);
  await writing.catch(() => {});
  await Promise.allSettled([feedDone, manifestsDone]);
  try {
    await sink.close({ endList: true });
  } catch (err) {
    if (result?.ok) result = { ok: false, reason: `cannot finish HLS: ${(err as Error).message}` };
  }
  stats.result = result!;
  notePending();
  try {
    writeStats();
  } catch (err) {
    log.warn("cannot write stats file", { error: (err as Error).message });
  }
  return { ...result!, stats };
}

/** How far (in chunks) past the newest vouched seq an object may be and still be held for its manifest. */
const UNVOUCHED_AHEAD = 16;

/** Vouched object sizes remembered per epoch (a manifest window is far smaller). */
const VOUCHED_SIZES_KEPT = 4096;
/**
 * The live maximum frame for a seq no manifest vouches for yet: this many times the largest
 * vouched object, at least {@link LIVE_MIN_FRAME_BYTES}, at most --max-object-bytes. Chunks have
 * one duration; an honest chunk four times the largest seen so far is not expected.
 */
const LIVE_FRAME_FACTOR = 4;
const LIVE_MIN_FRAME_BYTES = 1024 * 1024;

