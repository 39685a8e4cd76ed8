/**
 * Cuts an MPEG-TS byte stream into chunks (chunking v2) that each start with a canonical PAT+PMT
 * and then a keyframe, on a fixed PTS grid, so that two captures of one broadcast that started
 * at different moments, on different devices, give byte-identical chunks. The exact rules,
 * precise enough to reimplement, are in docs/protocol/chunking.md; in short:
 *
 * - The anchor stream is the program's first video stream (else its first audio stream).
 * - A random-access point (RAP) is a PES start on the anchor PID, with a PTS, whose packet has
 *   random_access_indicator set or whose first picture-level start code is a keyframe
 *   (H.264 IDR, HEVC IRAP, MPEG-1/2 sequence or GOP header). For audio every PES start is a RAP.
 * - With `T = chunkMs × 90` ticks, a RAP's bucket is `floor(PTS / T)` (33-bit PTS). A RAP starts
 *   a new chunk when its bucket differs from the previous RAP's: the first RAP at or after each
 *   grid line (a wrap or timestamp jump changes the bucket too, so it cuts). The first RAP of a
 *   capture starts its first chunk (`boundary: "capture-start"`).
 * - A chunk is the canonical PAT+PMT (regenerated, see `ts/canonical-psi.ts`), then only the
 *   packets of the program's video/audio/PCR PIDs from the RAP on: no PSI, no null packets, no
 *   other PIDs, no packets flagged with transport_error_indicator.
 * - A chunk's duration is the next chunk's first PTS minus its own when that gap is positive and
 *   at most 1 s longer than the chunk's own span (highest PTS - first PTS + one frame); otherwise
 *   (a jump, or the last chunk) it is the span.
 *
 * Nothing depends on how the input is split into `push` calls, and memory is bounded by one
 * chunk (plus one 188-byte carry), however long the input.
 */
import { PACKET_SIZE, packetHasError, packetIsRandomAccess, packetPid, packetStartsUnit, payloadOffset } from "../ts/packet.js";
import { setHeaderCounters } from "../ts/canonical-psi.js";
import { TsPacketSync } from "../ts/packet-sync.js";
import { ProgramTracker } from "../ts/program-tracker.js";
import { parsePesStart } from "../ts/pes.js";
import { KeyframeScanner, canScanKeyframes } from "../ts/keyframe-scanner.js";
import type { KeyframeVerdict } from "../ts/keyframe-scanner.js";
import { MAX_CHUNK_BYTES, ptsDelta, TICKS_PER_SECOND } from "@ec/stream-rules";
import { ChunkBuffer } from "./chunk-buffer.js";

/**
 * Why a chunk starts where it does, which says whether another capture of the same broadcast
 * (another antenna, another device, started at another moment) starts a chunk at the same place:
 *
 * - `"grid"`: the first RAP after a grid line (its bucket differs from the previous RAP's), with
 *   the anchor stream intact since that previous RAP. Canonical: every capture that saw the
 *   previous RAP cuts here too, with identical bytes unless reception damage hit this chunk.
 * - `"capture-start"`: the first chunk of this capture, at its first RAP. Not canonical: another
 *   capture's chunk may start earlier; it matches only if the capture began just before a grid RAP.
 * - `"resync"`: cut by the grid rule, but the anchor stream was damaged since the previous RAP
 *   (transport_error_indicator, a continuity-counter gap, lost packet sync, an anchor change),
 *   so a RAP may have been lost and this may not be the first RAP after the grid line.
 * - `"size-limit"`: cut at `maxChunkBytes` without a keyframe. Deterministic only for a capture
 *   that has the same bytes since the chunk's last grid start.
 */
export type ChunkBoundary = "grid" | "capture-start" | "resync" | "size-limit";

/** All `ChunkBoundary` values. */
export const CHUNK_BOUNDARIES: readonly ChunkBoundary[] = ["grid", "capture-start", "resync", "size-limit"];

/** One chunk: whole 188-byte packets, starting with the canonical PAT+PMT and then a keyframe. */
export interface TsChunk {
  /** Position in the output, counting from `firstSeq` (capture-relative: not comparable across captures). */
  seq: number;
  /** PTS (33-bit, 90 kHz) of the keyframe the chunk starts with. */
  firstPts: number;
  /** Media duration in 90 kHz ticks (see the module comment for the exact rule). */
  durationTicks: number;
  /**
   * The chunk: canonical PAT+PMT packets, then the program's media packets from the keyframe
   * on. For two captures of one broadcast, equal for chunks with `boundary === "grid"` and equal
   * `firstPts`, unless reception damage hit one of them.
   */
  bytes: Uint8Array;
  /** Why the chunk starts here; only `"grid"` starts are canonical (see `ChunkBoundary`). */
  boundary: ChunkBoundary;
}

