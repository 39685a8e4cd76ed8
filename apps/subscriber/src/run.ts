/**
 * One subscriber run, as wiring: manifests and objects go into an ObjectGate (verify, hold,
 * decrypt), accepted chunks into a SegmentWriter (order, write, resume), and the gate's verdicts
 * back into ObjectSources (progress, and a penalty only for objects a current manifest refutes).
 */
import { ManifestVerifier, ObjectGate, publicKeyToHex } from "@ec/manifest";
import type { GateVerdict, IngestResult } from "@ec/manifest";
import { deriveStreamKey, openChunk } from "@ec/chunk-crypto";
import type { StreamKey } from "@ec/chunk-crypto";
import { ObjectSources, subscribeTrack, TransportError } from "@ec/moq-transport";
import type { SourceDeadlines, SourceEvent } from "@ec/moq-transport";
import { chooseStart, SegmentWriter } from "@ec/hls-sink";
import type { WrittenSegment } from "@ec/hls-sink";
import { MAX_OBJECT_BYTES, msFromTicks, ticksFromMs } from "@ec/stream-rules";
import type { SubscriberOptions } from "./index.js";
import { notePeerEvent, noteSourceEvent } from "./peer-events.js";
import { bump, newSubscriberStats, peerStats, showCounters } from "./stats.js";
import type { AppCounts, SubscriberStats } from "./stats.js";
import { STALL_AFTER_MANIFESTS } from "./why-stuck.js";

/** How long a restarted object peer is left while the new epoch's manifest is awaited, at most. */
const RESTART_WAIT_MS = 10_000;

/** A seq no manifest vouches for yet may be this many times the largest vouched object (at least 1 MiB). */
const LIVE_FRAME_FACTOR = 4;
const LIVE_MIN_FRAME_BYTES = 1024 * 1024;

