/**
 * Plays verified MPEG-TS chunks in a `<video>` through Media Source Extensions: probe the first
 * chunk's codecs, transmux each chunk to fMP4 (mux.js), append it in order through one queued
 * SourceBuffer, start at the live edge, jump holes left by missing chunks, and keep the back
 * buffer short. The player fetches nothing and verifies nothing: it plays exactly what it is
 * given, so what it is given must already be verified (see {@link watch}).
 */
import { AppendQueue } from "./append-queue.js";
import type { AppendQueueCounters } from "./append-queue.js";
import { probeCodecs } from "./codec-probe.js";
import type { CodecProbe } from "./codec-probe.js";
import { WebPeerError } from "./errors.js";
import { Fmp4Transmuxer, sameBytes } from "./fmp4.js";

/** One chunk to play: a verified, decrypted chunk's plaintext and where it sits in the stream. */
export interface PlayerChunk {
  epoch: string;
  seq: number;
  plaintext: Uint8Array;
}

export type PlayerState = "idle" | "playing" | "unsupported" | "failed" | "closed";

export type PlayerEvent =
  | { type: "codecs"; probe: CodecProbe; mime?: string }
  | { type: "appended"; epoch: string; seq: number; bytes: number }
  | { type: "skipped"; epoch: string; seq: number; reason: SkipReason }
  | { type: "gap-jumped"; from: number; to: number }
  | { type: "caught-up"; from: number; to: number }
  | { type: "live-edge"; seconds: number }
  | { type: "failed"; error: WebPeerError };

/** What became of a pushed chunk. */
export type PushOutcome = "appended" | SkipReason;
/**
 * Why a chunk was not played: the stream's codecs cannot play, the player failed or was closed, it
 * was not after the last one played, or mux.js made no media of it (e.g. a chunk damaged at
 * capture: skipped, playback goes on and jumps the hole).
 */
export type SkipReason = "unsupported" | "failed" | "closed" | "not-after-last" | "no-media";

export interface MsePlayerOptions {
  video: HTMLVideoElement;
  /** Played media kept behind the playhead (seconds); older media is removed. Default 30. */
  backBufferSeconds?: number;
  /** Start this far behind the newest buffered media (seconds). Default: at the first chunk's start. */
  startBehindSeconds?: number;
  /** A playhead further than this behind the newest media (seconds) jumps forward to it (less startBehindSeconds, default 3 s). Default 20. */
  maxBehindSeconds?: number;
  onEvent?: (e: PlayerEvent) => void;
}

export interface PlayerCounters extends AppendQueueCounters {
  /** Chunks given to {@link MsePlayer.push}. */
  chunksIn: number;
  /** Chunks whose fMP4 the SourceBuffer accepted (updateend). */
  chunksAppended: number;
  /** Chunks not played (unsupported codec, player failed/closed, or not after the last one). */
  chunksSkipped: number;
  gapsJumped: number;
  /** Times the playhead was moved forward because it fell too far behind the newest media. */
  catchUps: number;
  /** Leader restarts seen (a chunk of a new epoch): the buffer was emptied and playback restarted there. */
  epochChanges: number;
}

export class MsePlayer {
  readonly video: HTMLVideoElement;
  readonly counters: PlayerCounters = { chunksIn: 0, chunksAppended: 0, chunksSkipped: 0, gapsJumped: 0, catchUps: 0, epochChanges: 0, appends: 0, bytesAppended: 0, removes: 0, quotaTrims: 0 };
  state: PlayerState = "idle";
  probe: CodecProbe | undefined;
  error: WebPeerError | undefined;
  /** The MSE type the SourceBuffer was created with, e.g. `video/mp4; codecs="avc1.64001e,mp4a.40.2"`. */
  mime: string | undefined;

