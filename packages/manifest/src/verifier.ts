import { bytesToHex, copyBytes, equalBytes, isBytes, isUint } from "./bytes.js";
import { MAX_MANIFEST_BYTES } from "./constants.js";
import { MAX_OBJECT_BYTES } from "@ec/stream-rules";
import { checkMerkleRoot, checkSignature, parseManifest, toSignedManifest, type ParsedManifest } from "./decode.js";
import { sameEntry } from "./entry.js";
import { ManifestError, type ManifestErrorCode } from "./errors.js";
import { hashObject } from "./hash.js";
import { assertPublicKey } from "./keys.js";
import { encodeStreamId } from "./names.js";
import {
  MANIFEST_REJECT_REASONS,
  OBJECT_REJECT_REASONS,
  type ManifestRejectReason,
  type ObjectRejectReason,
} from "./reasons.js";
import type { ManifestEntry, SignedManifest } from "./types.js";

/** Default tolerance between the signer's clock and ours, applied to both validity bounds. */
export const DEFAULT_CLOCK_SKEW_MS = 5_000;

/** Default number of vouched entries a verifier remembers. */
export const DEFAULT_MAX_VOUCHED = 4096;

/** Default largest object {@link ManifestVerifier.checkObject} will hash. */
export const DEFAULT_MAX_OBJECT_BYTES = MAX_OBJECT_BYTES;

/** How many recent manifest hashes per epoch are kept to tell replays from forks. */
const RECENT_MANIFESTS = 64;

/** Options for {@link ManifestVerifier}. */
export interface ManifestVerifierOptions {
  /** The only stream id accepted. */
  streamId: string;
  /** Pinned signer public keys (32 bytes each). May be empty only with `trustOnFirstUse`. */
  trustedKeys: Uint8Array[];
  /**
   * With no `trustedKeys`: trust the signer of the first manifest that passes every other check,
   * report it once as `trustedOnFirstUse`, and pin it from then on. Ignored when keys are given.
   */
  trustOnFirstUse?: boolean;
  /** Clock in unix milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Vouched entries to remember before the oldest are forgotten. Default {@link DEFAULT_MAX_VOUCHED}. */
  maxVouched?: number;
  /** Clock skew tolerated on `issuedAtMs` and `expiresAtMs`. Default {@link DEFAULT_CLOCK_SKEW_MS}. */
  clockSkewMs?: number;
  /** Manifests longer than this are `oversize`. Default {@link MAX_MANIFEST_BYTES}. */
  maxManifestBytes?: number;
  /** Objects longer than this are rejected `oversize` unhashed. Default {@link DEFAULT_MAX_OBJECT_BYTES}. */
  maxObjectBytes?: number;
}

/** Outcome of {@link ManifestVerifier.ingest}. */
export type IngestResult =
  | {
      ok: true;
      /** The accepted manifest. */
      manifest: SignedManifest;
      /** Entries this manifest vouched for that were not vouched before, ascending seq. */
      newEntries: ManifestEntry[];
      /** True when this manifest started a new epoch; the old epoch's entries are forgotten. */
      epochChanged: boolean;
      /** Set once, on the manifest whose signer was trusted on first use. Say it loudly. */
      trustedOnFirstUse?: Uint8Array;
    }
  | { ok: false; reason: ManifestRejectReason; detail: string };

/** Outcome of {@link ManifestVerifier.checkObject}. */
export type ObjectCheck =
  | { status: "accept"; entry: ManifestEntry; epoch: string }
  | { status: "reject"; reason: ObjectRejectReason; detail: string }
  | { status: "unknown" };

/** Counters kept by a {@link ManifestVerifier}. */
export interface VerifierStats {
  /** Manifests accepted. */
  accepted: number;
  /** Manifests rejected, by reason. */
  rejected: Record<ManifestRejectReason, number>;
  /** Objects checked: accepted, and rejected by reason ("unknown" answers are not counted). */
  objects: { accepted: number; rejected: Record<ObjectRejectReason, number> };
}

function zeroCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function reasonFor(code: ManifestErrorCode): ManifestRejectReason {
  switch (code) {
    case "oversize":
      return "oversize";
    case "unsupported-version":
    case "unsupported-hash-alg":
      return "unsupported-version";
    case "bad-signature":
    case "merkle-mismatch":
      return "bad-signature";
    default:
      return "malformed";
  }
}

function copyEntry(e: ManifestEntry): ManifestEntry {
  return { ...e, objectHash: e.objectHash.slice() };
}

/**
 * The subscriber's trust core: pinned to signer keys and one stream, it ingests manifests in
 * whatever order the network delivers them, keeps the accepted chain, and answers whether an
 * object's exact bytes are vouched for. No I/O; one instance per stream. The rules, in the
 * order they are applied, are in docs/protocol/manifest.md ("Verification rules").
 */
export class ManifestVerifier {
  /** The stream this verifier accepts manifests for. */
  readonly streamId: string;
  readonly #trusted = new Map<string, Uint8Array>();
  readonly #tofu: boolean;
  readonly #now: () => number;
  readonly #skewMs: number;
  readonly #maxVouched: number;
  readonly #maxManifestBytes: number;
  readonly #maxObjectBytes: number;

  #epoch: string | undefined;
  #lastSeq: number | undefined;
  #lastHash: Uint8Array | undefined;
  #newestIssuedAtMs = -1;
  #signer: Uint8Array | undefined;
  /** Manifest seq -> manifest hash, current epoch, insertion (= seq) order. */
  readonly #recent = new Map<number, Uint8Array>();
  /** Chunk seq -> vouched entry, current epoch, insertion order. */
  readonly #vouched = new Map<number, ManifestEntry>();
  /** Seqs below this that are not in #vouched were forgotten: "stale", not "unknown". */
  #forgottenBelow = 0;
  #accepted = 0;
  readonly #rejected = zeroCounts(MANIFEST_REJECT_REASONS);
  #objectsAccepted = 0;
  readonly #objectsRejected = zeroCounts(OBJECT_REJECT_REASONS);

