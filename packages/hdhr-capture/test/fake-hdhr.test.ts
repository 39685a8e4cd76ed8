/**
 * The fake tuner's own contract: the JSON documents, looping and non-looping playback, duration
 * as media time, tuner accounting, real-time pacing (checked only as a lower bound on elapsed
 * time, which no slow machine can break), and refusing unusable input.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFakeHdhr } from "../src/fake/fake-hdhr.js";
import type { FakeHdhr } from "../src/fake/fake-hdhr.js";
import { openStream } from "../src/hdhr/open-stream.js";
import { TsError } from "../src/errors.js";
import { fixturePath } from "@ec/fixtures";
import { fixtureBytes, garbageWithoutSync } from "./helpers.js";

async function drainBytes(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const b of stream) parts.push(b);
  return Buffer.concat(parts);
}

describe("createFakeHdhr", () => {
  let fake: FakeHdhr;
  beforeAll(async () => {
    fake = await createFakeHdhr({ input: fixturePath("mpeg2-ac3.ts"), speed: 50, loop: false, tunerCount: 2 });
  });
  afterAll(() => fake.close());

  it("serves lineup_status.json, status.json, and 404/405 for anything else", async () => {
    expect(await (await fetch(`${fake.baseUrl}/lineup_status.json`)).json()).toEqual({
      ScanInProgress: 0,
      ScanPossible: 1,
      Source: "Antenna",
      SourceList: ["Antenna", "Cable"],
    });
    const status = (await (await fetch(`${fake.baseUrl}/status.json`)).json()) as unknown[];
    expect(status).toHaveLength(2);
    expect((await fetch(`${fake.baseUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${fake.baseUrl}/lineup.json`, { method: "POST" })).status).toBe(405);
    const lineup = (await (await fetch(`${fake.baseUrl}/lineup.json`)).json()) as Array<Record<string, unknown>>;
    expect(lineup[0]).toMatchObject({ VideoCodec: "MPEG2", AudioCodec: "AC3" });
  });

  it("without loop, plays the file once: every packet, byte for byte", async () => {
    const got = await drainBytes(openStream(fake.host, "2.1"));
    expect(Buffer.from(got).equals(Buffer.from(fixtureBytes("mpeg2-ac3.ts")))).toBe(true);
  });

  it("answers 404 for an unknown channel and 503 805 when every tuner is busy", async () => {
    expect((await fetch(`${fake.baseUrl}/auto/v77.7`)).status).toBe(404);
    const a = openStream(fake.host, "2.1")[Symbol.asyncIterator]();
    const b = openStream(fake.host, "2.1")[Symbol.asyncIterator]();
    await a.next();
    await b.next();
    expect(fake.activeStreams).toBe(2);
    const third = await fetch(`${fake.baseUrl}/auto/v2.1`);
    expect(third.status).toBe(503);
    expect(third.headers.get("x-hdhomerun-error")).toBe("805 All Tuners In Use");
    await a.return(undefined);
    await b.return(undefined);
  });

  it("paces by PCR: N seconds of media take at least N/speed seconds", async () => {
    const slow = await createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), speed: 10 });
    try {
      const start = performance.now();
      const bytes = await drainBytes(openStream(slow.host, "2.1", { durationS: 3 }));
      const elapsed = performance.now() - start;
      expect(bytes.length).toBeGreaterThan(0);
      // 3 s of media at 10x is 300 ms; the first PCR interval is sent without waiting.
      expect(elapsed).toBeGreaterThanOrEqual(250);
    } finally {
      await slow.close();
    }
  });

  it("refuses input that is not MPEG-TS, and bad options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hdhr-fake-"));
    try {
      const junk = join(dir, "junk.ts");
      writeFileSync(junk, garbageWithoutSync(10_000, 2));
      const e = await createFakeHdhr({ input: junk }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TsError);
      expect((e as TsError).code).toBe("not-mpeg-ts");
      await expect(createFakeHdhr({ input: join(dir, "missing.ts") })).rejects.toMatchObject({ code: "ENOENT" });
      await expect(createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), speed: 0 })).rejects.toThrow(RangeError);
      await expect(createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), tunerCount: 0 })).rejects.toThrow(RangeError);
      await expect(createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), listen: "nope" })).rejects.toThrow(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close() cuts open streams: the client sees connection-lost", async () => {
    const f = await createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), speed: 1 });
    const it = openStream(f.host, "2.1")[Symbol.asyncIterator]();
    await it.next();
    await f.close();
    await expect((async () => {
      for (;;) if ((await it.next()).done) return "ended";
    })()).rejects.toMatchObject({ code: "connection-lost" });
  });
});
