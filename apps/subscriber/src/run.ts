/**
 * One subscriber run, as wiring: a VerifiedStream (manifests and objects in, verified decrypted
 * chunks out, per-peer counters) feeds a SegmentWriter (order, write, resume); the writer is the
 * stream's consumer position, and the start of each epoch is the playlist's resume point or the
 * live edge minus the backfill.
 */
import { chooseStart, SegmentWriter } from "@ec/hls-sink";
import type { WrittenSegment } from "@ec/hls-sink";
import { FramePool } from "@ec/moq-transport";
import { MAX_OBJECT_BYTES } from "@ec/stream-rules";
import { positionOf, VerifiedStream } from "@ec/verified-stream";
import type { ConsumerPosition, StreamEnd } from "@ec/verified-stream";
import type { SubscriberOptions } from "./index.js";
import { newSubscriberStats, showCounters } from "./stats.js";
import type { SubscriberStats } from "./stats.js";

/**
 * At most one durable group commit of the HLS output a second: with short chunks, a commit round
 * per segment kept an fsync (and on ext4 its journal commit) next to the live path's renames. A
 * power cut takes back at most this much more of the tail; the subscriber fetches it again.
 */
export const COMMIT_INTERVAL_MS = 1000;

export class SubscriberRun {
  readonly stats: SubscriberStats;
  readonly stream: VerifiedStream;
  /** The memory objects are received into, reused once their segment is written. */
  readonly framePool: FramePool;
  /** Set by {@link open}, before anything runs. */
  writer!: SegmentWriter;
  #result: StreamEnd | undefined;

  /** Opens the HLS writer on `opts.hlsDir` (continuing a playlist there) and wires everything. */
  static async open(opts: SubscriberOptions): Promise<SubscriberRun> {
    const run = new SubscriberRun(opts);
    run.writer = await SegmentWriter.open({
      dir: opts.hlsDir,
      streamId: opts.streamId,
      windowSegments: opts.hlsWindow,
      mode: opts.hlsWindow === 0 ? "event" : "live",
      gapTimeoutMs: 6000,
      commitIntervalMs: COMMIT_INTERVAL_MS,
      maxBuffered: 16,
      onSegment: (s) => run.onSegment(s),
      onError: (err) => run.finish(false, `cannot write HLS: ${err.message}`),
    });
    run.refreshStats();
    return run;
  }

  private constructor(readonly opts: SubscriberOptions) {
    const { log } = opts;
    // The writer is opened (by open()) before the stream runs: the position reads it lazily.
    const position: ConsumerPosition = { has: (epoch, seq) => this.writer.has(epoch, seq), nextSeq: (epoch) => positionOf(this.writer).nextSeq(epoch) };
    this.framePool = new FramePool({ maxFrameBytes: opts.maxObjectBytes ?? MAX_OBJECT_BYTES });
    this.stream = new VerifiedStream({
      streamId: opts.streamId,
      manifestPeer: opts.remoteManifests ?? opts.remotes[0]!,
      objectPeers: opts.remotes,
      allowInsecure: opts.allowInsecure ?? false,
      trustedKeys: opts.trustedKeys,
      streamSecret: opts.streamSecret,
      log,
      pending: { maxObjects: opts.pendingMaxObjects ?? 64, maxBytes: opts.pendingMaxBytes ?? 256 * 1024 * 1024 },
      junkThreshold: opts.junkThreshold,
      maxObjectBytes: opts.maxObjectBytes,
      deadlines: opts.deadlines,
      chunkMs: opts.chunkMs,
      subscribeManifests: opts.subscribeManifests,
      ...(opts.requireManifest ? {} : { acceptUnvouched: { epoch: opts.epoch! } }),
      // Only the plaintext is written, never the sealed object: one buffer per chunk, not two.
      openInPlace: true,
      // ... and once a segment is written its memory receives a later object (fewer fresh pages).
      framePool: this.framePool,
      position,
      start: (window, { first }) => {
        const start = chooseStart(window, { backfill: Math.max(1, opts.backfill ?? 3), resume: first ? this.writer.resumePoint : undefined });
        if (start.resumed) log.info("resuming the playlist after its last segment", { seq: start.seq - 1, epoch: start.epoch });
        return start;
      },
      onStart: ({ epoch, seq }) => this.writer.startAt(epoch, seq),
      onChunk: (c) => {
        // When each chunk cleared verification: with "segment written", where a slow chunk's time went.
        this.opts.log.debug("chunk verified", { seq: c.seq, peer: c.peer, bytes: c.plaintext.length });
        this.writer.push({ seq: c.seq, epoch: c.epoch, firstPts: c.firstPts, durationTicks: c.durationTicks, bytes: c.plaintext, release: c.release });
      },
      onChange: () => this.refreshStats(),
    });
    this.stats = newSubscriberStats(opts.streamId);
  }

  get manifestPeer(): string {
    return this.stream.manifestPeer;
  }

  /** How the run ended: the stream's end, unless the writer failed after it. */
  get result(): StreamEnd | undefined {
    return this.#result ?? this.stream.result;
  }

  set result(r: StreamEnd | undefined) {
    this.#result = r;
  }

  finish(ok: boolean, reason: string): void {
    this.stream.stop(ok, reason);
  }

  /** Copies the components' counters into the stats. */
  refreshStats(): void {
    if (!this.writer) return; // not open yet: nothing to show
    showCounters(this.stats, this.stream.stats, this.writer.counters, this.framePool.stats);
  }

  onSegment(s: WrittenSegment): void {
    this.refreshStats();
    this.stats.firstSegmentAtMs ??= Date.now();
    this.stats.lastSegment = { seq: s.seq, name: s.segmentName, writtenAtMs: s.writtenAtMs, durationTicks: s.durationTicks };
    this.opts.log.debug("segment written", { seq: s.seq, segment: s.segmentName, mediaSequence: s.mediaSequence });
    this.opts.onSegment?.({ seq: s.seq, segmentName: s.segmentName, mediaSequence: s.mediaSequence });
    const stopAfterMs = this.opts.stopAfterMs;
    if (stopAfterMs !== undefined && this.stats.mediaSeconds * 1000 >= stopAfterMs) {
      this.finish(true, `wrote ${this.stats.mediaSeconds.toFixed(1)} s of verified media`);
    }
  }

  /** Why the run made too little progress, in one line (the `--timeout` exit reason). */
  whyStuck(): string {
    this.refreshStats();
    const last = this.stats.lastSegment;
    return this.stream.whyStuck({ seconds: this.stats.mediaSeconds, ...(last ? { lastDurationTicks: last.durationTicks } : {}) }).text;
  }
}
