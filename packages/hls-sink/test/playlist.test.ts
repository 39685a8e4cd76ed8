import fc from "fast-check";
import { Parser } from "m3u8-parser";
import { describe, expect, it } from "vitest";
import { HlsSinkError } from "../src/index.js";
import { renderPlaylist, type MediaPlaylist, type PlaylistEntry } from "../src/playlist.js";
import { MAX_PLAYLIST_BYTES, parsePlaylist } from "../src/playlist-parse.js";
import { segmentName } from "../src/segment-name.js";
import { PTS_MODULUS } from "../src/timestamps.js";

const arbPlaylist: fc.Arbitrary<MediaPlaylist> = fc
  .record({
    first: fc.integer({ min: 0, max: 2_000_000 }),
    targetDuration: fc.integer({ min: 1, max: 60 }),
    discontinuitySequence: fc.integer({ min: 0, max: 1000 }),
    event: fc.boolean(),
    endList: fc.boolean(),
    continuity: fc.option(
      fc.record({ lastSeq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), nextPts: fc.integer({ min: 0, max: PTS_MODULUS - 1 }) }),
      { nil: undefined },
    ),
    entries: fc.array(
      fc.record({
        durationTicks: fc.integer({ min: 1, max: 3600 * 90_000 }),
        discontinuity: fc.boolean(),
        programDateTimeMs: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
        check: fc.option(fc.record({ bytes: fc.integer({ min: 0, max: 2 ** 31 }), crc32: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }), { nil: undefined }),
      }),
      { maxLength: 20 },
    ),
    note: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 12 }), { maxKeys: 4 }).map((o) => JSON.stringify(o)), { nil: undefined }),
  })
  .map((r) => {
    const entries: PlaylistEntry[] = r.entries.map((e, i) => {
      const entry: PlaylistEntry = { mediaSequence: r.first + i, durationTicks: e.durationTicks, discontinuity: e.discontinuity };
      if (e.programDateTimeMs !== undefined) entry.programDateTimeMs = e.programDateTimeMs;
      if (e.check !== undefined) entry.check = e.check;
      return entry;
    });
    const p: MediaPlaylist = {
      targetDuration: r.targetDuration,
      mediaSequence: r.first,
      discontinuitySequence: r.discontinuitySequence,
      event: r.event,
      entries,
      endList: r.endList,
    };
    if (r.continuity) p.continuity = r.continuity;
    if (r.note !== undefined) p.note = r.note;
    return p;
  });

function m3u8(text: string) {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest;
}

function expectCorrupt(text: string, pattern?: RegExp): void {
  let thrown: unknown;
  try {
    parsePlaylist(text);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `accepted:\n${text}`).toBeInstanceOf(HlsSinkError);
  expect((thrown as HlsSinkError).code).toBe("corrupt-playlist");
  if (pattern) expect((thrown as HlsSinkError).message).toMatch(pattern);
}

const SAMPLE = renderPlaylist({
  targetDuration: 3,
  mediaSequence: 7,
  discontinuitySequence: 1,
  event: false,
  endList: true,
  continuity: { lastSeq: 12, nextPts: 900_000 },
  entries: [
    { mediaSequence: 7, durationTicks: 180_000, discontinuity: false, programDateTimeMs: Date.UTC(2025, 0, 1) },
    { mediaSequence: 8, durationTicks: 200_000, discontinuity: true, programDateTimeMs: Date.UTC(2025, 0, 1, 0, 0, 2) },
  ],
});

