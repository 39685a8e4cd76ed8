import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PublishFailure, publishFiles } from "../src/publish-thread.js";
import { tempDir } from "./helpers/tmp.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir("hls-publish-"));
});
afterEach(async () => {
  await cleanup();
});

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** The files `[a, b]` of a request: temp names in `dir`, renamed over `a.ts` and `b.m3u8`. */
function request(a: Uint8Array, b: Uint8Array, over: { bPath?: string; aTemp?: string } = {}) {
  return [
    { tempPath: over.aTemp ?? join(dir, ".hls-sink-a.tmp"), path: join(dir, "a.ts"), data: a },
    { tempPath: join(dir, ".hls-sink-b.tmp"), path: over.bPath ?? join(dir, "b.m3u8"), data: b },
  ];
}

async function publishError(p: Promise<unknown>): Promise<PublishFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublishFailure);
  return err as PublishFailure;
}

describe("the publish thread", () => {
  it("writes every file whole and renames them into place; no temp file is left", async () => {
    const big = new Uint8Array(new SharedArrayBuffer(3 * 1024 * 1024 + 17)).fill(0x47);
    await writeFile(join(dir, "b.m3u8"), "old playlist");
    await publishFiles(request(big, new TextEncoder().encode("new playlist")));
    expect(Buffer.compare(await readFile(join(dir, "a.ts")), Buffer.from(big))).toBe(0);
    expect(await readFile(join(dir, "b.m3u8"), "utf8")).toBe("new playlist");
    expect((await readdir(dir)).sort()).toEqual(["a.ts", "b.m3u8"]);
  });

  it("requests from one process run one after another, in the order sent", async () => {
    const all = Array.from({ length: 20 }, (_, i) =>
      publishFiles([{ tempPath: join(dir, `.hls-sink-p${i}.tmp`), path: join(dir, "p.m3u8"), data: new TextEncoder().encode(String(i)) }]),
    );
    await Promise.all(all);
    expect(await readFile(join(dir, "p.m3u8"), "utf8")).toBe("19");
  });

  it("a rename that fails after the first: says one file was renamed and removes the other's temp file", async () => {
    await mkdir(join(dir, "b.m3u8", "occupied"), { recursive: true }); // a file cannot replace a non-empty directory
    const err = await publishError(publishFiles(request(bytes(1000, 1), bytes(10, 2))));
    expect(err.renamed).toBe(1);
    expect(err.file).toBe(1);
    expect(err.syscall).toBe("rename");
    expect(typeof err.code).toBe("string");
    expect((await readdir(dir)).sort()).toEqual(["a.ts", "b.m3u8"]); // no temp file
  });

  it("fdatasync of a file and an fsync of the directory run after the renames (a directory that is gone fails after them)", async () => {
    await publishFiles([{ tempPath: join(dir, ".hls-sink-r.tmp"), path: join(dir, "r.json"), data: new TextEncoder().encode("{}"), sync: true }], { syncDir: dir });
    expect(await readFile(join(dir, "r.json"), "utf8")).toBe("{}");
    const err = await publishError(
      publishFiles([{ tempPath: join(dir, ".hls-sink-s.tmp"), path: join(dir, "s.json"), data: bytes(3, 0x20), sync: true }], { syncDir: join(dir, "gone") }),
    );
    expect(err).toMatchObject({ code: "ENOENT", renamed: 1, file: -1 });
    expect((await readdir(dir)).sort()).toEqual(["r.json", "s.json"]);
  });

  it("a temp file that cannot be created: nothing renamed, nothing left", async () => {
    const err = await publishError(publishFiles(request(bytes(10, 1), bytes(10, 2), { aTemp: join(dir, "missing", ".hls-sink-a.tmp") })));
    expect(err).toMatchObject({ code: "ENOENT", renamed: 0, file: 0 });
    expect(await readdir(dir)).toEqual([]);
  });

  it("an existing temp name is not overwritten (create-exclusive): the files written so far are removed", async () => {
    await writeFile(join(dir, ".hls-sink-b.tmp"), "someone else's");
    const err = await publishError(publishFiles(request(bytes(10, 1), bytes(10, 2))));
    expect(err).toMatchObject({ code: "EEXIST", renamed: 0, file: 1 });
    expect(await readdir(dir)).toEqual([".hls-sink-b.tmp"]);
    expect(await readFile(join(dir, ".hls-sink-b.tmp"), "utf8")).toBe("someone else's");
  });
});
