/**
 * The codec probe on synthesized PAT/PMT bytes (every stream type the page must speak about), on
 * real chunks of the fixtures, and on malformed input: typed errors, never a hang or a crash.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { programPsiPackets } from "@ec/hdhr-capture/psi";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import { probeCodecs, WebPeerError } from "../src/index.js";

function psi(streams: Array<{ streamType: number; pid: number; info?: number[] }>): Uint8Array {
  return programPsiPackets({
    transportStreamId: 1, version: 0, programNumber: 3, pmtPid: 0x1000, pcrPid: streams[0]?.pid ?? 0x100, programInfo: [],
    streams: streams.map((s) => ({ streamType: s.streamType, pid: s.pid, info: s.info ?? [] })),
  });
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(WebPeerError);
    return (err as WebPeerError).code;
  }
  return undefined;
}

describe("probeCodecs", () => {
  it("H.264 (0x1b) + AAC ADTS (0x0f): playable", () => {
    const p = probeCodecs(psi([{ streamType: 0x1b, pid: 0x100 }, { streamType: 0x0f, pid: 0x101 }]));
    expect(p.kind).toBe("playable");
    if (p.kind !== "playable") return;
    expect(p.video && p.audio).toBe(true);
    expect(p.streams.map((s) => s.codec)).toEqual(["h264", "aac"]);
  });

  it("AAC LATM (0x11) alone: playable, audio only", () => {
    const p = probeCodecs(psi([{ streamType: 0x11, pid: 0x101 }]));
    expect(p).toMatchObject({ kind: "playable", video: false, audio: true });
  });

  it("MPEG-2 video (0x02) + AC-3 (0x81): unsupported, both named with their stream types", () => {
    const p = probeCodecs(psi([{ streamType: 0x02, pid: 0x31 }, { streamType: 0x81, pid: 0x34 }]));
    expect(p.kind).toBe("unsupported");
    if (p.kind !== "unsupported") return;
    expect(p.unsupported.map((s) => s.codec)).toEqual(["mpeg2-video", "ac3"]);
    expect(p.message).toContain("MPEG-2 video (stream type 0x02) and AC-3 (Dolby Digital) (stream type 0x81)");
    expect(p.message).toMatch(/browsers cannot decode/);
  });

  it("H.264 with AC-3 audio: unsupported (it would play without sound)", () => {
    const p = probeCodecs(psi([{ streamType: 0x1b, pid: 0x100 }, { streamType: 0x81, pid: 0x101 }]));
    expect(p.kind).toBe("unsupported");
    if (p.kind === "unsupported") expect(p.unsupported.map((s) => s.streamType)).toEqual([0x81]);
  });

  it("DVB AC-3 (private 0x06 + AC-3 descriptor) and HEVC: unsupported", () => {
    const dvb = probeCodecs(psi([{ streamType: 0x1b, pid: 0x100 }, { streamType: 0x06, pid: 0x101, info: [0x6a, 0x01, 0x00] }]));
    expect(dvb.kind === "unsupported" && dvb.unsupported[0]!.codec).toBe("ac3");
    const hevc = probeCodecs(psi([{ streamType: 0x24, pid: 0x100 }]));
    expect(hevc.kind === "unsupported" && hevc.message).toMatch(/HEVC/);
  });

  it("a program with no audio or video: unsupported, said so", () => {
    const p = probeCodecs(psi([{ streamType: 0x86, pid: 0x200 }]));
    expect(p.kind).toBe("unsupported");
    if (p.kind === "unsupported") expect(p.message).toMatch(/no audio or video/);
  });

  it("real chunks: the H.264/AAC fixture plays, the MPEG-2/AC-3 one does not", () => {
    const first = (name: "h264-aac-1s-gop.ts" | "mpeg2-ac3.ts") => new TsChunker({ chunkMs: 1000 }).push(readFileSync(fixturePath(name)))[0]!.bytes;
    expect(probeCodecs(first("h264-aac-1s-gop.ts")).kind).toBe("playable");
    const m = probeCodecs(first("mpeg2-ac3.ts"));
    expect(m.kind === "unsupported" && m.unsupported.map((s) => s.streamType)).toEqual([0x02, 0x81]);
  });

  describe("malformed input: typed errors", () => {
    const good = psi([{ streamType: 0x1b, pid: 0x100 }]);
    it("empty, not whole packets, no sync byte: not-ts", () => {
      expect(codeOf(() => probeCodecs(new Uint8Array(0)))).toBe("not-ts");
      expect(codeOf(() => probeCodecs(good.subarray(0, 200)))).toBe("not-ts");
      const bad = good.slice();
      bad[188] = 0x00;
      expect(codeOf(() => probeCodecs(bad))).toBe("not-ts");
    });
    it("no PAT: no-pat; PAT with a bad CRC: no-pat", () => {
      expect(codeOf(() => probeCodecs(good.slice(188)))).toBe("no-pat");
      const bad = good.slice();
      bad[5 + 9]! ^= 0xff; // inside the PAT's program entry: CRC fails
      expect(codeOf(() => probeCodecs(bad))).toBe("no-pat");
    });
    it("PAT but no PMT, or a PMT with a bad CRC: no-pmt", () => {
      expect(codeOf(() => probeCodecs(good.slice(0, 188)))).toBe("no-pmt");
      const bad = good.slice();
      bad[188 + 5 + 14]! ^= 0xff;
      expect(codeOf(() => probeCodecs(bad))).toBe("no-pmt");
    });
    it("fuzz: random packets never crash or hang; the answer is a probe or a WebPeerError", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), fc.uint8Array({ minLength: 188 * 8, maxLength: 188 * 8 }), fc.boolean(), (n, junk, keepPsi) => {
          const bytes = junk.subarray(0, 188 * n);
          for (let i = 0; i < bytes.length; i += 188) bytes[i] = 0x47;
          if (keepPsi) bytes.set(good.subarray(0, Math.min(good.length, bytes.length)));
          try {
            const p = probeCodecs(bytes);
            expect(["playable", "unsupported"]).toContain(p.kind);
          } catch (err) {
            expect(err).toBeInstanceOf(WebPeerError);
          }
        }),
        { numRuns: Number(process.env.EC_FUZZ_RUNS ?? 500) },
      );
    });
  });
});
