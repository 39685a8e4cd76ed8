/**
 * Unit tests of the TS building blocks on hand-made bytes: CRC, PSI sections (including
 * malformed ones), PES timestamps, start-code keyframe detection, timestamp arithmetic.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32Mpeg2 } from "../src/ts/crc32-mpeg2.js";
import { parsePat, parsePmt } from "../src/ts/psi-tables.js";
import { ProgramTracker } from "../src/ts/program-tracker.js";
import { parsePesStart } from "../src/ts/pes.js";
import { KeyframeScanner } from "../src/ts/keyframe-scanner.js";
import { packetPcrBase } from "../src/ts/packet.js";
import { timestampAdd, timestampDelta } from "../src/ts/timestamps.js";
import { fixtureBytes } from "./helpers.js";

/** A PSI section with a correct CRC. */
function section(tableId: number, id: number, body: number[], opts: { version?: number; current?: boolean } = {}): Uint8Array {
  const length = 5 + body.length + 4;
  const s = [
    tableId,
    0xb0 | ((length >> 8) & 0x0f),
    length & 0xff,
    id >> 8,
    id & 0xff,
    0xc0 | ((opts.version ?? 0) << 1) | (opts.current === false ? 0 : 1),
    0,
    0,
    ...body,
  ];
  const bytes = new Uint8Array([...s, 0, 0, 0, 0]);
  const crc = crc32Mpeg2(bytes, 0, bytes.length - 4);
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc);
  return bytes;
}

const pat = (pmtPid: number, program = 1) => section(0x00, 1, [0, 0, 0xe0, 0x10, program >> 8, program & 0xff, 0xe0 | (pmtPid >> 8), pmtPid & 0xff]);
const pmt = (streams: Array<[number, number]>, opts: { version?: number; program?: number } = {}) =>
  section(
    0x02,
    opts.program ?? 1,
    [0xe0 | (streams[0]?.[1] ?? 0x100) >> 8, (streams[0]?.[1] ?? 0x100) & 0xff, 0xf0, 0x00, ...streams.flatMap(([type, pid]) => [type, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, 0x00])],
    opts,
  );

/** One TS packet carrying a whole section (pointer_field 0). */
function psiPacket(pid: number, sec: Uint8Array, cc = 0): Uint8Array {
  const p = new Uint8Array(188).fill(0xff);
  p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10 | cc, 0x00], 0);
  p.set(sec.subarray(0, 183), 5);
  return p;
}

describe("CRC-32/MPEG-2", () => {
  it("matches the standard check value and zeroes over a real PAT section", () => {
    expect(crc32Mpeg2(new TextEncoder().encode("123456789"))).toBe(0x0376e6e7);
    const ts = fixtureBytes("h264-aac-1s-gop.ts");
    const patPkt = ts.subarray(188, 376); // ffmpeg: SDT, PAT, PMT
    const len = 3 + (((patPkt[6]! & 0x0f) << 8) | patPkt[7]!);
    expect(crc32Mpeg2(patPkt, 5, 5 + len)).toBe(0);
  });
});

describe("parsePat / parsePmt", () => {
  it("parse well-formed sections", () => {
    expect(parsePat(pat(0x1000, 7))).toEqual([{ programNumber: 7, pmtPid: 0x1000 }]);
    const p = parsePmt(pmt([[0x02, 0x100], [0x81, 0x101]]));
    expect(p?.streams.map((s) => [s.pid, s.codec, s.kind])).toEqual([
      [0x100, "mpeg2-video", "video"],
      [0x101, "ac3", "audio"],
    ]);
  });

  it("reject a bad CRC, the wrong table_id, a 'next' version, and short sections", () => {
    const bad = pat(0x1000);
    bad[9]! ^= 1;
    expect(parsePat(bad)).toBeNull();
    expect(parsePat(pmt([[0x1b, 0x100]]))).toBeNull(); // table 0x02 is not a PAT
    expect(parsePmt(pat(0x1000))).toBeNull();
    expect(parsePat(section(0x00, 1, [0, 1, 0xe0, 0x20], { current: false }))).toBeNull();
    expect(parsePat(pat(0x1000).subarray(0, 8))).toBeNull();
    expect(parsePat(section(0x00, 1, [0, 1, 0xe0]))).toBeNull(); // not a whole number of entries
  });

  it("reject PMT loops that run past the section", () => {
    // ES_info_length claims 200 bytes that are not there.
    const s = section(0x02, 1, [0xe1, 0x00, 0xf0, 0x00, 0x1b, 0xe1, 0x00, 0xf0, 200]);
    expect(parsePmt(s)).toBeNull();
    const s2 = section(0x02, 1, [0xe1, 0x00, 0xff, 0xff]); // program_info_length too long
    expect(parsePmt(s2)).toBeNull();
  });

  it("recognise DVB AC-3 by descriptor", () => {
    const s = section(0x02, 1, [0xe1, 0x00, 0xf0, 0x00, 0x06, 0xe1, 0x01, 0xf0, 0x02, 0x6a, 0x00]);
    expect(parsePmt(s)?.streams[0]).toMatchObject({ codec: "ac3", kind: "audio" });
  });

  it("never throw on random sections (fuzz)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (b) => {
        parsePat(b);
        parsePmt(b);
      }),
      { numRuns: 500, seed: 1 },
    );
  });
});

