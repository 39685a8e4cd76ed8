import { equalBytes, isBytes, isUint } from "./bytes.js";
import { ManifestError } from "./errors.js";
import { hashObject } from "./hash.js";
import type { ManifestEntry } from "./types.js";

/**
 * Why a follower did not publish a chunk it captured:
 * - `hash-mismatch` / `size-mismatch`: the leader's entry at the same first PTS vouches for other
 *   bytes (reception damage here or there, or a device that alters the program's packets);
 * - `no-entry`: the leader's manifests moved past this first PTS without an entry for it (the
 *   leader cut elsewhere, e.g. a keyframe it lost or we lost);
 * - `unaligned`: the chunk was not cut by the canonical grid rule alone — it began where this
 *   capture began, or after a resync (a keyframe may have been lost) or a forced cut — so it is
 *   not expected to match;
 * - `evicted`: held for a manifest that did not come in time.
 */
export const CAPTURE_MISMATCH_REASONS = ["hash-mismatch", "size-mismatch", "no-entry", "unaligned", "evicted"] as const;

/** A reason from {@link CAPTURE_MISMATCH_REASONS}. */
export type CaptureMismatchReason = (typeof CAPTURE_MISMATCH_REASONS)[number];

/** A chunk of the follower's own capture. */
export interface CapturedChunk {
  /** PTS (33-bit, 90 kHz) the chunk starts at: the key that pairs it with the leader's entry. */
  firstPts: number;
  /** The chunk's plaintext bytes (canonical chunking makes them equal to the leader's). */
  bytes: Uint8Array;
  /** False when the chunk may begin mid-chunk: the first after a capture start, a resync or a forced cut. */
  aligned: boolean;
}

/** What the matcher decided about a captured chunk. */
export type CaptureOutcome =
  | {
      kind: "publish";
      seq: number;
      epoch: string;
      /** The sealed object: exactly what the leader's entry vouches for. */
      object: Uint8Array;
      entry: ManifestEntry;
    }
  | { kind: "mismatch"; reason: CaptureMismatchReason; firstPts: number; seq?: number; detail: string };

/** Options of {@link CaptureMatcher}. */
export interface CaptureMatcherOptions {
  /** Seals a plaintext chunk as the object for `(epoch, seq)` (e.g. `sealChunk` of `@ec/chunk-crypto`). */
  seal: (ctx: { epoch: string; seq: number }, plaintext: Uint8Array) => Uint8Array;
  /** Captured chunks held while the leader's manifests have not reached them. Default 16. */
  maxHeldChunks?: number;
  /** Leader entries remembered (current epoch). Default 1024. */
  maxEntries?: number;
}

/** Counters owned by a {@link CaptureMatcher}. */
export interface CaptureMatcherStats {
  /** Chunks offered. */
  captured: number;
  /** Chunks that matched the leader's entry and were sealed for publishing. */
  published: number;
  /** Chunks not published, by reason. */
  mismatched: Partial<Record<CaptureMismatchReason, number>>;
  /** Chunks waiting for the leader's manifests right now. */
  held: number;
  /** The first chunk published, if any. */
  firstPublished?: { seq: number; firstPts: number };
  /** The first captured chunk that began on the canonical grid (where a capture converges). */
  firstAligned?: { firstPts: number };
}

const PTS_MODULO = 2 ** 33;

/** `(a − b) mod 2^33` as a signed number in `[−2^32, 2^32)`: how far PTS `a` is after `b`. */
function ptsDelta(a: number, b: number): number {
  const d = (((a - b) % PTS_MODULO) + PTS_MODULO) % PTS_MODULO;
  return d >= PTS_MODULO / 2 ? d - PTS_MODULO : d;
}

/**
 * The follower's decision, with no I/O: which chunk of its own capture is the leader's object at
 * which seq. The leader's verified manifest entries carry each chunk's first PTS; a captured chunk
 * with the same first PTS is sealed with the leader's epoch and seq, and it is published only when
 * the sealed object's hash and size equal the entry's — so a follower can only ever publish what
 * the leader signed. Chunks and entries may arrive in either order; both wait (bounded) for the
 * other.
 */
export class CaptureMatcher {
  readonly #seal: CaptureMatcherOptions["seal"];
  readonly #maxHeld: number;
  readonly #maxEntries: number;
  #epoch: string | undefined;
  /** firstPts -> entry, current epoch, insertion order. */
  readonly #entries = new Map<number, ManifestEntry>();
  /** The newest entry's first PTS (current epoch). */
  #newestPts: number | undefined;
  /** firstPts -> captured chunk waiting for its entry, arrival order. */
  readonly #held = new Map<number, CapturedChunk>();
  /** Seqs of the current epoch already published. */
  readonly #published = new Set<number>();
  #captured = 0;
  #publishedCount = 0;
  readonly #mismatched: Partial<Record<CaptureMismatchReason, number>> = {};
  #first: { seq: number; firstPts: number } | undefined;
  #firstAlignedPts: number | undefined;