/** Options of `TsChunker` and `chunkStream`. */
export interface TsChunkerOptions {
  /** Target chunk length in milliseconds; a chunk ends at the first keyframe this far in. Default 2000. */
  chunkMs?: number;
  /** `seq` of the first chunk. Default 0. */
  firstSeq?: number;
  /**
   * Upper bound on one chunk's size. A chunk that reaches it is cut at that packet even without a
   * keyframe (counted in `stats.forcedCuts`), so memory stays bounded on streams that never send
   * one. Default 32 MiB; at least 64 KiB.
   */
  maxChunkBytes?: number;
  /**
   * Lend chunk buffers instead of giving them away: the `bytes` of the chunks a `push()` or
   * `flush()` returns stay valid only until the next `push()` or `flush()` call, which reuses
   * their memory for later chunks. For a consumer that is done with each chunk before feeding
   * more input (seals it, writes it) this saves a fresh allocation per chunk: its page faults and
   * its garbage. Default false: every chunk's bytes are the caller's to keep.
   */
  reuseBuffers?: boolean;
}

/** Counters describing what the chunker has seen. */
export interface TsChunkerStats {
  /** Whole packets read. */
  packets: number;
  /** Bytes skipped as garbage or partial packets. */
  skippedBytes: number;
  /** Times packet sync was regained after skipping bytes. */
  resyncs: number;
  /** Chunks emitted. */
  chunks: number;
  /** Media packets of the program dropped because they came before the first keyframe. */
  droppedPackets: number;
  /** Packets not carried in chunks: PSI, null packets, other PIDs, anything before the PMT. */
  filteredPackets: number;
  /** Packets left out because transport_error_indicator was set. */
  errorPackets: number;
  /** Chunks cut at `maxChunkBytes` instead of at a keyframe. */
  forcedCuts: number;
  /** Damaged or malformed PAT/PMT sections ignored. */
  psiErrors: number;
}

/** A PES start on the anchor PID that may be a keyframe. */
interface Candidate {
  /** Where its first packet sits in the chunk buffer. */
  offset: number;
  pts: number;
  scanner: KeyframeScanner | null;
}

const DEFAULT_CHUNK_MS = 2000;
const MIN_MAX_CHUNK_BYTES = 64 * 1024;
/** How much longer than a chunk's own span the gap to the next chunk may be before it counts as a jump. */
const GAP_SLACK_TICKS = TICKS_PER_SECOND;
const EMPTY = new Uint8Array(0);

/** Streaming, deterministic keyframe chunker. */
export class TsChunker {
  readonly #targetTicks: number;
  readonly #maxBytes: number;
  readonly #sync = new TsPacketSync();
  readonly #psi = new ProgramTracker();
  readonly #buf: ChunkBuffer;
  readonly #onPacket = (buf: Uint8Array, off: number): void => this.#packet(buf, off);
  #seq: number;
  #out: TsChunk[] = [];
  #ended = false;
  // The chunk being built.
  #open = false;
  #firstPts = 0;
  #maxPtsDelta = 0;
  #pending: Candidate | null = null;
  #boundary: ChunkBoundary = "capture-start";
  // The grid: bucket of the previous RAP (-1 before the first), and whether the anchor stream
  // may have lost a RAP since then.
  #prevRapBucket = -1;
  #damaged = false;
  #anchorCc = -1;
  #knownAnchor = -1;
  #knownResyncs = 0;
  // Anchor-stream timing.
  #lastPts = -1;
  #lastDts = -1;
  #frameTicks = 0;
  // Counters not kept by the sync layer.
  #chunks = 0;
  #dropped = 0;
  #forced = 0;
  #filtered = 0;
  #errors = 0;

