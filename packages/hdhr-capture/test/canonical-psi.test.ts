/**
 * The pieces of canonical content on hand-made bytes: the regenerated PAT/PMT (which descriptors
 * and streams survive, counters per bucket, malformed descriptor loops), the device PSI of the
 * live sim, timestamp rewriting, and the chunk boundary labels (resync after anchor damage,
 * size-limit).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalHeader, keepDescriptors, setHeaderCounters, KEPT_ES_DESCRIPTORS } from "../src/ts/canonical-psi.js";
import { buildSection } from "../src/ts/psi-build.js";
import { parsePat, parsePmt } from "../src/ts/psi-tables.js";
import type { Pmt } from "../src/ts/psi-tables.js";
import { crc32Mpeg2 } from "../src/ts/crc32-mpeg2.js";
import { findTimestampFields, readPesTimestampAt, shiftTimestamps } from "../src/ts/timestamp-fields.js";
import { packetPcrBase } from "../src/ts/packet.js";
import { deviceProfile, devicePsiPackets } from "../src/fake/device-profile.js";
import { TsChunker } from "../src/chunker/ts-chunker.js";
import { chunkAll, concatBytes, fixtureBytes, pidAt } from "./helpers.js";

function sectionAt(b: Uint8Array, off: number): Uint8Array {
  const start = off + 5 + b[off + 4]!;
  const len = 3 + (((b[start + 1]! & 0x0f) << 8) | b[start + 2]!);
  // A section may run into the next packets (184 payload bytes each).
  const payload: number[] = [];
  for (let p = off; payload.length < len + (start - off - 4); p += 188) payload.push(...b.subarray(p + 4, p + 188));
  return new Uint8Array(payload.slice(start - off - 4, start - off - 4 + len));
}

const pmtWith = (programInfo: number[], streams: Array<[number, number, number[]]>): Pmt => {
  const body = [0xe1, 0x00, 0xf0 | (programInfo.length >> 8), programInfo.length & 0xff, ...programInfo];
  for (const [type, pid, info] of streams) body.push(type, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, info.length, ...info);
  return parsePmt(buildSection(0x02, 7, 13, body))!;
};

describe("canonical PAT/PMT", () => {
  it("keep only codec/language descriptors, only video and audio streams, fixed ids and version", () => {
    const pmt = pmtWith(
      [0x05, 4, 0x47, 0x41, 0x39, 0x34, 0x87, 2, 1, 2, 0xfe, 1, 9], // registration GA94 (kept), content advisory, private
      [
        [0x02, 0x100, [0x52, 1, 3, 0x86, 2, 0, 0]], // MPEG-2 video: stream identifier and caption service dropped
        [0x81, 0x101, [0x0a, 4, 0x65, 0x6e, 0x67, 0, 0x81, 2, 1, 2]], // AC-3: language and AC-3 descriptor kept
        [0x86, 0x102, []], // SCTE-35: not video/audio, dropped
      ],
    );
    const h = canonicalHeader(0x30, pmt);
    expect(h.length).toBe(2 * 188);
    const pat = sectionAt(h, 0);
    expect(crc32Mpeg2(pat)).toBe(0);
    expect(parsePat(pat)).toEqual([{ programNumber: 7, pmtPid: 0x30 }]);
    expect((pat[3]! << 8) | pat[4]!).toBe(1); // transport_stream_id
    const p = parsePmt(sectionAt(h, 188))!;
    expect(p.version).toBe(0);
    expect(p.pcrPid).toBe(0x100);
    expect([...p.programInfo]).toEqual([0x05, 4, 0x47, 0x41, 0x39, 0x34]);
    expect(p.streams.map((s) => s.pid)).toEqual([0x100, 0x101]);
    expect([...p.esInfo[0]!]).toEqual([]);
    expect([...p.esInfo[1]!]).toEqual([0x0a, 4, 0x65, 0x6e, 0x67, 0, 0x81, 2, 1, 2]);
    expect(pidAt(h, 0)).toBe(0);
    expect(pidAt(h, 188)).toBe(0x30);
    expect([h[1]! & 0xc0, h[3], h[189]! & 0xc0, h[191]]).toEqual([0x40, 0x10, 0x40, 0x10]);
  });

  it("numbers counters from the grid bucket, PMT packets in sequence", () => {
    const big = pmtWith([], Array.from({ length: 40 }, (_, i) => [0x0f, 0x101 + i, [0x0a, 4, 0x65, 0x6e, 0x67, 0]] as [number, number, number[]]));
    const h = canonicalHeader(0x1000, big);
    expect(h.length).toBe(188 * 4); // PAT + 3 PMT packets
    expect(parsePmt(sectionAt(h, 188))!.streams.length).toBe(40);
    const c = setHeaderCounters(h, 21);
    expect([0, 1, 2, 3].map((k) => c[k * 188 + 3]! & 0x0f)).toEqual([21 % 16, (21 * 3) % 16, (21 * 3 + 1) % 16, (21 * 3 + 2) % 16]);
    expect(h[3]).toBe(0x10); // the template is untouched
  });

  it("stop at a descriptor that runs past its loop, and never throw (fuzz)", () => {
    expect(keepDescriptors(new Uint8Array([0x0a, 2, 1, 2, 0x05, 9, 1]), KEPT_ES_DESCRIPTORS)).toEqual([0x0a, 2, 1, 2]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (loop) => {
        const kept = keepDescriptors(loop, KEPT_ES_DESCRIPTORS);
        expect(kept.length).toBeLessThanOrEqual(loop.length);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it("a device PMT with its own version and descriptors gives the same canonical header", () => {
    const file = fixtureBytes("mpeg2-ac3.ts");
    const pmt = parsePmt(sectionAt(file, 2 * 188))!;
    const dev = devicePsiPackets(deviceProfile(2), 0x1000, pmt);
    const devPmt = parsePmt(sectionAt(dev, 188))!;
    expect(devPmt.version).toBe(2);
    expect(devPmt.programInfo.length).toBeGreaterThan(pmt.programInfo.length);
    expect(Buffer.from(canonicalHeader(0x1000, devPmt)).equals(Buffer.from(canonicalHeader(0x1000, pmt)))).toBe(true);
  });
});

describe("timestamp rewriting", () => {
  it("shifts PCR, PTS and DTS modulo 2^33 and nothing else", () => {
    const ts = fixtureBytes("h264-aac-1s-gop.ts");
    let checked = 0;
    for (let off = 0; off + 188 <= 188 * 400; off += 188) {
      const f = findTimestampFields(ts, off);
      if (f.pcr < 0 && f.pts < 0) continue;
      const p = ts.slice(off, off + 188);
      const by = 2 ** 33 - 1000;
      shiftTimestamps(p, 0, f, by);
      if (f.pcr >= 0) expect(packetPcrBase(p, 0)).toBe((packetPcrBase(ts, off) + by) % 2 ** 33);
      if (f.pts >= 0) expect(readPesTimestampAt(p, 0, f.pts)).toBe((readPesTimestampAt(ts, off, f.pts) + by) % 2 ** 33);
      if (f.dts >= 0) expect(readPesTimestampAt(p, 0, f.dts)).toBe((readPesTimestampAt(ts, off, f.dts) + by) % 2 ** 33);
      shiftTimestamps(p, 0, f, -by);
      expect(Buffer.from(p).equals(Buffer.from(ts.subarray(off, off + 188)))).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe("chunk boundaries", () => {
  const input = fixtureBytes("h264-aac-1s-gop.ts");
  const packets = Array.from({ length: input.length / 188 }, (_, i) => input.subarray(i * 188, i * 188 + 188));
  const ref = chunkAll(input, { chunkMs: 1000 }).chunks;

  it("a lost packet on the anchor PID marks the next cut resync; the cut itself does not move", () => {
    // Drop one video packet in the middle of the third chunk (not a keyframe's).
    const third = ref[2]!.firstPts;
    let seen = 0;
    let victim = -1;
    for (let i = 0; i < packets.length && victim < 0; i++) {
      if (pidAt(packets[i]!, 0) !== 0x100) continue;
      if ((packets[i]![1]! & 0x40) && (packets[i]![3]! & 0x20) && (packets[i]![5]! & 0x40)) seen++;
      if (seen === 3 && !(packets[i]![1]! & 0x40)) victim = i + 40;
    }
    const damaged = concatBytes(packets.filter((_, i) => i !== victim));
    const got = chunkAll(damaged, { chunkMs: 1000 }).chunks;
    expect(got.map((c) => c.firstPts)).toEqual(ref.map((c) => c.firstPts));
    expect(got[2]!.firstPts).toBe(third);
    expect(got.map((c) => c.boundary)).toEqual(ref.map((c, i) => (i === 3 ? "resync" : c.boundary)));
    // Only the chunk holding the loss differs.
    expect(got.map((c, i) => Buffer.from(c.bytes).equals(Buffer.from(ref[i]!.bytes)))).toEqual(ref.map((_, i) => i !== 2));
  });

  it("a packet flagged with transport_error_indicator is left out and counted", () => {
    const copy = packets.map((p) => p.slice());
    const audio = copy.findIndex((p, i) => i > 2000 && pidAt(p, 0) === 0x101);
    copy[audio]![1]! |= 0x80;
    const c = new TsChunker({ chunkMs: 1000 });
    const got = [...c.push(concatBytes(copy)), ...c.flush()];
    expect(c.stats.errorPackets).toBe(1);
    const differs = got.map((x, i) => !Buffer.from(x.bytes).equals(Buffer.from(ref[i]!.bytes)));
    expect(differs.filter(Boolean)).toHaveLength(1);
    expect(got.reduce((n, x) => n + x.bytes.length, 0)).toBe(ref.reduce((n, x) => n + x.bytes.length, 0) - 188);
  });

  it("labels cuts at maxChunkBytes size-limit", () => {
    const { chunks, stats } = chunkAll(input, { chunkMs: 2000, maxChunkBytes: 64 * 1024 });
    expect(stats.forcedCuts).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.boundary === "size-limit")).toHaveLength(stats.forcedCuts);
    // Size-limit cuts leave the grid alone: the grid cuts are those without a size limit.
    const unlimited = chunkAll(input, { chunkMs: 2000 }).chunks;
    expect(chunks.filter((c) => c.boundary === "grid").map((c) => c.firstPts)).toEqual(unlimited.slice(1).map((c) => c.firstPts));
  });
});
