/**
 * The verifying core of a subscriber, shared by the Node CLI and a browser page: manifests from
 * one peer and objects from many go into an ObjectGate (verify, hold, decrypt); accepted chunks go
 * to the consumer; the gate's verdicts go back into ObjectSources (progress, and a penalty only for
 * objects a current manifest refutes). Nothing is emitted that a verified manifest does not vouch
 * for (unless the owner opts into `acceptUnvouched`). No Node built-ins: it runs where
 * `@ec/moq-transport` runs.
 */
import { ManifestVerifier, ObjectGate, publicKeyToHex } from "@ec/manifest";
import type { GateVerdict, IngestResult } from "@ec/manifest";
import { deriveStreamKey, OBJECT_OVERHEAD_BYTES, openChunk } from "@ec/chunk-crypto";
import type { ChunkContext, StreamKey } from "@ec/chunk-crypto";
import { ObjectSources, silentLogger, subscribeTrack, TransportError } from "@ec/moq-transport";
import type { Logger, SourceEvent } from "@ec/moq-transport";
import { MAX_OBJECT_BYTES, msFromTicks, ticksFromMs } from "@ec/stream-rules";
import { liveMaxFrameBytes, sizeScaledDeadlines } from "./deadlines.js";
import { RestartHold } from "./restart-hold.js";
import { VerifiedStreamError } from "./errors.js";
import { notePeerEvent, noteSourceEvent } from "./peer-events.js";
import { bump, newStreamStats, peerStats, showGateCounters } from "./stats.js";
import type { OwnCounts, StreamStats } from "./stats.js";
import type { StreamEnd, VerifiedChunk, VerifiedStreamOptions } from "./types.js";
import { STALL_AFTER_MANIFESTS, whyStuck } from "./why-stuck.js";
import type { StuckInputs, StuckReason } from "./why-stuck.js";

/** How long a restarted object peer is left while the new epoch's manifest is awaited, at most. */
export const RESTART_WAIT_MS = 10_000;

export class VerifiedStream {
  readonly gate: ObjectGate;
  readonly sources: ObjectSources;
  readonly manifestPeer: string;
  readonly #opts: VerifiedStreamOptions;
  readonly #log: Logger;
  readonly #stats: StreamStats;
  readonly #own: OwnCounts = { duplicates: 0, unvouched: 0 };
  readonly #stop = new AbortController();
  readonly #key: StreamKey;
  readonly #maxObjectBytes: number;
  readonly #restartHold: RestartHold;
  readonly #inPlace: boolean;
  #result: StreamEnd | undefined;
  #ran = false;
  /** Where the object subscription starts in the current epoch (from its first manifest). */
  #startSeq: number | undefined;
  /** The epoch the consumer was last told to start (see `onStart`). */
  #startedEpoch: string | undefined;
  #largestVouched = 0;
  #chunkMs: number;
  #firstManifest!: () => void;
  readonly #firstManifestSeen = new Promise<void>((r) => (this.#firstManifest = r));

