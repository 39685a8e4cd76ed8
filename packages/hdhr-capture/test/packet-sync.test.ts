/**
 * Resynchronisation: garbage, truncated packets, random bytes, and split invariance. The input is
 * the first part of a real fixture, so "the right packets" are known exactly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TsPacketSync } from "../src/ts/packet-sync.js";
import { concatBytes, fixtureBytes, garbageWithoutSync } from "./helpers.js";

const clean = fixtureBytes("h264-scenecut.ts").subarray(0, 188 * 400);
const packetsOf = (b: Uint8Array) => Array.from({ length: b.length / 188 }, (_, i) => b.subarray(i * 188, i * 188 + 188));

function runSync(pieces: Uint8Array[]): { out: Uint8Array; sync: TsPacketSync } {
  const sync = new TsPacketSync();
  const got: Uint8Array[] = [];
  const onPacket = (buf: Uint8Array, off: number) => got.push(buf.slice(off, off + 188));
  for (const p of pieces) sync.push(p, onPacket);
  sync.end(onPacket);
  return { out: concatBytes(got), sync };
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** `packets` in order, with each `[index, bytes]` of `damage` inserted after packet `index`. */
function withDamage(packets: Uint8Array[], damage: Array<[number, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  packets.forEach((p, i) => {
    parts.push(p);
    for (const [at, bytes] of damage) if (at === i) parts.push(bytes);
  });
  return concatBytes(parts);
}

/** The same packets and the same counters, however the input was split. */
function expectSameSync(split: { out: Uint8Array; sync: TsPacketSync }, whole: { out: Uint8Array; sync: TsPacketSync }): void {
  expect(same(split.out, whole.out)).toBe(true);
  expect([split.sync.packets, split.sync.skippedBytes, split.sync.resyncs]).toEqual([whole.sync.packets, whole.sync.skippedBytes, whole.sync.resyncs]);
}

describe("TsPacketSync", () => {
  it("passes clean input through unchanged", () => {
    const { out, sync } = runSync([clean]);
    expect(same(out, clean)).toBe(true);
    expect([sync.packets, sync.skippedBytes, sync.resyncs]).toEqual([400, 0, 0]);
  });

  it("skips leading garbage and a trailing partial packet", () => {
    const g = garbageWithoutSync(1000, 1);
    const { out, sync } = runSync([concatBytes([g, clean, clean.subarray(0, 100)])]);
    expect(same(out, clean)).toBe(true);
    expect(sync.skippedBytes).toBe(1100);
    expect(sync.resyncs).toBe(1);
  });

  it("recovers from garbage between packets, counting every byte", () => {
    const pk = packetsOf(clean);
    const parts: Uint8Array[] = [];
    let garbage = 0;
    pk.forEach((p, i) => {
      parts.push(p);
      if (i % 50 === 7) {
        const g = garbageWithoutSync(13 + i, i);
        garbage += g.length;
        parts.push(g);
      }
    });
    const { out, sync } = runSync([concatBytes(parts)]);
    expect(same(out, clean)).toBe(true);
    expect(sync.skippedBytes).toBe(garbage);
    expect(sync.resyncs).toBe(8);
  });

  it("drops a truncated packet but keeps the one after it", () => {
    const pk = packetsOf(clean);
    const cutAt = 123;
    const truncated = concatBytes([...pk.slice(0, cutAt), pk[cutAt]!.subarray(0, 100), ...pk.slice(cutAt + 1)]);
    const { out, sync } = runSync([truncated]);
    expect(same(out, concatBytes([...pk.slice(0, cutAt), ...pk.slice(cutAt + 1)]))).toBe(true);
    expect([sync.skippedBytes, sync.resyncs]).toEqual([100, 1]);
  });

  it("yields nothing from random bytes without sync, and never throws", () => {
    const g = garbageWithoutSync(50_000, 9);
    const { out, sync } = runSync([g]);
    expect(out.length).toBe(0);
    expect([sync.packets, sync.skippedBytes]).toEqual([0, 50_000]);
  });

  it("ignores a lone 0x47 in garbage that does not start three packets in a row", () => {
    const g = garbageWithoutSync(600, 3);
    g[10] = 0x47;
    g[198] = 0x47; // two in a row is not enough
    const { out, sync } = runSync([concatBytes([g, clean])]);
    expect(same(out, clean)).toBe(true);
    expect(sync.skippedBytes).toBe(600);
  });

  it("gives identical packets and counters for any split of damaged input (property)", () => {
    const pk = packetsOf(clean.subarray(0, 188 * 60));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 59 }), fc.uint8Array({ minLength: 1, maxLength: 400 })), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 12_000 }), { minLength: 1, maxLength: 30 }),
        (damage, cuts) => {
          const input = withDamage(pk, damage);
          const whole = runSync([input]);
          const positions = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
          const pieces: Uint8Array[] = [];
          let prev = 0;
          for (const p of positions) {
            pieces.push(input.subarray(prev, p));
            prev = p;
          }
          pieces.push(input.subarray(prev));
          expectSameSync(runSync(pieces), whole);
          // Every byte is either delivered in a packet or counted as skipped.
          expect(whole.out.length + whole.sync.skippedBytes).toBe(input.length);
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
  });

  it("gives identical packets and counters for pieces of a few packets or more, damage at the joins (property)", () => {
    // Pieces of at least four packets take the bridged path (only the join is copied); cutting
    // inside damage makes the carry hold undecided garbage or a truncated packet at each join.
    const pk = packetsOf(clean.subarray(0, 188 * 200));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 199 }), fc.uint8Array({ minLength: 1, maxLength: 600 })), { maxLength: 8 }),
        fc.array(fc.integer({ min: 700, max: 9000 }), { minLength: 1, maxLength: 40 }),
        (damage, sizes) => {
          const input = withDamage(pk, damage);
          const whole = runSync([input]);
          const pieces: Uint8Array[] = [];
          for (let at = 0, i = 0; at < input.length; i++) {
            const n = sizes[i % sizes.length]!;
            pieces.push(input.subarray(at, at + n));
            at += n;
          }
          expectSameSync(runSync(pieces), whole);
        },
      ),
      { numRuns: 150, seed: 1881 },
    );
  });

  it("keeps no reference to a pushed piece: the caller may overwrite it at once", () => {
    const input = concatBytes([garbageWithoutSync(77, 5), clean]);
    const expected = runSync([input]).out;
    const sync = new TsPacketSync();
    const got: Uint8Array[] = [];
    const onPacket = (buf: Uint8Array, off: number) => got.push(buf.slice(off, off + 188));
    const piece = new Uint8Array(1000); // one reused read buffer, as chunkFile reads
    for (let at = 0; at < input.length; at += piece.length) {
      const n = Math.min(piece.length, input.length - at);
      piece.set(input.subarray(at, at + n));
      sync.push(piece.subarray(0, n), onPacket);
      piece.fill(0x47); // the next read would overwrite it; a kept view would now see sync bytes
    }
    sync.end(onPacket);
    expect(same(concatBytes(got), expected)).toBe(true);
  });

  it("leaves every packet it handed out unchanged until push returns", () => {
    // A consumer may copy packets lazily (the chunker copies contiguous runs at the end of a push),
    // so bytes handed out from the carry must not be overwritten during the same push.
    const sync = new TsPacketSync();
    const input = concatBytes([clean.subarray(0, 100), clean, garbageWithoutSync(50, 2), clean]);
    const want = runSync([input]).out;
    const got: Uint8Array[] = [];
    for (let at = 0; at < input.length; ) {
      const n = 900 + (at % 1700);
      const views: Array<[Uint8Array, number]> = [];
      const seen: Uint8Array[] = [];
      sync.push(input.subarray(at, at + n), (buf, off) => {
        views.push([buf, off]);
        seen.push(buf.slice(off, off + 188));
      });
      views.forEach(([buf, off], i) => expect(same(buf.subarray(off, off + 188), seen[i]!)).toBe(true));
      got.push(...seen);
      at += n;
    }
    sync.end((buf, off) => got.push(buf.slice(off, off + 188)));
    expect(same(concatBytes(got), want)).toBe(true);
  });

  it("never throws on random bytes pushed in random pieces (fuzz)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), (pieces) => {
        const { out, sync } = runSync(pieces);
        const total = pieces.reduce((n, p) => n + p.length, 0);
        expect(out.length % 188).toBe(0);
        expect(out.length + sync.skippedBytes).toBe(total);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