describe("ProgramTracker", () => {
  it("follows the first program, and a PMT version change that moves the video", () => {
    const t = new ProgramTracker();
    t.onPacket(psiPacket(0, pat(0x1000)), 0);
    expect(t.anchorPid).toBe(-1);
    t.onPacket(psiPacket(0x1000, pmt([[0x0f, 0x101], [0x1b, 0x100]])), 0);
    expect(t.anchorPid).toBe(0x100); // video preferred over the audio listed first
    expect(t.header.length).toBe(376);
    t.onPacket(psiPacket(0x1000, pmt([[0x24, 0x200]], { version: 1 }), 1), 0);
    expect(t.program?.anchor).toMatchObject({ pid: 0x200, codec: "hevc" });
  });

  it("falls back to audio for radio and counts damaged sections", () => {
    const t = new ProgramTracker();
    t.onPacket(psiPacket(0, pat(0x1000)), 0);
    t.onPacket(psiPacket(0x1000, pmt([[0x81, 0x101]])), 0);
    expect(t.program?.anchor).toMatchObject({ pid: 0x101, kind: "audio" });
    const damaged = psiPacket(0, pat(0x1100));
    damaged[12]! ^= 0xff;
    t.onPacket(damaged, 0);
    expect(t.psiErrors).toBe(1);
    expect(t.program?.pmtPid).toBe(0x1000); // the damaged PAT changed nothing
    const oversized = psiPacket(0, pat(0x1000));
    oversized[6] = 0xbf; // section_length 0xfff > 1021
    oversized[7] = 0xff;
    t.onPacket(oversized, 0);
    expect(t.psiErrors).toBe(2);
    const pointerOut = psiPacket(0, pat(0x1000));
    pointerOut[4] = 200; // pointer_field past the packet
    t.onPacket(pointerOut, 0);
    expect(t.psiErrors).toBe(3);
  });

  it("reassembles a section spread over two packets, and rejects a lost continuation", () => {
    const streams: Array<[number, number]> = Array.from({ length: 40 }, (_, i) => [0x0f, 0x101 + i]);
    streams.unshift([0x1b, 0x100]);
    const big = pmt(streams); // 5*41 + 21 bytes > one packet
    expect(big.length).toBeGreaterThan(183);
    const first = psiPacket(0x1000, big, 0);
    const second = new Uint8Array(188).fill(0xff);
    second.set([0x47, 0x10, 0x00, 0x11], 0);
    second.set(big.subarray(183), 4);
    const t = new ProgramTracker();
    t.onPacket(psiPacket(0, pat(0x1000)), 0);
    t.onPacket(first, 0);
    expect(t.program).toBeUndefined();
    t.onPacket(second, 0);
    expect(t.program?.streams.length).toBe(41);
    expect(t.header.length).toBe(3 * 188);

    const t2 = new ProgramTracker();
    t2.onPacket(psiPacket(0, pat(0x1000)), 0);
    t2.onPacket(first, 0);
    second[3] = 0x13; // continuity counter skips one: a packet was lost
    t2.onPacket(second, 0);
    expect(t2.program).toBeUndefined();
    expect(t2.psiErrors).toBe(1);
  });
});

