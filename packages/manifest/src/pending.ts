import { equalBytes, isBytes, isUint } from "./bytes.js";
import { ManifestError } from "./errors.js";
import type { ObjectRejectReason } from "./reasons.js";
import type { ManifestEntry } from "./types.js";
import type { ManifestVerifier } from "./verifier.js";

/** Limits of a {@link PendingObjects} pen. */
export interface PendingObjectsOptions {
  /** Most objects held at once. */
  maxObjects: number;
  /** Most object bytes held at once; a single larger object is refused outright. */
  maxBytes: number;
}

/** An object released by {@link PendingObjects.takeVouched}: the verifier accepted its exact bytes. */
export interface VouchedObject {
  seq: number;
  bytes: Uint8Array;
  /** The manifest entry that vouches for it. */
  entry: ManifestEntry;
  /** Epoch of that manifest. */
  epoch: string;
  /** Who sent it, as given to {@link PendingObjects.add}. */
  peer?: string;
}

/** An object {@link PendingObjects.takeVouched} dropped because the verifier rejected it. */
export interface RejectedPendingObject {
  seq: number;
  reason: ObjectRejectReason;
  detail: string;
  peer?: string;
}

/** Counters kept by a {@link PendingObjects} pen. */
export interface PendingStats {
  /** Objects taken in. */
  added: number;
  /** Objects released as vouched. */
  released: number;
  /** Objects dropped because the verifier rejected them. */
  rejected: number;
  /** Objects dropped, oldest first, to stay within the limits. */
  evicted: number;
  /** Objects refused on arrival because alone they exceed `maxBytes`. */
  refused: number;
  /** Byte-identical copies of an object already held or already released in the same take. */
  duplicates: number;
  /** Objects dropped undecided because their sender was given up on ({@link PendingObjects.dropFrom}). */
  discarded: number;
}

interface Held {
  seq: number;
  bytes: Uint8Array;
  peer?: string;
}

/**
 * A bounded holding pen for objects that arrived before the manifest that vouches for them.
 * It never releases an object the verifier did not accept; it holds at most `maxObjects`
 * objects and `maxBytes` bytes, evicting the oldest arrivals first and counting what it drops.
 */
export class PendingObjects {
  readonly #maxObjects: number;
  readonly #maxBytes: number;
  #held: Held[] = [];
  #bytes = 0;
  readonly #stats: PendingStats = { added: 0, released: 0, rejected: 0, evicted: 0, refused: 0, duplicates: 0, discarded: 0 };

  /** Throws `invalid-argument` unless both limits are positive integers. */
  constructor(opts: PendingObjectsOptions) {
    if (typeof opts !== "object" || opts === null) throw new ManifestError("invalid-argument", "options must be an object");
    if (!isUint(opts.maxObjects, Number.MAX_SAFE_INTEGER) || opts.maxObjects < 1) {
      throw new ManifestError("invalid-argument", "maxObjects must be a positive integer");
    }
    if (!isUint(opts.maxBytes, Number.MAX_SAFE_INTEGER) || opts.maxBytes < 1) {
      throw new ManifestError("invalid-argument", "maxBytes must be a positive integer");
    }
    this.#maxObjects = opts.maxObjects;
    this.#maxBytes = opts.maxBytes;
  }

  /** Objects held. */
  get size(): number {
    return this.#held.length;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** A snapshot of the counters. */
  get stats(): PendingStats {
    return { ...this.#stats };
  }

  /**
   * Holds an object until a manifest vouches for it. Returns false when it was not held: larger
   * than `maxBytes` (counted as refused) or a byte-identical copy of one already held (duplicate).
   * The bytes are kept by reference; do not change them afterwards.
   */
  add(seq: number, bytes: Uint8Array, peer?: string): boolean {
    if (!isUint(seq, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", "seq must be a safe non-negative integer");
    if (!isBytes(bytes)) throw new ManifestError("invalid-argument", "bytes must be a Uint8Array");
    if (bytes.length > this.#maxBytes) {
      this.#stats.refused++;
      return false;
    }
    if (this.#held.some((h) => h.seq === seq && equalBytes(h.bytes, bytes))) {
      this.#stats.duplicates++;
      return false;
    }
    this.#held.push(peer === undefined ? { seq, bytes } : { seq, bytes, peer });
    this.#bytes += bytes.length;
    this.#stats.added++;
    while (this.#held.length > this.#maxObjects || this.#bytes > this.#maxBytes) {
      const oldest = this.#held.shift()!;
      this.#bytes -= oldest.bytes.length;
      this.#stats.evicted++;
    }
    return true;
  }

  /**
   * Asks `verifier` about every held object. Accepted ones are released (one per seq, ascending
   * seq; identical copies are dropped as duplicates), rejected ones are dropped and reported to
   * `onReject`, and the rest stay for a later manifest.
   */
  takeVouched(
    verifier: ManifestVerifier,
    onReject?: (rejected: RejectedPendingObject) => void,
  ): VouchedObject[] {
    const keep: Held[] = [];
    const released = new Map<number, VouchedObject>();
    for (const h of this.#held) {
      const check = verifier.checkObject(h.seq, h.bytes);
      if (check.status === "unknown") {
        keep.push(h);
        continue;
      }
      this.#bytes -= h.bytes.length;
      if (check.status === "reject") {
        this.#stats.rejected++;
        const r: RejectedPendingObject = { seq: h.seq, reason: check.reason, detail: check.detail };
        if (h.peer !== undefined) r.peer = h.peer;
        onReject?.(r);
        continue;
      }
      if (released.has(h.seq)) {
        this.#stats.duplicates++;
        continue;
      }
      const v: VouchedObject = { seq: h.seq, bytes: h.bytes, entry: check.entry, epoch: check.epoch };
      if (h.peer !== undefined) v.peer = h.peer;
      released.set(h.seq, v);
      this.#stats.released++;
    }
    this.#held = keep;
    return [...released.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * Drops, undecided, every object held from `peer` (a sender given up on): they would only be
   * judged — and blamed — after the peer is gone, and take room from honest objects meanwhile.
   * Returns how many were dropped (counted as `discarded`).
   */
  dropFrom(peer: string): number {
    const keep = this.#held.filter((h) => h.peer !== peer);
    const n = this.#held.length - keep.length;
    for (const h of this.#held) if (h.peer === peer) this.#bytes -= h.bytes.length;
    this.#held = keep;
    this.#stats.discarded += n;
    return n;
  }

  /** Drops everything held (e.g. on shutdown); not counted as evictions. */
  clear(): void {
    this.#held = [];
    this.#bytes = 0;
  }
}
