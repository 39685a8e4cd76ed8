/**
 * fuzz: the playlist parser (what a restarted sink reads back from disk, possibly truncated or
 * damaged). Any text is either a playlist that renders back to a parseable one or a
 * `corrupt-playlist` HlsSinkError — never another exception, never a hang. `pnpm fuzz` scales the
 * cases with EC_FUZZ_RUNS.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { HlsSinkError } from "../src/index.js";
import { parsePlaylist } from "../src/playlist-parse.js";
import { renderPlaylist } from "../src/playlist.js";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));

const valid = renderPlaylist({
  targetDuration: 2,
  mediaSequence: 5,
  discontinuitySequence: 1,
  event: false,
  endList: false,
  entries: [5, 6, 7].map((n) => ({ mediaSequence: n, durationTicks: 180_000, discontinuity: n === 6, programDateTimeMs: 1_700_000_000_000 + n * 2000 })),
  continuity: { lastSeq: 41, nextPts: 123_456 },
});

function parsesOrCorrupt(text: string): void {
  let p;
  try {
    p = parsePlaylist(text);
  } catch (err) {
    expect(err).toBeInstanceOf(HlsSinkError);
    expect((err as HlsSinkError).code).toBe("corrupt-playlist");
    return;
  }
  // Whatever is accepted is a playlist the sink can write back and read again.
  expect(() => parsePlaylist(renderPlaylist(p))).not.toThrow();
}

describe("fuzz: playlist parser", () => {
  it("the valid playlist parses", () => {
    expect(parsePlaylist(valid).entries).toHaveLength(3);
  });

  it("random text: parsed or corrupt-playlist", () => {
    fc.assert(fc.property(fc.string({ maxLength: 500 }), (t) => parsesOrCorrupt(t)), { numRuns: runs(1000) });
  });

  it("truncated, cut, spliced and mutated playlists: parsed or corrupt-playlist", () => {
    fc.assert(
      fc.property(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 12 }), (a, b, s) => {
        parsesOrCorrupt(valid.slice(0, a));
        parsesOrCorrupt(valid.slice(0, Math.min(a, b)) + s + valid.slice(Math.max(a, b)));
        parsesOrCorrupt(valid.slice(0, a) + "\n" + valid.slice(a));
      }),
      { numRuns: runs(1000) },
    );
  });

  it("an oversized playlist is refused without being parsed line by line", () => {
    expect(() => parsePlaylist(valid + "#".repeat(20 * 1024 * 1024) + "\n")).toThrow(HlsSinkError);
  });
});
