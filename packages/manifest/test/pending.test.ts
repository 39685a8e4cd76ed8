import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  generateSigningKey,
  hashObject,
  ManifestError,
  ManifestVerifier,
  PendingObjects,
  signManifest,
  type RejectedPendingObject,
} from "../src/index.js";

const T0 = 1_800_000_000_000;

function object(seq: number, size = 300): Uint8Array {
  const o = new Uint8Array(size);
  for (let i = 0; i < size; i++) o[i] = (seq * 13 + i) & 255;
  return o;
}

function setup() {
  const key = generateSigningKey();
  const v = new ManifestVerifier({ streamId: "s", trustedKeys: [key.publicKey], now: () => T0 });
  let seq = 0;
  let prev: Uint8Array = new Uint8Array(32);
  const publish = (chunks: number[]) => {
    const m = signManifest(
      {
        streamId: "s",
        epoch: "e",
        seq: seq++,
        prevHash: prev,
        issuedAtMs: T0,
        expiresAtMs: T0 + 60_000,
        entries: chunks.map((c) => ({ seq: c, objectHash: hashObject(object(c)), objectSize: 300, durationTicks: 1, firstPts: 0 })),
      },
      key,
    );
    prev = m.hash;
    const r = v.ingest(m.bytes);
    if (!r.ok) throw new Error(r.reason);
  };
  return { v, publish };
}

describe("PendingObjects", () => {
  it("holds objects until a manifest vouches for them, then releases them in seq order", () => {
    const { v, publish } = setup();
    const pen = new PendingObjects({ maxObjects: 10, maxBytes: 10_000 });
    expect(pen.add(3, object(3), "relay-1")).toBe(true);
    expect(pen.add(2, object(2))).toBe(true);
    expect(pen.add(9, object(9))).toBe(true);
    expect(pen.takeVouched(v)).toEqual([]);
    expect(pen.size).toBe(3);
    publish([2, 3, 4]);
    const out = pen.takeVouched(v);
    expect(out.map((o) => o.seq)).toEqual([2, 3]);
    expect(out[1]).toMatchObject({ seq: 3, epoch: "e", peer: "relay-1", entry: { seq: 3, objectSize: 300 } });
    expect(out[1]!.bytes).toEqual(object(3));
    expect("peer" in out[0]!).toBe(false);
    expect(pen.size).toBe(1); // seq 9 still waits
    expect(pen.bytes).toBe(300);
    expect(pen.stats).toMatchObject({ added: 3, released: 2, rejected: 0 });
  });

  it("never releases an object the verifier rejects, and reports why", () => {
    const { v, publish } = setup();
    const pen = new PendingObjects({ maxObjects: 10, maxBytes: 10_000 });
    const junk = object(5);
    junk[0]! ^= 1;
    pen.add(5, junk, "evil");
    pen.add(5, object(5), "good");
    pen.add(6, object(6, 299), "short");
    publish([5, 6]);
    const rejected: RejectedPendingObject[] = [];
    const out = pen.takeVouched(v, (r) => rejected.push(r));
    expect(out.map((o) => [o.seq, o.peer])).toEqual([[5, "good"]]);
    expect(rejected.map((r) => [r.seq, r.reason, r.peer])).toEqual([
      [5, "hash-mismatch", "evil"],
      [6, "size-mismatch", "short"],
    ]);
    expect(pen.size).toBe(0);
    expect(pen.bytes).toBe(0);
    expect(pen.stats.rejected).toBe(2);
  });

  it("drops byte-identical copies (on add, and among accepted copies of one seq)", () => {
    const { v, publish } = setup();
    const pen = new PendingObjects({ maxObjects: 10, maxBytes: 10_000 });
    expect(pen.add(1, object(1), "a")).toBe(true);
    expect(pen.add(1, object(1), "b")).toBe(false);
    expect(pen.stats.duplicates).toBe(1);
    publish([1]);
    expect(pen.takeVouched(v).map((o) => o.peer)).toEqual(["a"]);
  });

  it("is bounded by count and bytes, evicting the oldest; refuses single objects over maxBytes", () => {
    const pen = new PendingObjects({ maxObjects: 3, maxBytes: 1000 });
    for (let i = 0; i < 5; i++) pen.add(i, object(i));
    expect(pen.size).toBe(3);
    expect(pen.stats.evicted).toBe(2);
    pen.add(10, object(10, 500));
    expect(pen.bytes).toBeLessThanOrEqual(1000);
    expect(pen.size).toBe(2); // 300 + 500
    expect(pen.add(11, object(11, 1001))).toBe(false);
    expect(pen.stats.refused).toBe(1);
    pen.clear();
    expect([pen.size, pen.bytes]).toEqual([0, 0]);
  });

  it("invariant: within bounds at all times, and releases only exact vouched bytes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ seq: fc.integer({ min: 0, max: 12 }), corrupt: fc.boolean(), size: fc.integer({ min: 1, max: 400 }) }), {
          maxLength: 40,
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 }),
        (arrivals, vouched) => {
          const { v, publish } = setup();
          const pen = new PendingObjects({ maxObjects: 6, maxBytes: 1500 });
          for (const a of arrivals) {
            const bytes = a.corrupt ? object(a.seq, a.size) : object(a.seq);
            if (a.corrupt && bytes.length === 300) bytes[7]! ^= 0x10;
            pen.add(a.seq, bytes);
            if (pen.size > 6 || pen.bytes > 1500) return false;
          }
          publish(vouched.sort((x, y) => x - y));
          const out = pen.takeVouched(v);
          return out.every((o) => vouched.includes(o.seq) && Buffer.from(o.bytes).equals(Buffer.from(object(o.seq))));
        },
      ),
    );
  });

  it("refuses bad limits and arguments with invalid-argument", () => {
    expect(() => new PendingObjects({ maxObjects: 0, maxBytes: 1 })).toThrow(ManifestError);
    expect(() => new PendingObjects({ maxObjects: 1, maxBytes: 0.5 })).toThrow(ManifestError);
    const pen = new PendingObjects({ maxObjects: 1, maxBytes: 1 });
    expect(() => pen.add(-1, new Uint8Array(1))).toThrow(ManifestError);
    expect(() => pen.add(1, [1] as unknown as Uint8Array)).toThrow(ManifestError);
  });
});
