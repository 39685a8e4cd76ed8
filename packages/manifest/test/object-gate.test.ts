import { describe, expect, it } from "vitest";
import {
  generateSigningKey,
  hashObject,
  ManifestError,
  ManifestVerifier,
  ObjectGate,
  signManifest,
  type GateVerdict,
  type ObjectGateOptions,
} from "../src/index.js";

const T0 = 1_800_000_000_000;

function object(seq: number, size = 300, salt = 0): Uint8Array {
  const o = new Uint8Array(size);
  for (let i = 0; i < size; i++) o[i] = (seq * 13 + i + salt) & 255;
  return o;
}

/** A leader: signs manifests over `object(seq)` for the given chunk seqs, chained, at the clock's time. */
function leader(clock: { now: number }, epoch = "e", salt = 0, key = generateSigningKey()) {
  let seq = 0;
  let prev: Uint8Array = new Uint8Array(32);
  return {
    key,
    manifest(chunks: number[], issuedAtMs = clock.now) {
      const m = signManifest(
        {
          streamId: "s",
          epoch,
          seq: seq++,
          prevHash: prev,
          issuedAtMs,
          expiresAtMs: issuedAtMs + 120_000,
          entries: chunks.map((c) => ({ seq: c, objectHash: hashObject(object(c, 300, salt)), objectSize: 300, durationTicks: 180_000, firstPts: c * 180_000 })),
        },
        key,
      );
      prev = m.hash;
      return m.bytes;
    },
  };
}

function setup(extra: Partial<ObjectGateOptions> = {}) {
  const clock = { now: T0 };
  const lead = leader(clock);
  const verifier = new ManifestVerifier({ streamId: "s", trustedKeys: [lead.key.publicKey], now: () => clock.now });
  const gate = new ObjectGate({ verifier, now: () => clock.now, ...extra });
  return { clock, lead, gate };
}

const kinds = (vs: GateVerdict[]) => vs.map((v) => (v.kind === "reject" ? `${v.seq}:${v.reason}:${v.blame}` : `${v.seq}:${v.kind}`));

