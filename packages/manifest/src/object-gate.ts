import { isBytes, isUint } from "./bytes.js";
import { ManifestError } from "./errors.js";
import { PendingObjects } from "./pending.js";
import { OBJECT_REJECT_REASONS, type ManifestRejectReason } from "./reasons.js";
import type { ManifestEntry } from "./types.js";
import type { IngestResult, ManifestVerifier } from "./verifier.js";
import { DEFAULT_MAX_OBJECT_BYTES } from "./verifier.js";

/**
 * Why an {@link ObjectGate} refused an object: the verifier's reasons, plus
 * - `unvouched-ahead`: far beyond anything vouched for; not held (it would only push honest
 *   objects out of the pen),
 * - `undecryptable`: the exact vouched bytes, but the `open` hook refused them (wrong stream
 *   secret here, or a leader that signed junk).
 */
export const GATE_REJECT_REASONS = [...OBJECT_REJECT_REASONS, "unvouched-ahead", "undecryptable"] as const;

/** A reason from {@link GATE_REJECT_REASONS}. */
export type GateRejectReason = (typeof GATE_REJECT_REASONS)[number];

/** The gate's answer about one object. */
export type GateVerdict =
  | {
      kind: "accept";
      seq: number;
      epoch: string;
      /** The manifest entry that vouches for the object's exact bytes. */
      entry: ManifestEntry;
      /** The object as received (what a relay forwards). */
      object: Uint8Array;
      /** The opened chunk, when the gate has an `open` hook. */
      plaintext?: Uint8Array;
      peer?: string;
    }
  | { kind: "hold"; seq: number; peer?: string }
  | {
      kind: "reject";
      seq: number;
      reason: GateRejectReason;
      detail: string;
      /**
       * True when the object is evidence against the peer that sent it: a current manifest
       * refutes it. False when it is merely late (`stale`), ahead of what is vouched, opened badly
       * although vouched (`undecryptable`: the peer sent exactly what was signed), or judged only
       * against manifests that may not be current (see {@link ObjectGateOptions.blameFreshnessMs}).
       */
      blame: boolean;
      peer?: string;
    };

/** Options of {@link ObjectGate}. */
export interface ObjectGateOptions {
  /** The manifest verifier (pinned keys, stream id, clock). The gate feeds it every manifest. */
  verifier: ManifestVerifier;
  /** Limits of the pen where objects wait for their manifest. Default 64 objects, 256 MiB. */
  pending?: { maxObjects: number; maxBytes: number };
  /**
   * Opens an accepted object (e.g. `openChunk` of `@ec/chunk-crypto`). A throw rejects the object
   * as `undecryptable`. Absent: accepted objects are passed on sealed (what a relay wants).
   */
  open?: (ctx: { epoch: string; seq: number }, object: Uint8Array) => Uint8Array;
  /**
   * A mismatch is blamed on the peer only while the newest accepted manifest was issued at most
   * this long ago. A replayed manifest of the leader's previous run (still unexpired), or a
   * manifest source that went silent, must not get an honest relay dropped. Default 10 000 ms
   * (a leader issues a manifest per chunk).
   */
  blameFreshnessMs?: number;
  /** Objects more than this many seqs past the newest vouched one are refused, not held. Default 16. */
  maxAheadSeqs?: number;
  /** Largest object the gate will hold or hash. Default MAX_OBJECT_BYTES of @ec/stream-rules (one sealed 32 MiB chunk). */
  maxObjectBytes?: number;
  /** Clock in unix milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Counters owned by an {@link ObjectGate}. */
export interface GateStats {
  manifests: { accepted: number; rejected: Partial<Record<ManifestRejectReason, number>> };
  objects: {
    accepted: number;
    /** Objects put in the pen (each arrival, not each seq). */
    held: number;
    rejected: Partial<Record<GateRejectReason, number>>;
    /** Rejections that counted against the sending peer. */
    blamed: number;
    /** Held objects pushed out of the full pen before any manifest decided them. */
    evicted: number;
    /**
     * Held objects dropped undecided: their sender was given up on ({@link ObjectGate.forgetPeer}),
     * or they were held across an epoch change and the new run's entries refute them (most
     * likely the previous run's objects, served honestly at the time: no verdict, no blame).
     */
    discarded: number;
    /** Held right now. */
    pending: number;
  };
}

/** What {@link ObjectGate.ingestManifest} returns: the verifier's answer and the held objects it decided. */
export interface GateManifestResult {
  result: IngestResult;
  /** Held objects this manifest decided (accepted ones in ascending seq, then rejections). */
  released: GateVerdict[];
}

const DEFAULT_BLAME_FRESHNESS_MS = 10_000;
const DEFAULT_MAX_AHEAD = 16;

/**
 * The trust decision for objects, with no I/O: manifests in, objects in, typed verdicts out.
 *
 * An object is accepted only when a verified manifest of the current epoch vouches for its exact
 * bytes ("no manifests, no data"); an object that arrives before its manifest is held in a bounded
 * pen and decided when a manifest arrives; everything else is rejected with a reason and a
 * `blame` flag saying whether the sender is at fault. The Node subscriber, `ec-node relay` and a
 * browser page all decide through this one class; it owns the counters of what it decided.
 */
export class ObjectGate {
  readonly #verifier: ManifestVerifier;
  readonly #pen: PendingObjects;
  readonly #open: ObjectGateOptions["open"];
  readonly #freshnessMs: number;
  readonly #maxAhead: number;
  readonly #maxObjectBytes: number;
  readonly #now: () => number;
  #newestIssuedAtMs: number | undefined;
  #vouchedUpTo: number | undefined;
  #manifestsAccepted = 0;
  readonly #manifestsRejected: Partial<Record<ManifestRejectReason, number>> = {};
  #accepted = 0;
  #held = 0;
  #blamed = 0;
  /** Held objects the first manifest of a new epoch refuted (see GateStats.objects.discarded). */
  #discardedAcrossEpoch = 0;
  readonly #rejected: Partial<Record<GateRejectReason, number>> = {};

