import { describe, expect, it } from "vitest";
import {
  DEFAULT_CLOCK_SKEW_MS,
  generateSigningKey,
  hashObject,
  MANIFEST_REJECT_REASONS,
  ManifestError,
  ManifestVerifier,
  OBJECT_REJECT_REASONS,
  signManifest,
  type IngestResult,
  type ManifestBody,
  type ManifestEntry,
  type SignedManifest,
  type SigningKey,
} from "../src/index.js";
import { rawManifest } from "../scripts/raw-manifest.js";
import { describeBothPaths } from "./helpers.js";

const T0 = 1_800_000_000_000;
const STREAM = "wcbd-hd";

function object(seq: number, size = 500): Uint8Array {
  const o = new Uint8Array(size);
  for (let i = 0; i < size; i++) o[i] = (seq * 31 + i * 7) & 255;
  return o;
}

function entryFor(seq: number, bytes = object(seq)): ManifestEntry {
  return { seq, objectHash: hashObject(bytes), objectSize: bytes.length, durationTicks: 180_000, firstPts: seq * 180_000 };
}

/** A leader that issues chained manifests, like the publisher does. */
class Leader {
  last: SignedManifest | undefined;
  seq = 0;
  constructor(
    readonly key: SigningKey,
    readonly epoch = "e1",
    public issuedAtMs = T0,
  ) {}
  next(chunkSeqs: number[], over: Partial<ManifestBody> = {}): SignedManifest {
    const m = signManifest(
      {
        streamId: STREAM,
        epoch: this.epoch,
        seq: this.seq,
        prevHash: this.last?.hash ?? new Uint8Array(32),
        issuedAtMs: this.issuedAtMs,
        expiresAtMs: this.issuedAtMs + 60_000,
        entries: chunkSeqs.map((s) => entryFor(s)),
        ...over,
      },
      this.key,
    );
    this.last = m;
    this.seq = m.seq + 1;
    this.issuedAtMs += 2000;
    return m;
  }
}

function setup(opts: { keys?: Uint8Array[]; tofu?: boolean; maxVouched?: number } = {}) {
  const key = generateSigningKey();
  const clock = { now: T0 };
  const v = new ManifestVerifier({
    streamId: STREAM,
    trustedKeys: opts.keys ?? [key.publicKey],
    trustOnFirstUse: opts.tofu,
    now: () => clock.now,
    maxVouched: opts.maxVouched,
  });
  return { key, clock, v, leader: new Leader(key) };
}

function reason(r: IngestResult): string {
  return r.ok ? "accept" : r.reason;
}