describe("ObjectGate", () => {
  it("accepts exactly the vouched bytes and rejects others with blame", () => {
    const { lead, gate } = setup();
    expect(gate.ingestManifest(lead.manifest([1, 2, 3])).result.ok).toBe(true);
    const ok = gate.offerObject(2, object(2), "relay-a");
    expect(ok).toMatchObject({ kind: "accept", seq: 2, epoch: "e", peer: "relay-a", entry: { seq: 2, objectSize: 300 } });
    expect(ok.kind === "accept" && "plaintext" in ok).toBe(false);
    const flipped = object(3);
    flipped[7]! ^= 1;
    expect(gate.offerObject(3, flipped, "evil")).toMatchObject({ kind: "reject", reason: "hash-mismatch", blame: true, peer: "evil" });
    expect(gate.offerObject(1, object(1, 299), "evil")).toMatchObject({ kind: "reject", reason: "size-mismatch", blame: true });
    expect(gate.stats.objects).toMatchObject({ accepted: 1, blamed: 2, rejected: { "hash-mismatch": 1, "size-mismatch": 1 } });
    expect(gate.stats.manifests.accepted).toBe(1);
  });

  it("holds objects that arrive before their manifest, then decides them when it comes", () => {
    const { lead, gate } = setup();
    expect(gate.offerObject(5, object(5), "a")).toEqual({ kind: "hold", seq: 5, peer: "a" });
    const junk = object(4);
    junk[0]! ^= 0xff;
    expect(gate.offerObject(4, junk, "b")).toMatchObject({ kind: "hold" });
    expect(gate.stats.objects).toMatchObject({ held: 2, pending: 2, accepted: 0 });
    const { result, released } = gate.ingestManifest(lead.manifest([3, 4, 5]));
    expect(result.ok).toBe(true);
    expect(kinds(released)).toEqual(["5:accept", "4:hash-mismatch:true"]);
    expect(released.find((v) => v.kind === "reject")?.peer).toBe("b");
    expect(gate.stats.objects.pending).toBe(0);
  });

  it("opens accepted objects with the hook, and an object that will not open is not the peer's fault", () => {
    const { lead, gate } = setup({
      open: ({ seq, epoch }, o) => {
        if (seq === 2) throw Object.assign(new Error("no"), { code: "auth-failed" });
        return new TextEncoder().encode(`${epoch}/${seq}/${o.length}`);
      },
    });
    gate.ingestManifest(lead.manifest([1, 2]));
    const v = gate.offerObject(1, object(1));
    expect(v.kind === "accept" && new TextDecoder().decode(v.plaintext)).toBe("e/1/300");
    const bad = gate.offerObject(2, object(2), "honest");
    expect(bad).toMatchObject({ kind: "reject", reason: "undecryptable", blame: false });
    expect(bad.kind === "reject" && bad.detail).toContain("auth-failed");
    expect(gate.stats.objects.accepted).toBe(1);
  });

  it("does not blame a peer for mismatches against manifests that may not be current (replayed old run)", () => {
    const clock = { now: T0 };
    const oldRun = leader(clock, "old", 1);
    const verifier = new ManifestVerifier({ streamId: "s", trustedKeys: [oldRun.key.publicKey], now: () => clock.now });
    const gate = new ObjectGate({ verifier, now: () => clock.now, blameFreshnessMs: 10_000 });
    // The previous run's manifest, issued 60 s ago and still unexpired, replayed by a manifest peer.
    expect(gate.ingestManifest(oldRun.manifest([10, 11], T0 - 60_000)).result.ok).toBe(true);
    expect(gate.manifestsCurrent).toBe(false);
    // The honest relay serves the current run: same seqs, other bytes.
    const v = gate.offerObject(10, object(10));
    expect(v).toMatchObject({ kind: "reject", reason: "hash-mismatch", blame: false });
    expect(gate.stats.objects.blamed).toBe(0);
    // Once a fresh manifest is the newest, the same mismatch is evidence.
    expect(gate.ingestManifest(oldRun.manifest([10, 11, 12], T0)).result.ok).toBe(true);
    expect(gate.manifestsCurrent).toBe(true);
    expect(gate.offerObject(11, object(11))).toMatchObject({ kind: "reject", blame: true });
  });

  it("a silent manifest source turns blame off as the newest manifest ages", () => {
    const { clock, lead, gate } = setup({ blameFreshnessMs: 5_000 });
    gate.ingestManifest(lead.manifest([1]));
    clock.now += 5_001;
    expect(gate.offerObject(1, object(1, 301))).toMatchObject({ kind: "reject", reason: "size-mismatch", blame: false });
  });

  it("refuses objects far ahead of what is vouched instead of holding them, without blame", () => {
    const { lead, gate } = setup({ maxAheadSeqs: 4 });
    gate.ingestManifest(lead.manifest([1, 2]));
    expect(gate.vouchedUpTo).toBe(2);
    expect(gate.offerObject(6, object(6))).toMatchObject({ kind: "hold" });
    expect(gate.offerObject(7, object(7))).toMatchObject({ kind: "reject", reason: "unvouched-ahead", blame: false });
  });

  it("stale objects are late, not junk", () => {
    const clock = { now: T0 };
    const lead = leader(clock);
    const verifier = new ManifestVerifier({ streamId: "s", trustedKeys: [lead.key.publicKey], now: () => clock.now, maxVouched: 2 });
    const gate = new ObjectGate({ verifier, now: () => clock.now });
    gate.ingestManifest(lead.manifest([1, 2, 3, 4]));
    expect(gate.offerObject(1, object(1))).toMatchObject({ kind: "reject", reason: "stale", blame: false });
  });

  it("refuses oversize objects unhashed and always blames them; says the vouched size for a seq", () => {
    const { lead, gate } = setup({ maxObjectBytes: 1000 });
    expect(gate.maxObjectBytesFor(1)).toBe(1000);
    gate.ingestManifest(lead.manifest([1]));
    expect(gate.maxObjectBytesFor(1)).toBe(300);
    expect(gate.maxObjectBytesFor(2)).toBe(1000);
    expect(gate.offerObject(9, new Uint8Array(1001), "x")).toMatchObject({ kind: "reject", reason: "oversize", blame: true });
  });

  it("judges frames refused at their length prefix: size-mismatch against a vouched size (blamed only while current), else oversize", () => {
    const { clock, lead, gate } = setup({ maxObjectBytes: 1000, blameFreshnessMs: 5_000 });
    gate.ingestManifest(lead.manifest([1]));
    expect(gate.refuseFrame(1, 301, "r")).toMatchObject({ kind: "reject", seq: 1, reason: "size-mismatch", blame: true, peer: "r" });
    expect(gate.refuseFrame(1, 1001, "r")).toMatchObject({ reason: "oversize", blame: true });
    expect(gate.refuseFrame(2, 500)).toMatchObject({ reason: "oversize", blame: true });
    expect(gate.refuseFrame(1, undefined)).toMatchObject({ reason: "oversize", blame: true });
    clock.now += 5_001;
    expect(gate.refuseFrame(1, 301)).toMatchObject({ reason: "size-mismatch", blame: false });
    expect(gate.stats.objects).toMatchObject({ blamed: 4, rejected: { "size-mismatch": 2, oversize: 3 } });
    expect(() => gate.refuseFrame(-1, 5)).toThrow(ManifestError);
  });

  it("counts rejected manifests by reason and releases nothing for them", () => {
    const { gate } = setup();
    const stranger = leader({ now: T0 });
    const r = gate.ingestManifest(stranger.manifest([1]));
    expect(r.result.ok).toBe(false);
    expect(r.released).toEqual([]);
    expect(gate.ingestManifest(new Uint8Array([1, 2, 3])).result.ok).toBe(false);
    expect(gate.stats.manifests.rejected).toEqual({ "unknown-signer": 1, malformed: 1 });
  });

  it("evicts from a full pen and counts it", () => {
    const { gate } = setup({ pending: { maxObjects: 2, maxBytes: 10_000 } });
    for (const s of [1, 2, 3]) gate.offerObject(s, object(s));
    expect(gate.stats.objects).toMatchObject({ held: 3, pending: 2, evicted: 1 });
  });

  it("follows an epoch change: the new run's objects are judged against the new run's entries", () => {
    const { clock, lead, gate } = setup();
    gate.ingestManifest(lead.manifest([1, 2]));
    clock.now += 1000;
    const restarted = leader(clock, "e2", 7, lead.key);
    const { result } = gate.ingestManifest(restarted.manifest([1, 2, 3]));
    expect(result.ok && result.epochChanged).toBe(true);
    expect(gate.epoch).toBe("e2");
    expect(gate.offerObject(1, object(1))).toMatchObject({ kind: "reject", reason: "hash-mismatch" });
    expect(gate.offerObject(1, object(1, 300, 7))).toMatchObject({ kind: "accept", epoch: "e2" });
  });

  it("an object held before an epoch change that the new run refutes is discarded, not judged (it is most likely the old run's)", () => {
    const { clock, lead, gate } = setup();
    gate.ingestManifest(lead.manifest([1]));
    // Seq 2 of the old run arrives before any manifest vouches for it (then its leader dies): held.
    expect(gate.offerObject(2, object(2), "relay-a")).toMatchObject({ kind: "hold" });
    // Seq 3 of the new run arrives early too: held, and accepted once the new run vouches for it.
    expect(gate.offerObject(3, object(3, 300, 7), "relay-b")).toMatchObject({ kind: "hold" });
    clock.now += 1000;
    const restarted = leader(clock, "e2", 7, lead.key);
    const { result, released } = gate.ingestManifest(restarted.manifest([1, 2, 3]));
    expect(result.ok && result.epochChanged).toBe(true);
    expect(kinds(released)).toEqual(["3:accept"]);
    expect(gate.stats.objects).toMatchObject({ blamed: 0, rejected: {}, discarded: 1, pending: 0 });
    // Offered after the change, the same bytes are judged: the new run's manifests are current.
    expect(gate.offerObject(2, object(2), "relay-a")).toMatchObject({ kind: "reject", reason: "hash-mismatch", blame: true });
  });

  it("forgets the held objects of a dropped peer, undecided", () => {
    const { lead, gate } = setup();
    const junk = object(5, 300, 9);
    gate.offerObject(5, junk, "evil");
    gate.offerObject(6, object(6), "honest");
    expect(gate.forgetPeer("evil")).toBe(1);
    const { released } = gate.ingestManifest(lead.manifest([5, 6]));
    expect(kinds(released)).toEqual(["6:accept"]);
    expect(gate.stats.objects).toMatchObject({ blamed: 0, pending: 0 });
  });

  it("rejects bad arguments with a typed error", () => {
    const { gate } = setup();
    expect(() => gate.offerObject(-1, object(1))).toThrow(ManifestError);
    expect(() => gate.offerObject(1, [1, 2] as unknown as Uint8Array)).toThrow(ManifestError);
    expect(() => new ObjectGate({} as ObjectGateOptions)).toThrow(ManifestError);
  });
});