  /** Throws `invalid-argument` for unusable options. */
  constructor(opts: ObjectGateOptions) {
    if (typeof opts !== "object" || opts === null) throw new ManifestError("invalid-argument", "options must be an object");
    if (typeof opts.verifier?.ingest !== "function") throw new ManifestError("invalid-argument", "verifier must be a ManifestVerifier");
    this.#verifier = opts.verifier;
    this.#pen = new PendingObjects(opts.pending ?? { maxObjects: 64, maxBytes: 256 * 1024 * 1024 });
    if (opts.open !== undefined && typeof opts.open !== "function") throw new ManifestError("invalid-argument", "open must be a function");
    this.#open = opts.open;
    this.#freshnessMs = opts.blameFreshnessMs ?? DEFAULT_BLAME_FRESHNESS_MS;
    this.#maxAhead = opts.maxAheadSeqs ?? DEFAULT_MAX_AHEAD;
    this.#maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    for (const [name, v] of [
      ["blameFreshnessMs", this.#freshnessMs],
      ["maxAheadSeqs", this.#maxAhead],
      ["maxObjectBytes", this.#maxObjectBytes],
    ] as const) {
      if (!isUint(v, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", `${name} must be a non-negative integer`);
    }
    this.#now = opts.now ?? Date.now;
  }

  /** The verifier this gate feeds. */
  get verifier(): ManifestVerifier {
    return this.#verifier;
  }

  /** Epoch of the newest accepted manifest. */
  get epoch(): string | undefined {
    return this.#verifier.epoch;
  }

  /** The highest chunk seq a verified manifest of the current epoch lists. */
  get vouchedUpTo(): number | undefined {
    return this.#vouchedUpTo;
  }

  /**
   * True while the newest accepted manifest is recent enough that a mismatch against it is
   * evidence against the peer (see {@link ObjectGateOptions.blameFreshnessMs}).
   */
  get manifestsCurrent(): boolean {
    return this.#newestIssuedAtMs !== undefined && this.#now() - this.#newestIssuedAtMs <= this.#freshnessMs;
  }

  /**
   * The largest frame worth reading for chunk `seq`: the exact size a verified manifest vouches
   * for, else the gate's object limit. Lets a transport refuse a frame at its length prefix.
   */
  maxObjectBytesFor(seq: number): number {
    return this.#verifier.entry(seq)?.objectSize ?? this.#maxObjectBytes;
  }

  /** A snapshot of the counters. */
  get stats(): GateStats {
    return {
      manifests: { accepted: this.#manifestsAccepted, rejected: { ...this.#manifestsRejected } },
      objects: {
        accepted: this.#accepted,
        held: this.#held,
        rejected: { ...this.#rejected },
        blamed: this.#blamed,
        evicted: this.#pen.stats.evicted,
        discarded: this.#pen.stats.discarded + this.#discardedAcrossEpoch,
        pending: this.#pen.size,
      },
    };
  }

  /** Verifies one manifest; returns the verifier's answer and the held objects it decided. */
  ingestManifest(bytes: Uint8Array): GateManifestResult {
    const result = this.#verifier.ingest(bytes);
    if (!result.ok) {
      this.#manifestsRejected[result.reason] = (this.#manifestsRejected[result.reason] ?? 0) + 1;
      return { result, released: [] };
    }
    this.#manifestsAccepted++;
    const m = result.manifest;
    this.#newestIssuedAtMs = Math.max(this.#newestIssuedAtMs ?? m.issuedAtMs, m.issuedAtMs);
    const newest = m.entries[m.entries.length - 1]!.seq;
    if (result.epochChanged || this.#vouchedUpTo === undefined || newest > this.#vouchedUpTo) this.#vouchedUpTo = newest;
    const released: GateVerdict[] = [];
    const rejected: GateVerdict[] = [];
    // Objects held under the previous epoch that the new run refutes are most likely that run's
    // own objects: dropped without a verdict (never accepted, never held against the sender).
    const onReject = result.epochChanged
      ? () => void this.#discardedAcrossEpoch++
      : (r: { seq: number; reason: GateRejectReason; detail: string; peer?: string }) => void rejected.push(this.#reject(r.seq, r.reason, r.detail, r.peer));
    for (const v of this.#pen.takeVouched(this.#verifier, onReject)) {
      released.push(this.#accept(v.seq, v.epoch, v.entry, v.bytes, v.peer));
    }
    return { result, released: [...released, ...rejected] };
  }

  /**
   * Judges one object from `peer`: accept (vouched, and opened if the gate opens), hold (no
   * manifest vouches for its seq yet; it waits in the pen and comes back from a later
   * {@link ingestManifest}), or reject with a reason. Never throws for any bytes; throws
   * `invalid-argument` only for a seq that is not a safe non-negative integer or non-bytes.
   */
  offerObject(seq: number, object: Uint8Array, peer?: string): GateVerdict {
    if (!isUint(seq, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", "seq must be a safe non-negative integer");
    if (!isBytes(object)) throw new ManifestError("invalid-argument", "object must be a Uint8Array");
    if (object.length > this.#maxObjectBytes) {
      return this.#reject(seq, "oversize", `object is ${object.length} bytes, limit ${this.#maxObjectBytes}`, peer);
    }
    const check = this.#verifier.checkObject(seq, object);
    if (check.status === "accept") return this.#accept(seq, check.epoch, check.entry, object, peer);
    if (check.status === "reject") return this.#reject(seq, check.reason, check.detail, peer);
    if (this.#vouchedUpTo !== undefined && seq > this.#vouchedUpTo + this.#maxAhead) {
      return this.#reject(seq, "unvouched-ahead", `seq ${seq} is more than ${this.#maxAhead} past the newest vouched seq ${this.#vouchedUpTo}`, peer);
    }
    if (this.#pen.add(seq, object, peer)) this.#held++;
    return peer === undefined ? { kind: "hold", seq } : { kind: "hold", seq, peer };
  }

  /**
   * Judges a frame a transport refused at its length prefix (announced `bytes`, unread) for chunk
   * `seq`: bigger than the vouched size but within the object limit is a `size-mismatch` found
   * before the bytes (blamed only against current manifests, like any mismatch); anything else is
   * `oversize` (blamed). Counted like any rejection. `bytes` undefined: the size is unknown.
   */
  refuseFrame(seq: number, bytes: number | undefined, peer?: string): GateVerdict {
    if (!isUint(seq, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", "seq must be a safe non-negative integer");
    const vouched = this.#verifier.entry(seq)?.objectSize;
    const said = bytes === undefined ? "a frame" : `a frame of ${bytes} bytes`;
    if (vouched !== undefined && bytes !== undefined && bytes > vouched && bytes <= this.#maxObjectBytes) {
      return this.#reject(seq, "size-mismatch", `${said} for seq ${seq}, vouched ${vouched} bytes (refused unread)`, peer);
    }
    return this.#reject(seq, "oversize", `${said} for seq ${seq} over its limit (refused unread)`, peer);
  }

  /**
   * Forgets the objects held from `peer`, undecided: call it when the peer is dropped, so its
   * leftovers neither take room in the pen nor count as verdicts after it is gone.
   */
  forgetPeer(peer: string): number {
    return this.#pen.dropFrom(peer);
  }

  /** Drops every held object (e.g. on shutdown). */
  clear(): void {
    this.#pen.clear();
  }

  #accept(seq: number, epoch: string, entry: ManifestEntry, object: Uint8Array, peer: string | undefined): GateVerdict {
    let plaintext: Uint8Array | undefined;
    if (this.#open) {
      try {
        plaintext = this.#open({ epoch, seq }, object);
      } catch (err) {
        const code = (err as { code?: unknown })?.code;
        return this.#reject(seq, "undecryptable", `seq ${seq}: vouched object does not open${typeof code === "string" ? ` (${code})` : ""}`, peer);
      }
    }
    this.#accepted++;
    const v: GateVerdict = { kind: "accept", seq, epoch, entry, object };
    if (plaintext !== undefined) v.plaintext = plaintext;
    if (peer !== undefined) v.peer = peer;
    return v;
  }

  #reject(seq: number, reason: GateRejectReason, detail: string, peer: string | undefined): GateVerdict {
    this.#rejected[reason] = (this.#rejected[reason] ?? 0) + 1;
    const refuted = reason === "hash-mismatch" || reason === "size-mismatch" || reason === "oversize";
    // Oversize needs no manifest to be evidence; a mismatch is evidence only against current manifests.
    const blame = reason === "oversize" || (refuted && this.manifestsCurrent);
    if (blame) this.#blamed++;
    const v: GateVerdict = { kind: "reject", seq, reason, detail, blame };
    if (peer !== undefined) v.peer = peer;
    return v;
  }
}
