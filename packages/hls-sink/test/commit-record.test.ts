import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCommitRecord, writeCommitRecord } from "../src/commit-record.js";
import { nodeFs } from "../src/fs.js";
import { renderPlaylist } from "../src/playlist.js";
import { tempDir } from "./helpers/tmp.js";

const NAME = ".ec-hls-sink-commit.json";
const PLAYLIST = renderPlaylist({
  targetDuration: 2,
  mediaSequence: 4,
  discontinuitySequence: 0,
  event: false,
  endList: false,
  entries: [{ mediaSequence: 4, durationTicks: 180_000, discontinuity: false, check: { bytes: 188, crc32: 1 } }],
});

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir("hls-commit-"));
});
afterEach(async () => {
  await cleanup();
});

describe("commit record", () => {
  it("round-trips the playlist and puts the note's fields at the top level", async () => {
    await writeCommitRecord(nodeFs, dir, NAME, PLAYLIST, JSON.stringify({ streamId: "s", epoch: "e", seq: 9 }));
    const got = await readCommitRecord(nodeFs, dir, NAME);
    expect(got?.text).toBe(PLAYLIST);
    expect(got?.playlist.entries.map((e) => e.mediaSequence)).toEqual([4]);
    const { readFile } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(join(dir, NAME), "utf8"))).toMatchObject({ streamId: "s", epoch: "e", seq: 9, playlist: PLAYLIST });
  });

  it("is absent (undefined, no throw) when missing, malformed, foreign, an older resume record, or oversized", async () => {
    expect(await readCommitRecord(nodeFs, dir, NAME)).toBeUndefined();
    for (const content of [
      "",
      "{",
      "null",
      "[]",
      '"text"',
      JSON.stringify({ streamId: "s", epoch: "e", seq: 3 }), // a resume record from before the group commit
      JSON.stringify({ playlist: 42 }),
      JSON.stringify({ playlist: "#EXTM3U\n#EXT-X-BOGUS\n" }),
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
    ]) {
      await writeFile(join(dir, NAME), content);
      expect(await readCommitRecord(nodeFs, dir, NAME), String(content)).toBeUndefined();
    }
    await writeFile(join(dir, NAME), Buffer.alloc(40 * 1024 * 1024, 0x20));
    expect(await readCommitRecord(nodeFs, dir, NAME)).toBeUndefined();
  });

  it("a directory in its place is not a record; an unreadable directory is an error", async () => {
    await mkdir(join(dir, NAME));
    expect(await readCommitRecord(nodeFs, dir, NAME)).toBeUndefined();
    const failing = { ...nodeFs, stat: async () => Promise.reject(Object.assign(new Error("EIO"), { code: "EIO" })) };
    await expect(readCommitRecord(failing, dir, "x.json")).rejects.toMatchObject({ code: "io-error" });
  });
});