  readonly #opts: MsePlayerOptions;
  readonly #mediaSource: MediaSource;
  readonly #opened: Promise<void>;
  readonly #objectUrl: string;
  #mux = new Fmp4Transmuxer();
  #queue: AppendQueue | undefined;
  #lastInit: Uint8Array | undefined;
  #last: { epoch: string; seq: number } | undefined;
  #chain: Promise<void> = Promise.resolve();
  #started = false;
  #timer: ReturnType<typeof setInterval>;

  /** True when this browser has MSE and can play H.264/AAC fMP4. */
  static isSupported(): boolean {
    return typeof MediaSource !== "undefined" && MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"');
  }

  constructor(opts: MsePlayerOptions) {
    if (typeof MediaSource === "undefined") throw new WebPeerError("no-mse", "this browser has no Media Source Extensions");
    this.#opts = opts;
    this.video = opts.video;
    this.#mediaSource = new MediaSource();
    this.#opened = new Promise((resolve) => this.#mediaSource.addEventListener("sourceopen", () => resolve(), { once: true }));
    this.#objectUrl = URL.createObjectURL(this.#mediaSource);
    this.video.src = this.#objectUrl;
    this.video.addEventListener("error", () => this.#fail(new WebPeerError("media-error", `the video element failed: ${this.video.error?.message || `code ${this.video.error?.code}`}`)));
    this.#timer = setInterval(() => this.#tick(), 250);
  }

  /**
   * Queues one chunk. Chunks play in the order pushed; a chunk that is not after the last one of
   * its epoch (a duplicate, or late) is skipped. Resolves when it was appended or skipped.
   */
  push(chunk: PlayerChunk): Promise<PushOutcome> {
    this.counters.chunksIn++;
    const run = this.#chain.then(() => this.#play(chunk));
    this.#chain = run.then(() => {});
    return run;
  }

  /** Resolves once every chunk pushed so far is appended or skipped. */
  idle(): Promise<void> {
    return this.#chain;
  }

  close(): void {
    if (this.state === "closed") return;
    clearInterval(this.#timer);
    this.#queue?.close(new WebPeerError("media-error", "the player was closed"));
    this.state = "closed";
    try {
      if (this.#mediaSource.readyState === "open") this.#mediaSource.endOfStream();
    } catch {
      /* already ended */
    }
    URL.revokeObjectURL(this.#objectUrl);
  }

  async #play(chunk: PlayerChunk): Promise<PushOutcome> {
    if (this.state === "unsupported" || this.state === "failed" || this.state === "closed") return this.#skip(chunk, this.state);
    if (this.#last && this.#last.epoch === chunk.epoch && chunk.seq <= this.#last.seq) return this.#skip(chunk, "not-after-last");
    try {
      if (!this.probe) {
        this.probe = probeCodecs(chunk.plaintext);
        if (this.probe.kind === "unsupported") {
          this.state = "unsupported";
          // Nothing will ever be appended: detach the empty MediaSource so the video shows no endless spinner.
          this.video.removeAttribute("src");
          this.video.load();
          this.#emit({ type: "codecs", probe: this.probe });
          return this.#skip(chunk, "unsupported");
        }
      }
      const newEpoch = this.#last !== undefined && this.#last.epoch !== chunk.epoch;
      if (newEpoch) {
        // A new leader run: its timestamps have nothing to do with the old ones (they may even lie
        // before them). Start over: a fresh transmuxer, an empty buffer, the init segment again.
        this.#mux = new Fmp4Transmuxer();
        this.#started = false;
        this.#lastInit = undefined;
      }
      let seg;
      try {
        seg = this.#mux.chunk(chunk.plaintext);
      } catch (err) {
        if (err instanceof WebPeerError && err.code === "transmux-failed" && this.#queue) return this.#skip(chunk, "no-media");
        throw err;
      }
      const queue = await this.#sourceBuffer(seg.codecs);
      if (newEpoch) {
        await queue.remove(0, Infinity);
        this.counters.epochChanges++;
      }
      if (!sameBytes(this.#lastInit, seg.init)) {
        await queue.append(seg.init);
        this.#lastInit = seg.init;
      }
      await queue.append(seg.media);
      this.#last = { epoch: chunk.epoch, seq: chunk.seq };
      this.counters.chunksAppended++;
      Object.assign(this.counters, queue.counters);
      this.state = "playing";
      this.#emit({ type: "appended", epoch: chunk.epoch, seq: chunk.seq, bytes: seg.media.byteLength });
      this.#trimBackBuffer(queue);
      if (!this.#started) this.#goLive();
      return "appended";
    } catch (err) {
      const e = err instanceof WebPeerError ? err : new WebPeerError("media-error", (err as Error).message ?? String(err));
      this.#fail(e);
      return this.#skip(chunk, "failed");
    }
  }

  async #sourceBuffer(codecs: string[]): Promise<AppendQueue> {
    if (this.#queue) return this.#queue;
    await this.#opened;
    const mime = `video/mp4; codecs="${codecs.join(",")}"`;
    if (!MediaSource.isTypeSupported(mime)) throw new WebPeerError("no-mse", `this browser cannot play ${mime}`);
    this.mime = mime;
    this.#emit({ type: "codecs", probe: this.probe!, mime });
    const sb = this.#mediaSource.addSourceBuffer(mime);
    this.#queue = new AppendQueue(sb, () => this.video.currentTime);
    return this.#queue;
  }

  /** Seeks to the newest media (less `startBehindSeconds`) and starts playing. */
  #goLive(): void {
    const b = this.video.buffered;
    if (b.length === 0) return;
    this.#started = true;
    const end = b.end(b.length - 1);
    const start = b.start(b.length - 1);
    const target = Math.max(start, end - (this.#opts.startBehindSeconds ?? end - start));
    this.video.currentTime = target;
    this.#emit({ type: "live-edge", seconds: target });
    this.video.play().catch(() => {
      /* autoplay refused: the page's controls start it */
    });
  }

  #trimBackBuffer(queue: AppendQueue): void {
    const keep = this.#opts.backBufferSeconds ?? 30;
    const b = this.video.buffered;
    const until = this.video.currentTime - keep;
    if (b.length > 0 && until > b.start(0) + 1) void queue.remove(b.start(0), until).catch(() => {});
  }

  /** A playhead stuck before or in a hole, with media after it: jump to that media. */
  #tick(): void {
    if (this.state !== "playing" || !this.#started) return;
    const v = this.video;
    const b = v.buffered;
    const t = v.currentTime;
    if (b.length > 0) {
      // Far behind live (a stalled tab, a slow decoder): jump to near the newest media.
      const end = b.end(b.length - 1);
      if (end - t > (this.#opts.maxBehindSeconds ?? 20)) {
        const to = Math.max(b.start(b.length - 1), end - (this.#opts.startBehindSeconds ?? 3));
        v.currentTime = to;
        this.counters.catchUps++;
        this.#emit({ type: "caught-up", from: t, to });
        return;
      }
    }
    for (let i = 0; i < b.length; i++) {
      if (t >= b.start(i) && t < b.end(i) - 0.1) return; // inside media with more to come: fine
      if (b.start(i) > t && v.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) {
        const to = b.start(i) + 0.05;
        v.currentTime = to;
        this.counters.gapsJumped++;
        this.#emit({ type: "gap-jumped", from: t, to });
        return;
      }
    }
  }

  #skip(chunk: PlayerChunk, reason: SkipReason): SkipReason {
    this.counters.chunksSkipped++;
    this.#emit({ type: "skipped", epoch: chunk.epoch, seq: chunk.seq, reason });
    return reason;
  }

  #fail(error: WebPeerError): void {
    if (this.state === "failed" || this.state === "closed" || this.state === "unsupported") return;
    this.state = "failed";
    this.error = error;
    this.#queue?.close(error);
    this.#emit({ type: "failed", error });
  }

  #emit(e: PlayerEvent): void {
    this.#opts.onEvent?.(e);
  }
}
