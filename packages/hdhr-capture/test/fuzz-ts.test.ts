/**
 * fuzz: the MPEG-TS reader/chunker and the discovery packet decoder, the two parsers fed by a
 * device on the network. Random, TS-shaped and damaged input: only the typed errors, never a crash
 * or a hang; every chunk that comes out is whole 188-byte packets. `pnpm fuzz` scales the cases
 * with EC_FUZZ_RUNS.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DiscoveryPacketError, TsChunker, TsError, decodeDiscoverReply, decodeDiscoveryPacket } from "../src/index.js";
import { fixturePath } from "@ec/fixtures";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));
const real = readFileSync(fixturePath("h264-aac-1s-gop.ts")).subarray(0, 188 * 2000);

/** Random packets that look like TS: sync byte, random header and payload. */
const tsLike = fc.array(fc.uint8Array({ minLength: 187, maxLength: 187 }), { maxLength: 60 }).map((ps) => {
  const out = new Uint8Array(ps.length * 188);
  ps.forEach((p, i) => {
    out[i * 188] = 0x47;
    out.set(p, i * 188 + 1);
  });
  return out;
});

function chunkAll(input: Uint8Array, pieces: number[]): void {
  const c = new TsChunker({ chunkMs: 500 });
  const out = [];
  try {
    let at = 0;
    for (const n of pieces) {
      out.push(...c.push(input.subarray(at, at + n)));
      at += n;
    }
    out.push(...c.push(input.subarray(at)));
    out.push(...c.flush());
  } catch (err) {
    expect(err).toBeInstanceOf(TsError);
    return;
  }
  for (const ch of out) {
    expect(ch.bytes.length % 188).toBe(0);
    expect(ch.durationTicks).toBeGreaterThanOrEqual(0);
  }
}

describe("fuzz: TS reader and chunker", () => {
  it("random bytes, in random pieces", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.array(fc.nat(3000), { maxLength: 8 }), (b, p) => chunkAll(b, p)), { numRuns: runs(200) });
  });

  it("TS-shaped garbage (sync bytes, random headers and payloads)", () => {
    fc.assert(fc.property(tsLike, fc.array(fc.nat(3000), { maxLength: 8 }), (b, p) => chunkAll(b, p)), { numRuns: runs(200) });
  });

  it("a real recording with bytes flipped, cut or spliced", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.nat(255)), { maxLength: 40 }), fc.nat(real.length), fc.nat(real.length), (flips, cutA, cutB) => {
        const b = new Uint8Array(real);
        for (const [at, v] of flips) b[at] = v;
        const spliced = new Uint8Array([...b.subarray(0, Math.min(cutA, cutB)), ...b.subarray(Math.max(cutA, cutB))]);
        chunkAll(spliced, [7, 1000, 188 * 3 + 5]);
      }),
      { numRuns: runs(25) },
    );
  });
});

describe("fuzz: discovery packets", () => {
  it("random datagrams: only DiscoveryPacketError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
        for (const decode of [decodeDiscoveryPacket, decodeDiscoverReply]) {
          try {
            decode(b);
          } catch (err) {
            expect(err).toBeInstanceOf(DiscoveryPacketError);
          }
        }
      }),
      { numRuns: runs(1000) },
    );
  });
});