describe("parsePesStart", () => {
  const pkt = (pesHeader: number[]) => {
    const p = new Uint8Array(188);
    p.set([0x47, 0x41, 0x00, 0x10], 0);
    p.set(pesHeader, 4);
    return p;
  };
  it("reads PTS and DTS", () => {
    // PTS = 0x1_2345_6789 (33 bits), DTS = 0x0_0000_0001
    const pts = 0x123456789;
    const enc = (prefix: number, v: number) => [
      prefix | ((Math.floor(v / 2 ** 30) & 7) << 1) | 1,
      (Math.floor(v / 2 ** 22) & 0xff),
      ((Math.floor(v / 2 ** 15) & 0x7f) << 1) | 1,
      (Math.floor(v / 2 ** 7) & 0xff),
      ((v & 0x7f) << 1) | 1,
    ];
    const p = pkt([0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10, ...enc(0x30, pts), ...enc(0x10, 1)]);
    expect(parsePesStart(p, 0, 4)).toEqual({ pts, dts: 1, esOffset: 4 + 19 });
  });
  it("returns null without a start code, without PTS, or when the header does not fit", () => {
    expect(parsePesStart(pkt([0, 0, 2, 0xe0]), 0, 4)).toBeNull();
    expect(parsePesStart(pkt([0, 0, 1, 0xe0, 0, 0, 0x80, 0x00, 0]), 0, 4)).toBeNull();
    expect(parsePesStart(pkt([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1]), 0, 180)).toBeNull();
  });
});

describe("KeyframeScanner", () => {
  const decide = (codec: "h264" | "hevc" | "mpeg2-video", bytes: number[]) => new KeyframeScanner(codec).feed(new Uint8Array(bytes), 0, bytes.length);
  it("H.264: IDR after AUD/SPS/PPS/SEI is a keyframe; a non-IDR slice is not", () => {
    expect(decide("h264", [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x06, 5, 0, 0, 1, 0x65, 0x88])).toBe("keyframe");
    expect(decide("h264", [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a])).toBe("not-keyframe");
    expect(decide("h264", [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06])).toBe("undecided");
  });
  it("HEVC: IDR_W_RADL and CRA are keyframes; TRAIL_R is not", () => {
    expect(decide("hevc", [0, 0, 1, 0x46, 0x01, 0, 0, 1, 0x40, 1, 0, 0, 1, 0x26, 0x01])).toBe("keyframe"); // AUD, VPS, IDR_W_RADL (19)
    expect(decide("hevc", [0, 0, 1, 0x2a, 0x01])).toBe("keyframe"); // CRA (21)
    expect(decide("hevc", [0, 0, 1, 0x02, 0x01])).toBe("not-keyframe"); // TRAIL_R (1)
  });
  it("MPEG-2: sequence or GOP header first is a keyframe; a picture start first is not", () => {
    expect(decide("mpeg2-video", [0, 0, 1, 0xb3, 0x2d])).toBe("keyframe");
    expect(decide("mpeg2-video", [0, 0, 1, 0xb8, 0x00])).toBe("keyframe");
    expect(decide("mpeg2-video", [0, 0, 1, 0x00, 0x01, 0, 0, 1, 0xb3])).toBe("not-keyframe");
    expect(decide("mpeg2-video", [0, 0, 1, 0xb2, 0x41])).toBe("undecided");
  });
  it("gives the same verdict wherever the bytes are split (property)", () => {
    const streams: Array<["h264" | "hevc" | "mpeg2-video", number[]]> = [
      ["h264", [0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x06, 5, 4, 0, 0, 1, 0x65, 0x88]],
      ["h264", [0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x01, 0x9a]],
      ["hevc", [0, 0, 1, 0x46, 0x01, 0, 0, 0, 1, 0x26, 0x01]],
      ["mpeg2-video", [0, 0, 0, 0, 1, 0xb5, 0, 0, 1, 0xb3]],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...streams), fc.array(fc.nat(20), { maxLength: 6 }), ([codec, bytes], cuts) => {
        const whole = decide(codec, bytes);
        const s = new KeyframeScanner(codec);
        const buf = new Uint8Array(bytes);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let prev = 0;
        let v = "undecided";
        for (const p of [...points, bytes.length]) {
          if (v === "undecided") v = s.feed(buf, prev, p);
          prev = p;
        }
        expect(v).toBe(whole);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe("timestamps", () => {
  it("measure across the 33-bit wrap", () => {
    expect(timestampDelta(100, 2 ** 33 - 100)).toBe(200);
    expect(timestampDelta(2 ** 33 - 100, 100)).toBe(-200);
    expect(timestampAdd(2 ** 33 - 1, 2)).toBe(1);
  });
  it("reads the PCR of a real packet", () => {
    const ts = fixtureBytes("h264-aac-1s-gop.ts");
    // The first keyframe packet carries the first PCR (ffmpeg puts PCR on the video PID).
    expect(packetPcrBase(ts, 3 * 188)).toBeGreaterThan(0);
    expect(packetPcrBase(ts, 0)).toBe(-1);
  });
});