describe("renderPlaylist", () => {
  it("writes the documented layout", () => {
    expect(SAMPLE).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:3",
        "#EXT-X-MEDIA-SEQUENCE:7",
        "#EXT-X-DISCONTINUITY-SEQUENCE:1",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        "# ec-hls-sink last-seq=12 next-pts=900000",
        "#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:00.000Z",
        "#EXTINF:2.000000,",
        "00007.ts",
        "#EXT-X-DISCONTINUITY",
        "#EXT-X-PROGRAM-DATE-TIME:2025-01-01T00:00:02.000Z",
        "#EXTINF:2.222222,",
        "00008.ts",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });

  it("m3u8-parser reads back exactly what was rendered", () => {
    fc.assert(
      fc.property(arbPlaylist, (p) => {
        const m = m3u8(renderPlaylist(p));
        expect(m.version).toBe(3);
        expect(m.targetDuration).toBe(p.targetDuration);
        expect(m.mediaSequence).toBe(p.mediaSequence);
        expect(m.discontinuitySequence).toBe(p.discontinuitySequence);
        expect(m.endList === true).toBe(p.endList);
        expect(m.playlistType).toBe(p.event ? "EVENT" : undefined);
        expect(m.segments.map((s) => s.uri)).toEqual(p.entries.map((e) => segmentName(e.mediaSequence)));
        m.segments.forEach((s, i) => {
          const e = p.entries[i]!;
          expect(Math.abs(s.duration - e.durationTicks / 90_000)).toBeLessThan(1e-6);
          expect(s.discontinuity === true).toBe(e.discontinuity);
          if (e.programDateTimeMs !== undefined) expect(Date.parse(s.dateTimeString!)).toBe(e.programDateTimeMs);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe("parsePlaylist", () => {
  it("round-trips everything renderPlaylist writes", () => {
    fc.assert(
      fc.property(arbPlaylist, (p) => {
        expect(parsePlaylist(renderPlaylist(p))).toEqual(p);
      }),
      { numRuns: 500 },
    );
  });

  it("accepts CRLF line endings and foreign comments", () => {
    const crlf = SAMPLE.replace(/\n/g, "\r\n").replace("#EXT-X-ENDLIST", "# a comment\r\n#EXT-X-ENDLIST");
    expect(parsePlaylist(crlf)).toEqual(parsePlaylist(SAMPLE));
  });

  it("rejects a playlist cut anywhere except just after a newline", () => {
    for (let cut = 0; cut < SAMPLE.length; cut++) {
      const text = SAMPLE.slice(0, cut);
      if (cut > 0 && SAMPLE[cut - 1] === "\n") {
        // A cut on a line boundary is a shorter playlist or a clear error, never a wrong one.
        try {
          const p = parsePlaylist(text);
          const full = parsePlaylist(SAMPLE);
          expect(full.entries.slice(0, p.entries.length)).toEqual(p.entries);
        } catch (err) {
          expect((err as HlsSinkError).code).toBe("corrupt-playlist");
        }
      } else {
        expectCorrupt(text);
      }
    }
  });

  it("rejects oversized input before looking at it", () => {
    expectCorrupt("#EXTM3U\n" + "#".repeat(MAX_PLAYLIST_BYTES) + "\n", /larger than/);
  });

  it("rejects random bytes and random text with a typed error, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }).map((b) => new TextDecoder().decode(b))), (text) => {
        try {
          parsePlaylist(text);
        } catch (err) {
          expect(err).toBeInstanceOf(HlsSinkError);
          expect((err as HlsSinkError).code).toBe("corrupt-playlist");
          expect((err as HlsSinkError).message.length).toBeLessThan(200);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects mutations of a valid playlist with a typed error or parses them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SAMPLE.length - 1 }), fc.string({ maxLength: 8 }), (at, junk) => {
        const text = SAMPLE.slice(0, at) + junk + SAMPLE.slice(at + 1);
        try {
          parsePlaylist(text);
        } catch (err) {
          expect((err as HlsSinkError).code).toBe("corrupt-playlist");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects versions it does not write", () => {
    expectCorrupt(SAMPLE.replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:4"), /unsupported playlist version 4/);
    expectCorrupt(SAMPLE.replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:7"), /version/);
    expectCorrupt(SAMPLE.replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:0"), /version/);
    expectCorrupt(SAMPLE.replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:three"), /integer/);
    // Version 1 or 2 playlists with integer durations are a subset and continue fine.
    expect(parsePlaylist(SAMPLE.replace("#EXT-X-VERSION:3", "#EXT-X-VERSION:2")).entries).toHaveLength(2);
  });

  it("rejects tags whose meaning a rewrite would lose", () => {
    const withTag = (tag: string) => SAMPLE.replace("#EXTINF:2.000000,", `${tag}\n#EXTINF:2.000000,`);
    expectCorrupt(withTag('#EXT-X-KEY:METHOD=AES-128,URI="k"'), /unsupported tag/);
    expectCorrupt(withTag('#EXT-X-MAP:URI="init.mp4"'), /unsupported tag/);
    expectCorrupt(withTag("#EXT-X-BYTERANGE:100@0"), /unsupported tag/);
    expectCorrupt(SAMPLE.replace("#EXT-X-INDEPENDENT-SEGMENTS", "#EXT-X-PLAYLIST-TYPE:VOD"), /EVENT/);
  });

  it("rejects structural damage with a reason", () => {
    expectCorrupt("", /newline/);
    expectCorrupt("\n", /#EXTM3U/);
    expectCorrupt("#EXTM3U\n", /TARGETDURATION/);
    expectCorrupt(SAMPLE.replace("#EXTM3U\n", ""), /#EXTM3U/);
    expectCorrupt(SAMPLE.replace("00008.ts", "00009.ts"), /expected segment 00008.ts/);
    expectCorrupt(SAMPLE.replace("00008.ts", "8.ts"), /expected segment/);
    expectCorrupt(SAMPLE.replace("00008.ts", "../../etc/passwd"), /expected segment/);
    expectCorrupt(SAMPLE.replace("#EXTINF:2.000000,\n", ""), /without #EXTINF/);
    expectCorrupt(SAMPLE.replace("#EXTINF:2.000000,", "#EXTINF:2.000000"), /bad #EXTINF/);
    expectCorrupt(SAMPLE.replace("#EXTINF:2.000000,", "#EXTINF:-2,"), /bad #EXTINF/);
    expectCorrupt(SAMPLE.replace("#EXTINF:2.000000,", "#EXTINF:1e3,"), /bad #EXTINF/);
    expectCorrupt(SAMPLE.replace("#EXTINF:2.000000,", "#EXTINF:2.0,\n#EXTINF:2.0,"), /two #EXTINF/);
    expectCorrupt(SAMPLE.replace("#EXT-X-ENDLIST\n", "#EXT-X-ENDLIST\n#EXTINF:1.0,\n00009.ts\n"), /after #EXT-X-ENDLIST/);
    expectCorrupt(SAMPLE.replace("#EXT-X-ENDLIST\n", "#EXT-X-DISCONTINUITY\n"), /truncated/);
    expectCorrupt(SAMPLE.replace("#EXT-X-TARGETDURATION:3", "#EXT-X-TARGETDURATION:3\n#EXT-X-TARGETDURATION:4"), /duplicate/);
    expectCorrupt(SAMPLE.replace("#EXT-X-ENDLIST\n", "#EXT-X-MEDIA-SEQUENCE:3\n"), /after the first segment/);
    expectCorrupt(SAMPLE.replace("2025-01-01T00:00:00.000Z", "yesterday"), /PROGRAM-DATE-TIME/);
    expectCorrupt(SAMPLE.replace("next-pts=900000", "next-pts=99999999999"), /continuity/);
    expectCorrupt(SAMPLE.replace("last-seq=12", "last-seq=x"), /continuity/);
    expectCorrupt(SAMPLE.replace("#EXT-X-MEDIA-SEQUENCE:7", "#EXT-X-MEDIA-SEQUENCE:99999999999999999999"), /integer/);
    expectCorrupt(SAMPLE.replace("#EXT-X-ENDLIST", "#EXT-X-ENDLIST:YES"), /no value/);
  });

  it("rejects malformed or misplaced segment check and note comments (the power-cut recovery trusts them)", () => {
    const checked = renderPlaylist({
      targetDuration: 2,
      mediaSequence: 0,
      discontinuitySequence: 0,
      event: false,
      endList: false,
      note: '{"seq":1}',
      entries: [
        { mediaSequence: 0, durationTicks: 180_000, discontinuity: false, check: { bytes: 376, crc32: 0xdeadbeef } },
        { mediaSequence: 1, durationTicks: 180_000, discontinuity: false, check: { bytes: 188, crc32: 7 } },
      ],
    });
    expect(checked).toContain("# ec-seg bytes=376 crc32=deadbeef\n#EXTINF:2.000000,\n00000.ts\n");
    expect(checked).toContain('# ec-note {"seq":1}\n');
    const back = parsePlaylist(checked);
    expect(back.entries.map((e) => e.check)).toEqual([{ bytes: 376, crc32: 0xdeadbeef }, { bytes: 188, crc32: 7 }]);
    expect(back.note).toBe('{"seq":1}');
    expectCorrupt(checked.replace("crc32=deadbeef", "crc32=deadbee"), /segment check/);
    expectCorrupt(checked.replace("crc32=deadbeef", "crc32=DEADBEEF"), /segment check/);
    expectCorrupt(checked.replace("bytes=376", "bytes=-1"), /segment check/);
    expectCorrupt(checked.replace("bytes=376", "bytes=9999999999999999"), /segment check/);
    expectCorrupt(checked.replace("# ec-seg bytes=376 crc32=deadbeef\n#EXTINF:2.000000,", "#EXTINF:2.000000,\n# ec-seg bytes=376 crc32=deadbeef"), /misplaced segment check/);
    expectCorrupt(checked.replace("# ec-seg bytes=376 crc32=deadbeef\n", "# ec-seg bytes=376 crc32=deadbeef\n# ec-seg bytes=1 crc32=00000000\n"), /misplaced segment check/);
    expectCorrupt(checked.replace("00001.ts\n", "00001.ts\n# ec-seg bytes=1 crc32=00000000\n"), /truncated/);
    expectCorrupt(checked.replace('# ec-note {"seq":1}\n', '# ec-note {"seq":1}\n# ec-note {}\n'), /misplaced note/);
    expectCorrupt(checked.replace("00001.ts\n", '00001.ts\n# ec-note {}\n'), /misplaced note/);
    expectCorrupt(checked.replace('{"seq":1}', "x".repeat(9000)), /note longer/);
  });

  it("keeps garbage out of error messages", () => {
    try {
      parsePlaylist(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n${"\u0000\u001b[31m".repeat(100)}\n`);
      expect.unreachable();
    } catch (err) {
      expect((err as HlsSinkError).message).not.toMatch(/[\u0000-\u001f]/);
      expect((err as HlsSinkError).message.length).toBeLessThan(200);
    }
  });
});