  /** @throws VerifiedStreamError `bad-argument`; TransportError `bad-endpoint` for a malformed peer address. */
  constructor(opts: VerifiedStreamOptions) {
    if (!opts.manifestPeer && opts.subscribeManifests !== false) throw new VerifiedStreamError("bad-argument", "no manifest peer given");
    if (opts.subscribeManifests === false && !opts.acceptUnvouched) throw new VerifiedStreamError("bad-argument", "manifests are required unless acceptUnvouched is set");
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.manifestPeer = opts.manifestPeer;
    this.#maxObjectBytes = opts.maxObjectBytes ?? MAX_OBJECT_BYTES;
    this.#chunkMs = opts.chunkMs ?? 2000;
    this.#stats = newStreamStats(opts.streamId, opts.trustedKeys.length > 0);
    const inPlace = (this.#inPlace = opts.openInPlace ?? false);
    const key = (this.#key = deriveStreamKey({ streamId: opts.streamId, secret: opts.streamSecret, backend: opts.cryptoBackend }));
    const trustedKeys = [...opts.trustedKeys];
    const verifier = new ManifestVerifier({ streamId: opts.streamId, trustedKeys, trustOnFirstUse: trustedKeys.length === 0 });
    const pending = opts.pending ?? { maxObjects: 64, maxBytes: 256 * 1024 * 1024 };
    this.#restartHold = new RestartHold({ maxObjects: Math.min(16, pending.maxObjects), maxBytes: pending.maxBytes });
    this.gate = new ObjectGate({
      verifier,
      pending,
      open: (ctx, object) => openObject(key, { streamId: opts.streamId, ...ctx }, object, inPlace),
      maxObjectBytes: this.#maxObjectBytes,
    });
    if (opts.signal?.aborted) this.stop(true, "stopped");
    opts.signal?.addEventListener("abort", () => this.stop(true, "stopped"), { once: true });
    this.sources = new ObjectSources({
      // A peer whose seqs started over waits for the new epoch's manifest (the epoch change cuts
      // this short): judged against the old run's entries, its objects would look like junk.
      restartPauseMs: opts.restartWaitMs ?? RESTART_WAIT_MS,
      peers: opts.objectPeers,
      allowInsecure: opts.allowInsecure ?? false,
      streamId: opts.streamId,
      signal: this.#stop.signal,
      log: this.#log,
      maxFrameBytes: this.#maxObjectBytes,
      // Objects opened in place no longer hold their bytes, and released ones are emptied: the
      // transport keeps a copy of what identifies the newest one (version and tag) to recognise a
      // restarted peer by.
      ...(inPlace || opts.framePool ? { frameIdentity: (frame: Uint8Array) => frame.slice(0, OBJECT_OVERHEAD_BYTES) } : {}),
      ...(opts.framePool ? { framePool: opts.framePool } : {}),
      // The exact size a verified manifest vouches for; before one does, a live maximum.
      maxFrameBytesFor: (seq) => Math.min(this.gate.maxObjectBytesFor(seq), liveMaxFrameBytes(this.#maxObjectBytes, this.#largestVouched)),
      dropAfter: opts.junkThreshold ?? 3,
      chunkMs: () => this.#chunkMs,
      deadlines: sizeScaledDeadlines(opts.deadlines ?? {}, { largestVouched: () => this.#largestVouched, chunkMs: () => this.#chunkMs }),
      resumeFrom: () => this.resumeFrom(),
      // Waiting: a verified manifest of this epoch lists a seq we still need.
      waiting: () => {
        const from = this.resumeFrom();
        const upTo = this.gate.vouchedUpTo;
        return from !== undefined && upTo !== undefined && from <= upTo;
      },
      onObject: ({ seq, bytes, peer }) => this.#onObject(seq, bytes, peer),
      onEvent: (e) => this.#onSourceEvent(e),
    });
  }

  /** The counters, current (a live object: the same one every time, updated in place). */
  get stats(): StreamStats {
    showGateCounters(this.#stats, this.gate.stats, this.#own, this.gate.manifestsCurrent);
    return this.#stats;
  }

  /** How the stream ended, once it has. */
  get result(): StreamEnd | undefined {
    return this.#result;
  }

  /** The object peer subscribed to now. */
  get activePeer(): string | undefined {
    return this.sources.activePeer;
  }

  /** The largest object taken from a peer. */
  get maxObjectBytes(): number {
    return this.#maxObjectBytes;
  }

  /** Where objects are (re)subscribed from: the consumer's next seq in the current epoch, else the epoch's start. */
  resumeFrom(): number | undefined {
    const epoch = this.gate.epoch;
    return (epoch === undefined ? undefined : this.#opts.position.nextSeq(epoch)) ?? this.#startSeq;
  }

  /** Why nothing (or too little) came through, in one line: see {@link whyStuck}. */
  whyStuck(media: StuckInputs["media"], nowMs = Date.now()): StuckReason {
    return whyStuck({ stats: this.stats, media, manifestPeer: this.manifestPeer, objectPeers: this.#opts.objectPeers, nowMs });
  }

  /** Ends the stream with this result (the first one given wins). */
  stop(ok: boolean, reason: string): void {
    if (this.#result) return;
    this.#result = { ok, reason };
    this.#stop.abort();
  }

  /**
   * Runs until {@link stop} (or the signal), or a failure: the manifest peer failing for good, or
   * every object peer dropped. With manifests required, objects are asked for once the first
   * verified manifest says where the stream is: nothing is held that could not be vouched for.
   * @throws VerifiedStreamError `already-run` when called twice.
   */
  async run(): Promise<StreamEnd> {
    if (this.#ran) throw new VerifiedStreamError("already-run", "a VerifiedStream runs once");
    this.#ran = true;
    const signal = this.#stop.signal;
    const stopped = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })));
    const feedDone = (this.#opts.acceptUnvouched ? Promise.resolve() : Promise.race([this.#firstManifestSeen, stopped]))
      .then(() => (signal.aborted ? undefined : this.sources.run()))
      .catch((err: unknown) => this.stop(false, (err as Error).message));
    const manifestsDone = this.#opts.subscribeManifests === false ? Promise.resolve() : this.#manifestLoop();
    await stopped;
    await Promise.allSettled([feedDone, manifestsDone]);
    this.#changed();
    return this.#result!;
  }

  #changed(): void {
    this.#opts.onChange?.();
  }

  #onObject(seq: number, bytes: Uint8Array, peer: string): void {
    const ps = peerStats(this.#stats, peer, "objects");
    ps.received++;
    ps.lastReceivedAtMs = Date.now();
    this.#judge(seq, bytes, peer);
    this.#changed();
  }

  /** Decides one object: a duplicate, held for a new epoch (a restarted peer), unvouched (opted in), or the gate's verdict. */
  #judge(seq: number, bytes: Uint8Array, peer: string): void {
    const ps = peerStats(this.#stats, peer, "objects");
    const unvouched = this.#opts.acceptUnvouched;
    const epoch = this.gate.epoch ?? unvouched?.epoch;
    const hold = this.#restartHold;
    if (bytes.length <= this.#maxObjectBytes && this.#opts.position.has(epoch, seq)) {
      this.#own.duplicates++;
      ps.duplicates++;
      this.#opts.framePool?.giveBack(bytes);
    } else if (hold.isMarked(peer) && hold.refutes(this.gate.verifier.entry(seq), bytes) && hold.hold({ seq, bytes, peer })) {
      ps.heldForNewEpoch = (ps.heldForNewEpoch ?? 0) + 1;
      this.#log.debug("object of a restarted peer held for the new epoch's manifest", { peer, seq, epoch: this.gate.epoch });
    } else if (unvouched && this.gate.verifier.entry(seq) === undefined) {
      this.#acceptUnvouched(unvouched.epoch, seq, bytes, peer);
    } else {
      this.#onVerdict(this.gate.offerObject(seq, bytes, peer));
    }
  }

  /** `acceptUnvouched`: an object no manifest vouches for, opened with the given epoch (AEAD only). */
  #acceptUnvouched(epoch: string, seq: number, bytes: Uint8Array, peer: string): void {
    let plaintext: Uint8Array;
    try {
      plaintext = openObject(this.#key, { streamId: this.#opts.streamId, epoch, seq }, bytes, this.#inPlace);
    } catch {
      return this.#onVerdict({ kind: "reject", seq, reason: "undecryptable", detail: "does not open", blame: true, peer });
    }
    this.#own.unvouched++;
    if (this.#startedEpoch === undefined) this.#startAt({ epoch, seq, resumed: false });
    const entry = { seq, firstPts: 0, durationTicks: ticksFromMs(this.#opts.chunkMs ?? 2000), objectSize: bytes.length, objectHash: new Uint8Array(0) };
    this.#onVerdict({ kind: "accept", seq, epoch, entry, object: bytes, plaintext, peer });
  }

  /** The `release` of a chunk received into `object` (giveBack takes memory back once; later calls do nothing). */
  #releaser(object: Uint8Array): () => void {
    const pool = this.#opts.framePool;
    return pool ? () => void pool.giveBack(object) : noop;
  }

  #onVerdict(v: GateVerdict): void {
    const peer = v.peer ?? "?";
    const ps = peerStats(this.#stats, peer, "objects");
    if (v.kind === "hold") return;
    if (v.kind === "accept") {
      ps.accepted++;
      this.#restartHold.unmark(peer);
      this.sources.progress(peer);
      const release = this.#releaser(v.object);
      if (this.#opts.position.has(v.epoch, v.seq)) return release();
      const { firstPts, durationTicks } = v.entry;
      const chunk: VerifiedChunk = { epoch: v.epoch, seq: v.seq, firstPts, durationTicks, plaintext: v.plaintext!, peer, release };
      if (!this.#inPlace) chunk.object = v.object;
      this.#opts.onChunk(chunk);
      return;
    }
    bump(ps.rejected, v.reason);
    if (v.reason === "unvouched-ahead") {
      // Far beyond anything vouched for: left for another relay, not scored (it may be ahead of a lagging manifest peer).
      if (!ps.demoted?.startsWith("unvouched")) this.#log.warn("object rejected", { peer, seq: v.seq, reason: v.reason, vouchedUpTo: this.gate.vouchedUpTo });
      if (this.sources.activePeer === peer) this.sources.demote(peer, "unvouched-ahead", `unvouched-ahead: ${v.detail}`);
      return;
    }
    this.#log.warn("object rejected", { peer, seq: v.seq, reason: v.reason, blamed: v.blame });
    if (v.blame) {
      const verdict = this.sources.penalize(peer, v.reason);
      ps.junk = (ps.junk ?? 0) + (verdict === "already-dropped" ? 0 : 1);
    }
  }

  #onSourceEvent(e: SourceEvent): void {
    if (e.type === "frame-refused") {
      this.#log.warn("frame refused at its length prefix", { peer: e.peer, seq: e.seq, bytes: e.bytes, limit: e.limit });
      this.#onVerdict(this.gate.refuseFrame(e.seq, e.bytes, e.peer));
    } else {
      noteSourceEvent(this.#stats, this.#log, e);
      if (e.type === "restarted") this.#restartHold.mark(e.peer);
      // A dropped peer's undecided objects neither take room in the pen nor count as verdicts later.
      if (e.type === "dropped") this.gate.forgetPeer(e.peer);
    }
    this.#changed();
  }

  /** The manifest subscription, until the stream stops (or the manifest peer fails for good). */
  async #manifestLoop(): Promise<void> {
    const peer = this.manifestPeer;
    const ps = peerStats(this.#stats, peer, "manifests");
    const signal = this.#stop.signal;
    try {
      for await (const { seq, bytes } of subscribeTrack({
        remote: peer,
        allowInsecure: this.#opts.allowInsecure,
        streamId: this.#opts.streamId,
        track: "manifests",
        signal,
        reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
        onEvent: (e) => {
          notePeerEvent(this.#stats, this.#log, peer, "manifests", e.type, e.detail);
          this.#changed();
        },
      })) {
        ps.received++;
        ps.lastReceivedAtMs = Date.now();
        const { result, released } = this.gate.ingestManifest(bytes);
        if (!result.ok) {
          bump(ps.rejected, result.reason);
          // A replay (the same manifest again, e.g. after a reconnect) is normal in a mesh: quiet.
          const say = result.reason === "replay" ? this.#log.debug : this.#log.warn;
          say.call(this.#log, "manifest rejected", { peer, group: seq, reason: result.reason, detail: result.detail });
        } else {
          ps.accepted++;
          this.#onManifest(result);
          for (const v of released) this.#onVerdict(v);
          // What restarted peers sent for the new epoch is judged now, against its manifests.
          if (result.epochChanged) for (const o of this.#restartHold.takeAll()) this.#judge(o.seq, o.bytes, o.peer);
        }
        this.#changed();
      }
    } catch (err) {
      if (signal.aborted) return;
      const msg = err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
      this.stop(false, `manifest peer ${peer} failed: ${msg}`);
    }
  }

  /** A verified manifest: signer, start of a new epoch, stall detection, sizes and chunk length. */
  #onManifest(res: Extract<IngestResult, { ok: true }>): void {
    const stats = this.#stats;
    const log = this.#log;
    const m = res.manifest;
    stats.firstManifestAtMs ??= Date.now();
    if (res.trustedOnFirstUse) {
      log.warn("TRUST ON FIRST USE: no --trusted-key given; trusting this manifest signer. Pin it with --trusted-key", { signer: publicKeyToHex(res.trustedOnFirstUse) });
    }
    if (!stats.signer) {
      stats.signer = publicKeyToHex(m.signer);
      log.info("manifest signer verified", { signer: stats.signer, pinned: stats.signerPinned });
    }
    if (res.epochChanged || stats.epoch === undefined) {
      const previous = stats.epoch;
      const window = { epoch: m.epoch, firstSeq: m.entries[0]!.seq, lastSeq: m.entries[m.entries.length - 1]!.seq };
      const start = this.#opts.start(window, { first: previous === undefined });
      this.#startSeq = start.seq;
      this.#startAt({ epoch: m.epoch, seq: start.seq, resumed: start.resumed ?? false, ...(previous === undefined ? {} : { previous }) });
      this.#largestVouched = 0;
      if (previous !== undefined) log.warn("epoch changed: the leader restarted", { from: previous, to: m.epoch });
      stats.epoch = m.epoch;
      this.#firstManifest();
      // The old run's seqs mean nothing in the new epoch: resubscribe from the new start.
      if (previous !== undefined) this.sources.restart("epoch changed");
    }
    // A window that never advances: a stuck (or lying) manifest source.
    stats.manifests.stalled = res.newEntries.length === 0 ? (stats.manifests.stalled ?? 0) + 1 : 0;
    if (stats.manifests.stalled === STALL_AFTER_MANIFESTS) {
      log.warn("manifests are not advancing: no new chunk vouched for", { peer: this.manifestPeer, manifests: stats.manifests.stalled, lastSeq: m.seq });
    }
    const longest = Math.max(0, ...m.entries.map((e) => msFromTicks(e.durationTicks)));
    if (longest > 0) this.#chunkMs = longest;
    this.#largestVouched = Math.max(this.#largestVouched, ...m.entries.map((e) => e.objectSize));
  }

  #startAt(start: { epoch: string; seq: number; resumed: boolean; previous?: string }): void {
    this.#startedEpoch = start.epoch;
    this.#opts.onStart?.(start);
  }
}

const noop = (): void => {};

/** Opens one object: into a fresh buffer, or in its own memory (see `openInPlace`). */
function openObject(key: StreamKey, ctx: ChunkContext, object: Uint8Array, inPlace: boolean): Uint8Array {
  return inPlace ? openChunk(key, ctx, object, object.subarray(OBJECT_OVERHEAD_BYTES)) : openChunk(key, ctx, object);
}