  constructor(opts: TsChunkerOptions = {}) {
    const chunkMs = opts.chunkMs ?? DEFAULT_CHUNK_MS;
    if (!Number.isFinite(chunkMs) || chunkMs <= 0) throw new RangeError(`chunkMs must be a positive number, got ${chunkMs}`);
    const firstSeq = opts.firstSeq ?? 0;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 0) throw new RangeError(`firstSeq must be a non-negative integer, got ${firstSeq}`);
    const maxBytes = opts.maxChunkBytes ?? MAX_CHUNK_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_MAX_CHUNK_BYTES) {
      throw new RangeError(`maxChunkBytes must be an integer of at least ${MIN_MAX_CHUNK_BYTES}, got ${maxBytes}`);
    }
    this.#targetTicks = Math.round((chunkMs * TICKS_PER_SECOND) / 1000);
    this.#maxBytes = maxBytes - (maxBytes % PACKET_SIZE);
    this.#seq = firstSeq;
    this.#buf = new ChunkBuffer(undefined, opts.reuseBuffers === true);
  }

  /** What has been read so far. */
  get stats(): TsChunkerStats {
    return {
      packets: this.#sync.packets,
      skippedBytes: this.#sync.skippedBytes,
      resyncs: this.#sync.resyncs,
      chunks: this.#chunks,
      droppedPackets: this.#dropped,
      filteredPackets: this.#filtered,
      errorPackets: this.#errors,
      forcedCuts: this.#forced,
      psiErrors: this.#psi.psiErrors,
    };
  }

  /**
   * Bytes held right now: the chunk in progress plus the few bytes of an undecided packet
   * boundary. Bounded by one chunk (and `maxChunkBytes`) however long the input runs.
   */
  get bufferedBytes(): number {
    return this.#buf.length + this.#sync.pendingBytes;
  }

  /** The program being followed (PIDs and codecs), once its PAT and PMT have been seen. */
  get program(): ProgramTracker["program"] {
    return this.#psi.program;
  }

  /**
   * Feeds bytes (any split); returns the chunks completed by them. `data` is not kept: the caller
   * may reuse its memory once `push` returns.
   */
  push(data: Uint8Array): TsChunk[] {
    if (this.#ended) throw new Error("TsChunker: push() after flush()");
    this.#buf.reclaim(); // with reuseBuffers: the chunks returned last time are done with
    this.#sync.push(data, this.#onPacket);
    this.#buf.flush(); // the sync layer may reuse the bytes it handed out
    return this.#take();
  }

  /** Ends the input: returns the remaining chunks, including the final partial one. */
  flush(): TsChunk[] {
    if (this.#ended) return [];
    this.#ended = true;
    this.#buf.reclaim();
    this.#sync.end(this.#onPacket);
    if (this.#pending) this.#resolve(this.#pending, false);
    if (this.#open) {
      this.#emit(this.#buf.split(this.#buf.length, EMPTY), this.#span());
      this.#open = false;
    }
    this.#buf.clear();
    return this.#take();
  }

  #take(): TsChunk[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #packet(buf: Uint8Array, off: number): void {
    this.#psi.onPacket(buf, off);
    if (this.#sync.resyncs !== this.#knownResyncs) {
      this.#knownResyncs = this.#sync.resyncs;
      this.#damaged = true;
    }
    if (packetHasError(buf, off)) {
      // The PID itself may be wrong: count it as damage to the anchor stream too.
      this.#errors++;
      this.#damaged = true;
      return;
    }
    const pid = packetPid(buf, off);
    if (this.#psi.mediaPids[pid] !== 1) {
      this.#filtered++;
      return;
    }
    const anchor = this.#psi.anchorPid;
    if (pid !== anchor) {
      this.#append(buf, off);
      return;
    }
    if (anchor !== this.#knownAnchor) {
      if (this.#knownAnchor >= 0) this.#damaged = true;
      this.#knownAnchor = anchor;
      this.#anchorCc = -1;
    }
    this.#checkContinuity(buf, off);
    this.#anchorPacket(buf, off);
  }

  /** A continuity-counter gap on the anchor PID means packets were lost (maybe a RAP). */
  #checkContinuity(buf: Uint8Array, off: number): void {
    const b3 = buf[off + 3]!;
    const cc = b3 & 0x0f;
    const hasPayload = (b3 & 0x10) !== 0;
    const last = this.#anchorCc;
    this.#anchorCc = cc;
    if (last < 0) return;
    const discontinuity = (b3 & 0x20) !== 0 && buf[off + 4]! > 0 && (buf[off + 5]! & 0x80) !== 0;
    if (discontinuity) return;
    const expected = hasPayload ? (last + 1) & 0x0f : last;
    if (cc !== expected && !(hasPayload && cc === last)) this.#damaged = true;
  }

  /** The grid bucket of a PTS. */
  #bucket(pts: number): number {
    return Math.floor(pts / this.#targetTicks);
  }

  /** The canonical PAT+PMT for a chunk whose first PTS is `pts`. */
  #header(pts: number): Uint8Array {
    const t = this.#psi.header;
    return t.length === 0 ? t : setHeaderCounters(t, this.#bucket(pts));
  }

  /** Keeps a packet in the chunk being built (or drops it before the first keyframe). */
  #append(buf: Uint8Array, off: number): void {
    if (this.#open || this.#pending) {
      if (this.#buf.length + PACKET_SIZE > this.#maxBytes) this.#overflow();
    }
    if (this.#open || this.#pending) this.#buf.append(buf, off, off + PACKET_SIZE);
    else this.#dropped++;
  }

  #anchorPacket(buf: Uint8Array, off: number): void {
    const payload = payloadOffset(buf, off);
    if (payload < 0 || !packetStartsUnit(buf, off)) {
      this.#append(buf, off);
      const p = this.#pending;
      if (p?.scanner && payload >= 0) {
        const v = p.scanner.feed(buf, payload, off + PACKET_SIZE);
        if (v !== "undecided") this.#resolve(p, v === "keyframe");
      }
      return;
    }
    // A new PES: the access unit being scanned ended without showing a keyframe.
    if (this.#pending) this.#resolve(this.#pending, false);
    const pes = parsePesStart(buf, off, payload);
    if (!pes) {
      this.#append(buf, off);
      return;
    }
    if (this.#lastDts >= 0) {
      const d = ptsDelta(pes.dts, this.#lastDts);
      if (d > 0 && d <= TICKS_PER_SECOND) this.#frameTicks = d;
    }
    this.#lastDts = pes.dts;
    this.#lastPts = pes.pts;

    if (this.#open && this.#buf.length + PACKET_SIZE > this.#maxBytes) this.#overflow();
    const cand: Candidate = { offset: this.#buf.length, pts: pes.pts, scanner: null };
    this.#buf.append(buf, off, off + PACKET_SIZE);
    const anchor = this.#psi.program?.anchor;
    let verdict: KeyframeVerdict;
    if (anchor?.kind === "audio" || packetIsRandomAccess(buf, off)) {
      verdict = "keyframe";
    } else if (anchor && canScanKeyframes(anchor.codec)) {
      cand.scanner = new KeyframeScanner(anchor.codec);
      verdict = cand.scanner.feed(buf, pes.esOffset, off + PACKET_SIZE);
    } else {
      verdict = "not-keyframe";
    }
    if (verdict === "undecided") this.#pending = cand;
    else this.#resolve(cand, verdict === "keyframe");
  }

  #resolve(cand: Candidate, keyframe: boolean): void {
    this.#pending = null;
    if (!this.#open) {
      if (keyframe) {
        this.#dropped += cand.offset / PACKET_SIZE;
        this.#buf.dropHead(cand.offset, this.#header(cand.pts));
        this.#prevRapBucket = this.#bucket(cand.pts);
        this.#damaged = false;
        this.#startChunk(cand.pts, "capture-start");
      } else {
        this.#dropped += this.#buf.length / PACKET_SIZE;
        this.#buf.clear();
      }
      return;
    }
    if (keyframe) {
      const bucket = this.#bucket(cand.pts);
      const damaged = this.#damaged;
      this.#damaged = false;
      if (bucket !== this.#prevRapBucket) {
        this.#prevRapBucket = bucket;
        const duration = this.#durationUntil(cand.pts);
        this.#emit(this.#buf.split(cand.offset, this.#header(cand.pts)), duration);
        this.#startChunk(cand.pts, damaged ? "resync" : "grid");
        return;
      }
    }
    this.#notePts(cand.pts);
  }

  /** The chunk reached maxChunkBytes: cut here, keyframe or not. */
  #overflow(): void {
    if (!this.#open) {
      // Still looking for the first keyframe inside one enormous access unit: give up on it.
      this.#dropped += this.#buf.length / PACKET_SIZE;
      this.#buf.clear();
      this.#pending = null;
      return;
    }
    if (this.#pending) {
      this.#notePts(this.#pending.pts);
      this.#pending = null;
    }
    this.#forced++;
    const pts = this.#lastPts >= 0 ? this.#lastPts : this.#firstPts;
    this.#emit(this.#buf.split(this.#buf.length, this.#header(pts)), this.#span());
    this.#startChunk(pts, "size-limit");
  }

  #startChunk(pts: number, boundary: ChunkBoundary): void {
    this.#open = true;
    this.#firstPts = pts;
    this.#maxPtsDelta = 0;
    this.#boundary = boundary;
  }

  #notePts(pts: number): void {
    const d = ptsDelta(pts, this.#firstPts);
    if (d > this.#maxPtsDelta) this.#maxPtsDelta = d;
  }

  /** Highest PTS seen in the chunk, minus its first, plus one frame. */
  #span(): number {
    return this.#maxPtsDelta + this.#frameTicks;
  }

  #durationUntil(nextPts: number): number {
    const span = this.#span();
    const gap = ptsDelta(nextPts, this.#firstPts);
    return gap > 0 && gap <= span + GAP_SLACK_TICKS ? gap : span;
  }

  #emit(bytes: Uint8Array, durationTicks: number): void {
    this.#out.push({ seq: this.#seq++, firstPts: this.#firstPts, durationTicks, bytes, boundary: this.#boundary });
    this.#chunks++;
  }
}
