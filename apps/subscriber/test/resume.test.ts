import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { RESUME_FILE, readResumePoint, writeResumePoint } from "../src/resume.js";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ec-resume-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("resume point", () => {
  it("round-trips, and is trusted only for the same stream and the playlist's last seq", () => {
    writeResumePoint(dir, { streamId: "s", epoch: "e1", seq: 41 });
    expect(readResumePoint(dir, "s", 41)).toEqual({ streamId: "s", epoch: "e1", seq: 41 });
    // A crash between the segment and the record: they disagree, and nothing is trusted.
    expect(readResumePoint(dir, "s", 42)).toBeUndefined();
    expect(readResumePoint(dir, "s", undefined)).toBeUndefined();
    expect(readResumePoint(dir, "other", 41)).toBeUndefined();
  });

  it("missing: nothing to resume", () => {
    expect(readResumePoint(dir, "s", 3)).toBeUndefined();
  });

  it("fuzz: any file content (random, truncated, wrong types) is ignored or exact, never a throw", () => {
    const valid = JSON.stringify({ streamId: "s", epoch: "e1", seq: 7 });
    const content = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
      fc.json(),
      fc.record({ streamId: fc.constantFrom("s", 1, null), epoch: fc.oneof(fc.string(), fc.integer(), fc.constant("x".repeat(300))), seq: fc.oneof(fc.integer(), fc.double(), fc.string()) }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(content, (text) => {
        writeFileSync(join(dir, RESUME_FILE), text);
        const p = readResumePoint(dir, "s", 7);
        if (p !== undefined) {
          expect(p.streamId).toBe("s");
          expect(p.seq).toBe(7);
          expect(typeof p.epoch).toBe("string");
        }
      }),
      { numRuns: runs(300) },
    );
  });
});