  /** Throws `invalid-argument` for unusable options. */
  constructor(opts: CaptureMatcherOptions) {
    if (typeof opts?.seal !== "function") throw new ManifestError("invalid-argument", "seal must be a function");
    this.#seal = opts.seal;
    this.#maxHeld = opts.maxHeldChunks ?? 16;
    this.#maxEntries = opts.maxEntries ?? 1024;
    if (!isUint(this.#maxHeld, 1 << 20) || this.#maxHeld < 1) throw new ManifestError("invalid-argument", "maxHeldChunks must be a positive integer");
    if (!isUint(this.#maxEntries, 1 << 24) || this.#maxEntries < 1) throw new ManifestError("invalid-argument", "maxEntries must be a positive integer");
  }

  /** The leader's epoch, once a manifest has been given. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** A snapshot of the counters. */
  get stats(): CaptureMatcherStats {
    const s: CaptureMatcherStats = { captured: this.#captured, published: this.#publishedCount, mismatched: { ...this.#mismatched }, held: this.#held.size };
    if (this.#first) s.firstPublished = { ...this.#first };
    if (this.#firstAlignedPts !== undefined) s.firstAligned = { firstPts: this.#firstAlignedPts };
    return s;
  }

  /**
   * Takes the entries of a verified manifest (all of them, or the new ones, in ascending seq) of
   * `epoch`. A new epoch (the leader restarted) forgets the old epoch's entries and publications.
   * Returns what the entries decided about held chunks.
   */
  addEntries(epoch: string, entries: readonly ManifestEntry[]): CaptureOutcome[] {
    if (typeof epoch !== "string" || epoch.length === 0) throw new ManifestError("invalid-argument", "epoch must be a non-empty string");
    if (epoch !== this.#epoch) {
      this.#epoch = epoch;
      this.#entries.clear();
      this.#published.clear();
      this.#newestPts = undefined;
    }
    for (const e of entries) {
      if (this.#entries.has(e.firstPts)) continue;
      this.#entries.set(e.firstPts, e);
      if (this.#newestPts === undefined || ptsDelta(e.firstPts, this.#newestPts) > 0) this.#newestPts = e.firstPts;
    }
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    const out: CaptureOutcome[] = [];
    for (const [pts, chunk] of [...this.#held]) {
      const o = this.#decide(chunk);
      if (o === undefined) continue;
      this.#held.delete(pts);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * Offers one chunk of the follower's own capture. Returns its outcome now (publish or mismatch),
   * or nothing when it waits for the leader's manifests to reach its first PTS — and, when the
   * pen is full, the outcome of the oldest held chunk it pushed out.
   */
  addChunk(chunk: CapturedChunk): CaptureOutcome[] {
    if (!isUint(chunk?.firstPts, PTS_MODULO - 1)) throw new ManifestError("invalid-argument", "firstPts must be an integer in 0 ..= 2^33 - 1");
    if (!isBytes(chunk.bytes)) throw new ManifestError("invalid-argument", "bytes must be a Uint8Array");
    this.#captured++;
    if (chunk.aligned) this.#firstAlignedPts ??= chunk.firstPts;
    const now = this.#decide(chunk);
    if (now === null) return [];
    if (now) return [now];
    this.#held.delete(chunk.firstPts);
    this.#held.set(chunk.firstPts, chunk);
    const out: CaptureOutcome[] = [];
    while (this.#held.size > this.#maxHeld) {
      const [pts, old] = this.#held.entries().next().value!;
      this.#held.delete(pts);
      out.push(this.#mismatch(old.aligned ? "evicted" : "unaligned", pts, undefined, `no leader manifest reached PTS ${pts} while ${this.#maxHeld} later chunks were captured`));
    }
    return out;
  }

  /** Publish, mismatch, undefined (keep waiting) or null (a second capture of a published seq: drop). */
  #decide(chunk: CapturedChunk): CaptureOutcome | undefined | null {
    const epoch = this.#epoch;
    const entry = this.#entries.get(chunk.firstPts);
    if (epoch === undefined) return undefined;
    if (entry === undefined) {
      // The leader's manifests have gone past this PTS without an entry for it: it cut elsewhere.
      if (this.#newestPts !== undefined && ptsDelta(this.#newestPts, chunk.firstPts) > 0) {
        return this.#mismatch(chunk.aligned ? "no-entry" : "unaligned", chunk.firstPts, undefined, `the leader has no chunk starting at PTS ${chunk.firstPts}`);
      }
      return undefined;
    }
    if (this.#published.has(entry.seq)) return null;
    const object = this.#seal({ epoch, seq: entry.seq }, chunk.bytes);
    if (object.length !== entry.objectSize) {
      return this.#mismatch(chunk.aligned ? "size-mismatch" : "unaligned", chunk.firstPts, entry.seq, `seq ${entry.seq}: our object is ${object.length} bytes, the leader's ${entry.objectSize}`);
    }
    if (!equalBytes(hashObject(object), entry.objectHash)) {
      return this.#mismatch(chunk.aligned ? "hash-mismatch" : "unaligned", chunk.firstPts, entry.seq, `seq ${entry.seq}: our object's hash differs from the leader's`);
    }
    this.#published.add(entry.seq);
    this.#publishedCount++;
    this.#first ??= { seq: entry.seq, firstPts: chunk.firstPts };
    return { kind: "publish", seq: entry.seq, epoch, object, entry };
  }

  #mismatch(reason: CaptureMismatchReason, firstPts: number, seq: number | undefined, detail: string): CaptureOutcome {
    this.#mismatched[reason] = (this.#mismatched[reason] ?? 0) + 1;
    return seq === undefined ? { kind: "mismatch", reason, firstPts, detail } : { kind: "mismatch", reason, firstPts, seq, detail };
  }
}