  /** Throws `invalid-argument` / `invalid-key` for unusable options (e.g. no keys and no TOFU). */
  constructor(opts: ManifestVerifierOptions) {
    if (typeof opts !== "object" || opts === null) throw new ManifestError("invalid-argument", "options must be an object");
    encodeStreamId(opts.streamId, "invalid-argument");
    this.streamId = opts.streamId;
    if (!Array.isArray(opts.trustedKeys)) throw new ManifestError("invalid-argument", "trustedKeys must be an array");
    for (const [i, k] of opts.trustedKeys.entries()) {
      assertPublicKey(k, `trustedKeys[${i}]`);
      this.#trusted.set(bytesToHex(k), copyBytes(k));
    }
    this.#tofu = opts.trustOnFirstUse === true && this.#trusted.size === 0;
    if (this.#trusted.size === 0 && !this.#tofu) {
      throw new ManifestError("invalid-argument", "trustedKeys is empty and trustOnFirstUse is off: nothing could be trusted");
    }
    this.#now = opts.now ?? Date.now;
    if (typeof this.#now !== "function") throw new ManifestError("invalid-argument", "now must be a function");
    this.#skewMs = opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    this.#maxVouched = opts.maxVouched ?? DEFAULT_MAX_VOUCHED;
    this.#maxManifestBytes = opts.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    this.#maxObjectBytes = opts.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES;
    const limits: Array<[string, number]> = [
      ["clockSkewMs", this.#skewMs],
      ["maxVouched", this.#maxVouched],
      ["maxManifestBytes", this.#maxManifestBytes],
      ["maxObjectBytes", this.#maxObjectBytes],
    ];
    for (const [name, v] of limits) {
      if (!isUint(v, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", `${name} must be a non-negative integer`);
    }
    if (this.#maxVouched < 1) throw new ManifestError("invalid-argument", "maxVouched must be at least 1");
  }

  /** Epoch of the last accepted manifest. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** Manifest seq of the last accepted manifest. */
  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }

  /** Signer of the last accepted manifest. */
  get signer(): Uint8Array | undefined {
    return this.#signer?.slice();
  }

  /** Keys currently trusted (the pinned ones, or the one trusted on first use). */
  get trustedKeys(): Uint8Array[] {
    return [...this.#trusted.values()].map((k) => k.slice());
  }

  /** A snapshot of the counters. */
  get stats(): VerifierStats {
    return {
      accepted: this.#accepted,
      rejected: { ...this.#rejected },
      objects: { accepted: this.#objectsAccepted, rejected: { ...this.#objectsRejected } },
    };
  }

  #reject(reason: ManifestRejectReason, detail: string): IngestResult {
    this.#rejected[reason]++;
    return { ok: false, reason, detail };
  }

  /**
   * Checks one manifest and, if it passes, makes it the head of the chain and remembers its
   * entries. Never throws for any input bytes: every refusal is a typed `reason`.
   */
  ingest(bytes: Uint8Array): IngestResult {
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes, this.#maxManifestBytes);
    } catch (err) {
      if (err instanceof ManifestError) return this.#reject(reasonFor(err.code), err.message);
      throw err;
    }
    const h = parsed.header;
    const signerHex = bytesToHex(h.signer);
    // Cheap refusals first, so junk from an unknown key never costs a signature check.
    const firstUse = this.#tofu && this.#trusted.size === 0;
    if (!firstUse && !this.#trusted.has(signerHex)) {
      return this.#reject("unknown-signer", `signer ${signerHex} is not a trusted key`);
    }
    if (h.streamId !== this.streamId) {
      return this.#reject("wrong-stream", `manifest is for stream "${h.streamId}", not "${this.streamId}"`);
    }
    try {
      checkSignature(h, parsed.bytes.subarray(0, parsed.headerLength), parsed.signature);
      checkMerkleRoot(parsed);
    } catch (err) {
      if (err instanceof ManifestError) return this.#reject(reasonFor(err.code), err.message);
      throw err;
    }
    const manifest = toSignedManifest(parsed);

    let epochChanged = false;
    if (this.#epoch !== undefined) {
      if (h.epoch !== this.#epoch) {
        if (h.issuedAtMs <= this.#newestIssuedAtMs) {
          return this.#reject(
            "stale-epoch",
            `epoch "${h.epoch}" issued at ${h.issuedAtMs}, not after the newest accepted manifest (${this.#newestIssuedAtMs})`,
          );
        }
        epochChanged = true;
      } else {
        const lastSeq = this.#lastSeq!;
        if (h.seq <= lastSeq) {
          const known = this.#recent.get(h.seq);
          if (known === undefined) return this.#reject("stale-seq", `seq ${h.seq} is not after the last accepted seq ${lastSeq}`);
          return equalBytes(known, manifest.hash)
            ? this.#reject("replay", `seq ${h.seq} was already accepted with these bytes`)
            : this.#reject("fork", `seq ${h.seq} was already accepted with different bytes`);
        }
        if (h.seq === lastSeq + 1 && !equalBytes(h.prevHash, this.#lastHash!)) {
          return this.#reject("broken-chain", `seq ${h.seq}: prevHash is not the hash of accepted seq ${lastSeq}`);
        }
        for (const e of parsed.entries) {
          const vouched = this.#vouched.get(e.seq);
          if (vouched !== undefined && !sameEntry(vouched, e)) {
            return this.#reject("fork", `seq ${h.seq}: entry for chunk ${e.seq} differs from the one already vouched`);
          }
        }
      }
    }

    const now = this.#now();
    if (now + this.#skewMs < h.issuedAtMs) {
      return this.#reject("not-yet-valid", `issued at ${h.issuedAtMs}, now is ${now} (skew allowance ${this.#skewMs} ms)`);
    }
    if (now >= h.expiresAtMs + this.#skewMs) {
      return this.#reject("expired", `expired at ${h.expiresAtMs}, now is ${now} (skew allowance ${this.#skewMs} ms)`);
    }

    return this.#accept(manifest, epochChanged, firstUse ? signerHex : undefined);
  }

  #accept(m: SignedManifest, epochChanged: boolean, tofuHex: string | undefined): IngestResult {
    if (epochChanged) {
      this.#vouched.clear();
      this.#recent.clear();
      this.#forgottenBelow = 0;
    }
    this.#epoch = m.epoch;
    this.#lastSeq = m.seq;
    this.#lastHash = m.hash;
    this.#newestIssuedAtMs = Math.max(this.#newestIssuedAtMs, m.issuedAtMs);
    this.#signer = m.signer;
    this.#recent.set(m.seq, m.hash);
    if (this.#recent.size > RECENT_MANIFESTS) this.#recent.delete(this.#recent.keys().next().value!);

    const newEntries: ManifestEntry[] = [];
    for (const e of m.entries) {
      if (e.seq < this.#forgottenBelow || this.#vouched.has(e.seq)) continue;
      // Our own copy: the caller holds m.entries and may change it.
      this.#vouched.set(e.seq, copyEntry(e));
      newEntries.push(copyEntry(e));
    }
    while (this.#vouched.size > this.#maxVouched) {
      const oldest = this.#vouched.keys().next().value!;
      this.#vouched.delete(oldest);
      this.#forgottenBelow = Math.max(this.#forgottenBelow, oldest + 1);
    }
    this.#accepted++;
    if (tofuHex !== undefined) {
      this.#trusted.set(tofuHex, m.signer.slice());
      return { ok: true, manifest: m, newEntries, epochChanged, trustedOnFirstUse: m.signer.slice() };
    }
    return { ok: true, manifest: m, newEntries, epochChanged };
  }

  /** The entry a verified manifest of the current epoch vouches for at chunk `seq`, if remembered. */
  entry(seq: number): ManifestEntry | undefined {
    const e = this.#vouched.get(seq);
    return e === undefined ? undefined : copyEntry(e);
  }

  /**
   * Whether `objectBytes` is exactly the object an accepted manifest of the current epoch vouches
   * for at chunk `seq`. "unknown" means no manifest has vouched for that seq yet (hold the object,
   * see {@link PendingObjects}). Throws `invalid-argument` only for a non-integer seq or non-bytes.
   */
  checkObject(seq: number, objectBytes: Uint8Array): ObjectCheck {
    if (!isUint(seq, Number.MAX_SAFE_INTEGER)) throw new ManifestError("invalid-argument", "seq must be a safe non-negative integer");
    if (!isBytes(objectBytes)) throw new ManifestError("invalid-argument", "objectBytes must be a Uint8Array");
    if (objectBytes.length > this.#maxObjectBytes) {
      return this.#rejectObject("oversize", `object is ${objectBytes.length} bytes, limit ${this.#maxObjectBytes}`);
    }
    const entry = this.#vouched.get(seq);
    if (entry === undefined) {
      return seq < this.#forgottenBelow
        ? this.#rejectObject("stale", `seq ${seq} is older than the remembered window (from ${this.#forgottenBelow})`)
        : { status: "unknown" };
    }
    if (objectBytes.length !== entry.objectSize) {
      return this.#rejectObject("size-mismatch", `seq ${seq}: object is ${objectBytes.length} bytes, manifest says ${entry.objectSize}`);
    }
    if (!equalBytes(hashObject(objectBytes), entry.objectHash)) {
      return this.#rejectObject("hash-mismatch", `seq ${seq}: object hash differs from the manifest's`);
    }
    this.#objectsAccepted++;
    return { status: "accept", entry: copyEntry(entry), epoch: this.#epoch! };
  }

  #rejectObject(reason: ObjectRejectReason, detail: string): ObjectCheck {
    this.#objectsRejected[reason]++;
    return { status: "reject", reason, detail };
  }
}
