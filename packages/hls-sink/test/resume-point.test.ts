import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFs } from "../src/fs.js";
import { RESUME_FILE, readResumePoint, writeResumeRecord } from "../src/resume-point.js";
import { tempDir } from "./helpers/tmp.js";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir("hls-resume-"));
});
afterEach(async () => {
  await cleanup();
});

const read = (streamId: string, lastSeq: number | undefined) => readResumePoint(nodeFs, dir, streamId, lastSeq);

describe("resume point", () => {
  it("round-trips, and is trusted only for the same stream and the playlist's last seq", async () => {
    await writeResumeRecord(nodeFs, dir, { streamId: "s", epoch: "e1", seq: 41 });
    expect(await read("s", 41)).toEqual({ streamId: "s", epoch: "e1", seq: 41 });
    expect(await read("s", 42)).toBeUndefined();
    expect(await read("s", undefined)).toBeUndefined();
    expect(await read("other", 41)).toBeUndefined();
  });

  it("a crash after the record but before the playlist resumes from the record's previous point", async () => {
    await writeResumeRecord(nodeFs, dir, { streamId: "s", epoch: "e2", seq: 7, previous: { epoch: "e1", seq: 40 } });
    // The playlist got seq 7: resume after it.
    expect(await read("s", 7)).toEqual({ streamId: "s", epoch: "e2", seq: 7 });
    // It still ends with seq 40 of e1: resume after that.
    expect(await read("s", 40)).toEqual({ streamId: "s", epoch: "e1", seq: 40 });
    expect(await read("s", 39)).toBeUndefined();
  });

  it("the same seq in two epochs cannot be told apart: nothing is trusted", async () => {
    await writeResumeRecord(nodeFs, dir, { streamId: "s", epoch: "e2", seq: 5, previous: { epoch: "e1", seq: 5 } });
    expect(await read("s", 5)).toBeUndefined();
  });

  it("reads the record apps/subscriber wrote before the writer moved here", async () => {
    await writeFile(join(dir, RESUME_FILE), JSON.stringify({ streamId: "s", epoch: "e1", seq: 9 }) + "\n");
    expect(await read("s", 9)).toEqual({ streamId: "s", epoch: "e1", seq: 9 });
  });

  it("missing, or a directory in its place: nothing to resume", async () => {
    expect(await read("s", 3)).toBeUndefined();
    await mkdir(join(dir, RESUME_FILE));
    expect(await read("s", 3)).toBeUndefined();
  });

  it("an oversized file is not read", async () => {
    await writeFile(join(dir, RESUME_FILE), JSON.stringify({ streamId: "s", epoch: "e1", seq: 3, pad: "x".repeat(5000) }));
    expect(await read("s", 3)).toBeUndefined();
  });

  it("fuzz: any file content (random, truncated, wrong types) is ignored or exact, never a throw", async () => {
    const valid = JSON.stringify({ streamId: "s", epoch: "e1", seq: 7, previous: { epoch: "e0", seq: 6 } });
    const point = fc.record({ epoch: fc.oneof(fc.string(), fc.integer(), fc.constant("x".repeat(300))), seq: fc.oneof(fc.integer(), fc.double(), fc.string()) });
    const content = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
      fc.json(),
      fc
        .record({ streamId: fc.constantFrom("s", 1, null), epoch: point.map((p) => p.epoch), seq: point.map((p) => p.seq), previous: fc.option(point, { nil: undefined }) })
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(content, fc.constantFrom(6, 7), async (text, lastSeq) => {
        await writeFile(join(dir, RESUME_FILE), text);
        const p = await read("s", lastSeq);
        if (p !== undefined) {
          expect(p.streamId).toBe("s");
          expect(p.seq).toBe(lastSeq);
          expect(typeof p.epoch).toBe("string");
          expect(p.epoch.length).toBeGreaterThan(0);
          expect(p.epoch.length).toBeLessThanOrEqual(256);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});