export class SubscriberRun {
  readonly stats: SubscriberStats;
  readonly stop = new AbortController();
  result: { ok: boolean; reason: string } | undefined;
  readonly gate: ObjectGate;
  readonly sources: ObjectSources;
  readonly manifestPeer: string;
  readonly app: AppCounts = { duplicates: 0, unvouched: 0 };
  /** Where the object subscription starts in the current epoch (from its first manifest). */
  startSeq: number | undefined;
  #largestVouched = 0;
  #chunkMs: number;
  readonly #key: StreamKey;
  #firstManifest!: () => void;
  readonly firstManifestSeen = new Promise<void>((r) => (this.#firstManifest = r));

  /** Set by {@link open}, before anything runs. */
  writer!: SegmentWriter;

  /** Opens the HLS writer on `opts.hlsDir` (continuing a playlist there) and wires everything. */
  static async open(opts: SubscriberOptions): Promise<SubscriberRun> {
    const run = new SubscriberRun(opts);
    run.writer = await SegmentWriter.open({
      dir: opts.hlsDir,
      streamId: opts.streamId,
      windowSegments: opts.hlsWindow,
      mode: opts.hlsWindow === 0 ? "event" : "live",
      gapTimeoutMs: 6000,
      maxBuffered: 16,
      onSegment: (s) => run.onSegment(s),
      onError: (err) => run.finish(false, `cannot write HLS: ${err.message}`),
    });
    return run;
  }

  private constructor(readonly opts: SubscriberOptions) {
    this.stats = newSubscriberStats(opts.streamId);
    this.stats.signerPinned = opts.trustedKeys.length > 0;
    this.manifestPeer = opts.remoteManifests ?? opts.remotes[0]!;
    this.#chunkMs = opts.chunkMs ?? 2000;
    const key = (this.#key = deriveStreamKey({ streamId: opts.streamId, secret: opts.streamSecret }));
    const verifier = new ManifestVerifier({ streamId: opts.streamId, trustedKeys: opts.trustedKeys, trustOnFirstUse: opts.trustedKeys.length === 0 });
    this.gate = new ObjectGate({
      verifier,
      pending: { maxObjects: opts.pendingMaxObjects ?? 64, maxBytes: opts.pendingMaxBytes ?? 256 * 1024 * 1024 },
      open: (ctx, object) => openChunk(key, { streamId: opts.streamId, ...ctx }, object),
      maxObjectBytes: this.maxObjectBytes,
    });
    // Within the epoch being written, the next seq the writer needs; after an epoch change, the new start.
    const resumeFrom = () => (this.writer.epoch === this.gate.epoch ? (this.writer.nextSeq ?? this.startSeq) : this.startSeq);
    this.sources = new ObjectSources({
      // A peer whose seqs started over waits for the new epoch's manifest (the epoch change cuts
      // this short): judged against the old run's entries, its objects would look like junk.
      restartPauseMs: RESTART_WAIT_MS,
      peers: opts.remotes,
      allowInsecure: opts.allowInsecure ?? false,
      streamId: opts.streamId,
      signal: this.stop.signal,
      log: opts.log,
      maxFrameBytes: this.maxObjectBytes,
      // The exact size a verified manifest vouches for; before one does, a live maximum.
      maxFrameBytesFor: (seq) => Math.min(this.gate.maxObjectBytesFor(seq), this.liveMaxFrameBytes()),
      dropAfter: opts.junkThreshold ?? 3,
      chunkMs: () => this.#chunkMs,
      deadlines: this.deadlines(opts.deadlines ?? {}),
      resumeFrom,
      // Waiting: a verified manifest of this epoch lists a seq we still need.
      waiting: () => {
        const from = resumeFrom();
        const upTo = this.gate.vouchedUpTo;
        return from !== undefined && upTo !== undefined && from <= upTo;
      },
      onObject: ({ seq, bytes, peer }) => this.onObject(seq, bytes, peer),
      onEvent: (e) => this.onSourceEvent(e),
    });
  }

  /**
   * The failover deadlines, read whenever ObjectSources computes them. moq-lite 0.2.2 copies a
   * frame quadratically as it arrives (alone on loopback: 8 MiB 1.6 s, 24 MiB ~12 s), so for big
   * vouched objects the group, frame and progress deadlines grow with the square of the largest one
   * (x2 for a loaded host); objects of a few MiB keep the chunk-based defaults.
   */
  deadlines(given: Partial<SourceDeadlines>): Partial<SourceDeadlines> {
    const run = this;
    const big = () => {
      const eightMiB = run.#largestVouched / (8 * 1024 * 1024);
      const ms = Math.round(2 * 1600 * eightMiB * eightMiB);
      return ms > run.#chunkMs ? ms : undefined;
    };
    return {
      ...given,
      // The group header may reach moq-lite only with the start of its frame: both wait as long.
      get groupMs() {
        return given.groupMs ?? big();
      },
      get frameMs() {
        return given.frameMs ?? big();
      },
      get progressMs() {
        const b = big();
        return given.progressMs ?? (b === undefined ? undefined : b + run.#chunkMs);
      },
    };
  }

  get maxObjectBytes(): number {
    return this.opts.maxObjectBytes ?? MAX_OBJECT_BYTES;
  }

  liveMaxFrameBytes(): number {
    return Math.min(this.maxObjectBytes, Math.max(LIVE_MIN_FRAME_BYTES, LIVE_FRAME_FACTOR * this.#largestVouched));
  }

  finish(ok: boolean, reason: string): void {
    if (this.result) return;
    this.result = { ok, reason };
    this.stop.abort();
  }

  /** Copies the components' counters into the stats. */
  refreshStats(): void {
    showCounters(this.stats, this.gate.stats, this.writer.counters, this.app, this.gate.manifestsCurrent);
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

  onObject(seq: number, bytes: Uint8Array, peer: string): void {
    const ps = peerStats(this.stats, peer, "objects");
    ps.received++;
    ps.lastReceivedAtMs = Date.now();
    const epoch = this.opts.requireManifest ? this.gate.epoch : (this.gate.epoch ?? this.opts.epoch!);
    if (bytes.length <= this.maxObjectBytes && this.writer.has(epoch, seq)) {
      this.app.duplicates++;
      ps.duplicates++;
    } else if (!this.opts.requireManifest && this.gate.verifier.entry(seq) === undefined) {
      this.acceptUnvouched(seq, bytes, peer);
    } else {
      this.onVerdict(this.gate.offerObject(seq, bytes, peer));
    }
    this.refreshStats();
  }

  /** --require-manifest=false: an object no manifest vouches for, opened with --epoch (AEAD only). */
  acceptUnvouched(seq: number, bytes: Uint8Array, peer: string): void {
    const epoch = this.opts.epoch!;
    let plaintext: Uint8Array;
    try {
      plaintext = openChunk(this.#key, { streamId: this.opts.streamId, epoch, seq }, bytes);
    } catch {
      return this.onVerdict({ kind: "reject", seq, reason: "undecryptable", detail: "does not open", blame: true, peer });
    }
    this.app.unvouched++;
    if (this.writer.epoch === undefined) this.writer.startAt(epoch, seq);
    const entry = { seq, firstPts: 0, durationTicks: ticksFromMs(this.opts.chunkMs ?? 2000), objectSize: bytes.length, objectHash: new Uint8Array(0) };
    this.onVerdict({ kind: "accept", seq, epoch, entry, object: bytes, plaintext, peer });
  }

  onVerdict(v: GateVerdict): void {
    const peer = v.peer ?? "?";
    const ps = peerStats(this.stats, peer, "objects");
    if (v.kind === "hold") return;
    if (v.kind === "accept") {
      ps.accepted++;
      this.sources.progress(peer);
      if (this.writer.has(v.epoch, v.seq)) return;
      this.writer.push({ seq: v.seq, epoch: v.epoch, firstPts: v.entry.firstPts, durationTicks: v.entry.durationTicks, bytes: v.plaintext! });
      return;
    }
    bump(ps.rejected, v.reason);
    if (v.reason === "unvouched-ahead") {
      // Far beyond anything vouched for: left for another relay, not scored (it may be ahead of a lagging manifest peer).
      if (!ps.demoted?.startsWith("unvouched")) this.opts.log.warn("object rejected", { peer, seq: v.seq, reason: v.reason, vouchedUpTo: this.gate.vouchedUpTo });
      if (this.sources.activePeer === peer) this.sources.demote(peer, "unvouched-ahead", `unvouched-ahead: ${v.detail}`);
      return;
    }
    this.opts.log.warn("object rejected", { peer, seq: v.seq, reason: v.reason, blamed: v.blame });
    if (v.blame) this.penalize(peer, v.reason);
  }

  penalize(peer: string, reason: string): void {
    const ps = peerStats(this.stats, peer, "objects");
    const verdict = this.sources.penalize(peer, reason);
    ps.junk = (ps.junk ?? 0) + (verdict === "already-dropped" ? 0 : 1);
  }

  onSourceEvent(e: SourceEvent): void {
    if (e.type !== "frame-refused") return noteSourceEvent(this.stats, this.opts.log, e);
    this.opts.log.warn("frame refused at its length prefix", { peer: e.peer, seq: e.seq, bytes: e.bytes, limit: e.limit });
    this.onVerdict(this.gate.refuseFrame(e.seq, e.bytes, e.peer));
    this.refreshStats();
  }

  /** The manifest subscription, until the run stops (or the manifest peer fails for good). */
  async manifestLoop(): Promise<void> {
    const ps = peerStats(this.stats, this.manifestPeer, "manifests");
    try {
      for await (const { seq, bytes } of subscribeTrack({
        remote: this.manifestPeer,
        allowInsecure: this.opts.allowInsecure,
        streamId: this.opts.streamId,
        track: "manifests",
        signal: this.stop.signal,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => notePeerEvent(this.stats, this.opts.log, this.manifestPeer, "manifests", e.type, e.detail),
      })) {
        ps.received++;
        ps.lastReceivedAtMs = Date.now();
        const { result, released } = this.gate.ingestManifest(bytes);
        if (!result.ok) {
          bump(ps.rejected, result.reason);
          // A replay (the same manifest again, e.g. after a reconnect) is normal in a mesh: quiet.
          const say = result.reason === "replay" ? this.opts.log.debug : this.opts.log.warn;
          say("manifest rejected", { peer: this.manifestPeer, group: seq, reason: result.reason, detail: result.detail });
        } else {
          ps.accepted++;
          this.onManifest(result);
          for (const v of released) this.onVerdict(v);
        }
        this.refreshStats();
      }
    } catch (err) {
      if (this.stop.signal.aborted) return;
      const msg = err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
      this.finish(false, `manifest peer ${this.manifestPeer} failed: ${msg}`);
    }
  }

  /** A verified manifest: signer, start of a new epoch, stall detection, sizes and chunk length. */
  onManifest(res: Extract<IngestResult, { ok: true }>): void {
    const { stats, opts } = this;
    const m = res.manifest;
    stats.firstManifestAtMs ??= Date.now();
    if (res.trustedOnFirstUse) {
      opts.log.warn("TRUST ON FIRST USE: no --trusted-key given; trusting this manifest signer. Pin it with --trusted-key", { signer: publicKeyToHex(res.trustedOnFirstUse) });
    }
    if (!stats.signer) {
      stats.signer = publicKeyToHex(m.signer);
      opts.log.info("manifest signer verified", { signer: stats.signer, pinned: stats.signerPinned });
    }
    if (res.epochChanged || stats.epoch === undefined) {
      const first = stats.epoch === undefined;
      const window = { epoch: m.epoch, firstSeq: m.entries[0]!.seq, lastSeq: m.entries[m.entries.length - 1]!.seq };
      const start = chooseStart(window, { backfill: Math.max(1, opts.backfill ?? 3), resume: first ? this.writer.resumePoint : undefined });
      if (start.resumed) opts.log.info("resuming the playlist after its last segment", { seq: start.seq - 1, epoch: start.epoch });
      this.startSeq = start.seq;
      this.writer.startAt(start.epoch, start.seq);
      this.#largestVouched = 0;
      if (!first) opts.log.warn("epoch changed: the leader restarted", { from: stats.epoch, to: m.epoch });
      stats.epoch = m.epoch;
      this.#firstManifest();
      // The old run's seqs mean nothing in the new epoch: resubscribe from the new start.
      if (!first) this.sources.restart("epoch changed");
    }
    // A window that never advances: a stuck (or lying) manifest source.
    stats.manifests.stalled = res.newEntries.length === 0 ? (stats.manifests.stalled ?? 0) + 1 : 0;
    if (stats.manifests.stalled === STALL_AFTER_MANIFESTS) {
      opts.log.warn("manifests are not advancing: no new chunk vouched for", { peer: this.manifestPeer, manifests: stats.manifests.stalled, lastSeq: m.seq });
    }
    const longest = Math.max(0, ...m.entries.map((e) => msFromTicks(e.durationTicks)));
    if (longest > 0) this.#chunkMs = longest;
    this.#largestVouched = Math.max(this.#largestVouched, ...m.entries.map((e) => e.objectSize));
  }
}