describeBothPaths("ManifestVerifier.ingest", () => {
  it("accepts a chain and reports new entries, advancing epoch/lastSeq/signer", () => {
    const { v, leader, key } = setup();
    expect(v.epoch).toBeUndefined();
    const r0 = v.ingest(leader.next([1, 2, 3]).bytes);
    expect(r0.ok && r0.newEntries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(r0.ok && r0.epochChanged).toBe(false);
    const r1 = v.ingest(leader.next([2, 3, 4, 5]).bytes);
    expect(r1.ok && r1.newEntries.map((e) => e.seq)).toEqual([4, 5]);
    expect(v.epoch).toBe("e1");
    expect(v.lastSeq).toBe(1);
    expect(v.signer).toEqual(key.publicKey);
    expect(v.stats.accepted).toBe(2);
  });

  it("malformed: junk, truncation, trailing bytes", () => {
    const { v, leader } = setup();
    const m = leader.next([1]);
    expect(reason(v.ingest(new Uint8Array(0)))).toBe("malformed");
    expect(reason(v.ingest(Uint8Array.of(1, 2, 3, 4, 5, 6)))).toBe("malformed");
    expect(reason(v.ingest(m.bytes.subarray(0, m.bytes.length - 3)))).toBe("malformed");
    expect(reason(v.ingest(Uint8Array.of(...m.bytes, 0)))).toBe("malformed");
    expect(reason(v.ingest("ECMF" as unknown as Uint8Array))).toBe("malformed");
    expect(v.stats.rejected.malformed).toBe(5);
  });

  it("oversize: above maxManifestBytes, before any parsing", () => {
    const key = generateSigningKey();
    const m = new Leader(key).next([1, 2, 3]);
    const v = new ManifestVerifier({ streamId: STREAM, trustedKeys: [key.publicKey], maxManifestBytes: m.bytes.length - 1, now: () => T0 });
    const r = v.ingest(m.bytes);
    expect(reason(r)).toBe("oversize");
  });

  it("unsupported-version: other version or hash algorithm", () => {
    const { v, leader } = setup();
    const b = leader.next([1]).bytes.slice();
    b[4] = 2;
    expect(reason(v.ingest(b))).toBe("unsupported-version");
    b[4] = 1;
    b[5] = 9;
    expect(reason(v.ingest(b))).toBe("unsupported-version");
  });

  it("bad-signature: flipped signature, tampered header, tampered entries", () => {
    const { v, leader } = setup();
    const m = leader.next([1, 2]);
    const hdr = m.signedHeader.length - 64;
    for (const at of [hdr + 3, hdr - 100, m.bytes.length - 20]) {
      const b = m.bytes.slice();
      b[at]! ^= 1;
      expect(reason(v.ingest(b)), `byte ${at}`).toBe("bad-signature");
    }
    expect(v.epoch).toBeUndefined();
  });

  it("unknown-signer: a valid manifest by a key that is not pinned", () => {
    const { v } = setup();
    const stranger = new Leader(generateSigningKey());
    const r = v.ingest(stranger.next([1]).bytes);
    expect(reason(r)).toBe("unknown-signer");
    expect(!r.ok && r.detail).toContain("not a trusted key");
  });

  it("unknown-signer is decided before the signature is checked (junk from strangers is cheap)", () => {
    const { v } = setup();
    const stranger = generateSigningKey();
    const forged = rawManifest(
      {
        streamId: new TextEncoder().encode(STREAM),
        epoch: new TextEncoder().encode("e1"),
        seq: 0n,
        prevHash: new Uint8Array(32),
        issuedAtMs: BigInt(T0),
        expiresAtMs: BigInt(T0 + 1000),
        signer: stranger.publicKey,
      },
      [{ seq: 1n, objectHash: new Uint8Array(32), objectSize: 1, durationTicks: 1, firstPts: 0n }],
      generateSigningKey().secretKey, // signature by yet another key: invalid
    );
    expect(reason(v.ingest(forged))).toBe("unknown-signer");
  });

  it("wrong-stream", () => {
    const { v, leader } = setup();
    expect(reason(v.ingest(leader.next([1], { streamId: "other" }).bytes))).toBe("wrong-stream");
  });

  it("expired and not-yet-valid, with the clock skew allowance on both bounds", () => {
    const { v, leader, clock } = setup();
    const m = leader.next([1]); // valid [T0, T0 + 60 s)
    clock.now = T0 + 60_000 + DEFAULT_CLOCK_SKEW_MS;
    expect(reason(v.ingest(m.bytes))).toBe("expired");
    clock.now = T0 - DEFAULT_CLOCK_SKEW_MS - 1;
    expect(reason(v.ingest(m.bytes))).toBe("not-yet-valid");
    clock.now = T0 - DEFAULT_CLOCK_SKEW_MS;
    expect(reason(v.ingest(m.bytes))).toBe("accept");
    const m2 = leader.next([2]); // valid [T0 + 2 s, T0 + 62 s)
    clock.now = T0 + 62_000 + DEFAULT_CLOCK_SKEW_MS - 1;
    expect(reason(v.ingest(m2.bytes))).toBe("accept");
  });

  it("replay: the same bytes again, including an older manifest", () => {
    const { v, leader } = setup();
    const m0 = leader.next([1]);
    const m1 = leader.next([2]);
    expect(reason(v.ingest(m0.bytes))).toBe("accept");
    expect(reason(v.ingest(m1.bytes))).toBe("accept");
    expect(reason(v.ingest(m1.bytes))).toBe("replay");
    expect(reason(v.ingest(m0.bytes))).toBe("replay");
    expect(v.lastSeq).toBe(1);
    expect(v.stats.rejected.replay).toBe(2);
  });

  it("stale-seq: a lower seq the verifier never saw", () => {
    const { v, leader } = setup();
    const m0 = leader.next([1]);
    const m1 = leader.next([2]);
    expect(reason(v.ingest(m1.bytes))).toBe("accept");
    expect(reason(v.ingest(m0.bytes))).toBe("stale-seq");
  });

  it("fork: other bytes for an accepted seq, current or recent", () => {
    const { v, key } = setup();
    const a = new Leader(key);
    const m0 = a.next([1]);
    const m1 = a.next([2]);
    expect(reason(v.ingest(m0.bytes))).toBe("accept");
    expect(reason(v.ingest(m1.bytes))).toBe("accept");
    const fork1 = signManifest({ ...m1, entries: [entryFor(2), entryFor(3)] }, key);
    expect(reason(v.ingest(fork1.bytes))).toBe("fork");
    const fork0 = signManifest({ ...m0, issuedAtMs: m0.issuedAtMs + 1 }, key);
    expect(reason(v.ingest(fork0.bytes))).toBe("fork");
  });

  it("fork: a later manifest that vouches for a different object at an already vouched seq", () => {
    const { v, leader } = setup();
    expect(reason(v.ingest(leader.next([1, 2]).bytes))).toBe("accept");
    const conflicting = leader.next([1], { entries: [entryFor(2, object(99)), entryFor(3)] });
    const r = v.ingest(conflicting.bytes);
    expect(reason(r)).toBe("fork");
    expect(!r.ok && r.detail).toContain("chunk 2");
    // The vouched object is still the original one.
    expect(v.checkObject(2, object(2)).status).toBe("accept");
  });

  it("broken-chain: seq = last + 1 with a prevHash that is not the last manifest's hash", () => {
    const { v, leader } = setup();
    expect(reason(v.ingest(leader.next([1]).bytes))).toBe("accept");
    const r = v.ingest(leader.next([2], { prevHash: new Uint8Array(32).fill(1) }).bytes);
    expect(reason(r)).toBe("broken-chain");
    expect(v.lastSeq).toBe(0);
  });

  it("a gap (seq > last + 1) is accepted: the chain cannot be checked across missed manifests", () => {
    const { v, leader } = setup();
    expect(reason(v.ingest(leader.next([1]).bytes))).toBe("accept");
    leader.next([2]); // missed
    const r = v.ingest(leader.next([3], { prevHash: new Uint8Array(32).fill(7) }).bytes);
    expect(reason(r)).toBe("accept");
    expect(v.lastSeq).toBe(2);
  });

  it("epoch change: accepted when issued later; old entries forgotten; old epoch cannot come back", () => {
    const { v, key, clock } = setup();
    const a = new Leader(key, "e1");
    const m0 = a.next([1, 2]);
    expect(reason(v.ingest(m0.bytes))).toBe("accept");
    expect(v.checkObject(1, object(1)).status).toBe("accept");
    const b = new Leader(key, "e2", T0 + 10_000);
    clock.now = T0 + 10_000;
    const r = v.ingest(b.next([1], { entries: [entryFor(1, object(77))] }).bytes);
    expect(r.ok && r.epochChanged).toBe(true);
    expect(v.epoch).toBe("e2");
    // Old epoch's object for seq 1 no longer matches what is vouched.
    expect(v.checkObject(1, object(1))).toMatchObject({ status: "reject", reason: "hash-mismatch" });
    expect(v.checkObject(2, object(2)).status).toBe("unknown");
    expect(v.checkObject(1, object(77))).toMatchObject({ status: "accept", epoch: "e2" });
    // A later manifest of the old epoch, issued before the switch: stale-epoch.
    expect(reason(v.ingest(a.next([3]).bytes))).toBe("stale-epoch");
    // A new epoch issued at the same instant as the newest accepted: stale-epoch too.
    const c = new Leader(key, "e3", T0 + 10_000);
    expect(reason(v.ingest(c.next([1]).bytes))).toBe("stale-epoch");
  });

  it("accepts any trusted key, e.g. across a key rotation", () => {
    const k1 = generateSigningKey();
    const k2 = generateSigningKey();
    const v = new ManifestVerifier({ streamId: STREAM, trustedKeys: [k1.publicKey, k2.publicKey], now: () => T0 });
    const l1 = new Leader(k1);
    expect(reason(v.ingest(l1.next([1]).bytes))).toBe("accept");
    const l2 = new Leader(k2);
    l2.seq = 1;
    l2.last = l1.last;
    expect(reason(v.ingest(l2.next([2]).bytes))).toBe("accept");
    expect(v.signer).toEqual(k2.publicKey);
  });

  it("trust on first use: trusts and reports the first signer once, then pins it", () => {
    const { v, leader, key } = setup({ keys: [], tofu: true });
    const stranger = new Leader(generateSigningKey());
    // A manifest that fails another check does not win trust.
    expect(reason(v.ingest(leader.next([1], { streamId: "other" }).bytes))).toBe("wrong-stream");
    expect(v.trustedKeys).toEqual([]);
    leader.seq = 0;
    leader.last = undefined;
    const r = v.ingest(leader.next([1]).bytes);
    expect(r.ok && r.trustedOnFirstUse).toEqual(key.publicKey);
    expect(v.trustedKeys).toEqual([key.publicKey]);
    const r2 = v.ingest(leader.next([2]).bytes);
    expect(r2.ok && "trustedOnFirstUse" in r2).toBe(false);
    expect(reason(v.ingest(stranger.next([3]).bytes))).toBe("unknown-signer");
  });

  it("counts every rejection by reason, and lists all reasons", () => {
    const { v, leader } = setup();
    v.ingest(new Uint8Array(3));
    v.ingest(leader.next([1], { streamId: "x" }).bytes);
    const s = v.stats;
    expect(Object.keys(s.rejected).sort()).toEqual([...MANIFEST_REJECT_REASONS].sort());
    expect(Object.keys(s.objects.rejected).sort()).toEqual([...OBJECT_REJECT_REASONS].sort());
    expect(s.rejected.malformed).toBe(1);
    expect(s.rejected["wrong-stream"]).toBe(1);
    expect(Object.values(s.rejected).reduce((a, b) => a + b)).toBe(2);
  });
});

describe("ManifestVerifier.checkObject", () => {
  it("accept, size-mismatch, hash-mismatch, unknown", () => {
    const { v, leader } = setup();
    v.ingest(leader.next([5, 6]).bytes);
    const ok = v.checkObject(5, object(5));
    expect(ok).toMatchObject({ status: "accept", epoch: "e1", entry: { seq: 5, objectSize: 500 } });
    const tampered = object(6);
    tampered[100]! ^= 1;
    expect(v.checkObject(6, tampered)).toMatchObject({ status: "reject", reason: "hash-mismatch" });
    expect(v.checkObject(6, object(6, 499))).toMatchObject({ status: "reject", reason: "size-mismatch" });
    expect(v.checkObject(5, object(6))).toMatchObject({ status: "reject", reason: "hash-mismatch" });
    expect(v.checkObject(7, object(7))).toEqual({ status: "unknown" });
    expect(v.checkObject(4, object(4))).toEqual({ status: "unknown" });
    const s = v.stats.objects;
    expect(s.accepted).toBe(1);
    expect(s.rejected["hash-mismatch"]).toBe(2);
    expect(s.rejected["size-mismatch"]).toBe(1);
  });

  it("unknown before any manifest", () => {
    const { v } = setup();
    expect(v.checkObject(0, object(0))).toEqual({ status: "unknown" });
  });

  it("oversize objects are refused without hashing", () => {
    const key = generateSigningKey();
    const v = new ManifestVerifier({ streamId: STREAM, trustedKeys: [key.publicKey], maxObjectBytes: 400, now: () => T0 });
    v.ingest(new Leader(key).next([1]).bytes);
    expect(v.checkObject(1, object(1))).toMatchObject({ status: "reject", reason: "oversize" });
  });

  it("stale: entries beyond maxVouched are forgotten, oldest first", () => {
    const { v, leader } = setup({ maxVouched: 4 });
    v.ingest(leader.next([1, 2, 3]).bytes);
    const r = v.ingest(leader.next([3, 4, 5, 6]).bytes);
    expect(r.ok && r.newEntries.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(v.checkObject(1, object(1))).toMatchObject({ status: "reject", reason: "stale" });
    expect(v.checkObject(2, object(2))).toMatchObject({ status: "reject", reason: "stale" });
    expect(v.checkObject(3, object(3)).status).toBe("accept");
    expect(v.checkObject(6, object(6)).status).toBe("accept");
    // A forgotten entry re-announced by a later window is not "new" again.
    const r2 = v.ingest(leader.next([2, 7]).bytes);
    expect(r2.ok && r2.newEntries.map((e) => e.seq)).toEqual([7]);
  });

  it("returns copies: callers cannot alter what is vouched", () => {
    const { v, leader } = setup();
    const r = v.ingest(leader.next([1]).bytes);
    if (!r.ok) throw new Error("not accepted");
    r.manifest.entries[0]!.objectHash.fill(0);
    r.newEntries[0]!.objectHash.fill(0);
    const c = v.checkObject(1, object(1));
    expect(c.status).toBe("accept");
    if (c.status === "accept") c.entry.objectHash.fill(0);
    expect(v.checkObject(1, object(1)).status).toBe("accept");
  });

  it("throws invalid-argument only for programming errors", () => {
    const { v } = setup();
    for (const seq of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => v.checkObject(seq, object(0))).toThrow(ManifestError);
    }
    expect(() => v.checkObject(0, "x" as unknown as Uint8Array)).toThrow(ManifestError);
  });
});

describe("ManifestVerifier options", () => {
  function codeOf(fn: () => unknown): string {
    try {
      fn();
      return "no error";
    } catch (err) {
      return err instanceof ManifestError ? err.code : "foreign error";
    }
  }
  const pk = generateSigningKey().publicKey;
  it("refuses configurations that could never trust anything, or are malformed", () => {
    expect(codeOf(() => new ManifestVerifier({ streamId: STREAM, trustedKeys: [] }))).toBe("invalid-argument");
    expect(codeOf(() => new ManifestVerifier({ streamId: STREAM, trustedKeys: [new Uint8Array(32)] }))).toBe("invalid-key");
    expect(codeOf(() => new ManifestVerifier({ streamId: "", trustedKeys: [pk] }))).toBe("invalid-argument");
    expect(codeOf(() => new ManifestVerifier({ streamId: STREAM, trustedKeys: [pk], maxVouched: 0 }))).toBe("invalid-argument");
    expect(codeOf(() => new ManifestVerifier({ streamId: STREAM, trustedKeys: [pk], clockSkewMs: -5 }))).toBe("invalid-argument");
    expect(codeOf(() => new ManifestVerifier(null as unknown as { streamId: string; trustedKeys: [] }))).toBe("invalid-argument");
  });
  it("pinned keys win over trustOnFirstUse", () => {
    const key = generateSigningKey();
    const v = new ManifestVerifier({ streamId: STREAM, trustedKeys: [pk], trustOnFirstUse: true, now: () => T0 });
    expect(reason(v.ingest(new Leader(key).next([1]).bytes))).toBe("unknown-signer");
  });
});
