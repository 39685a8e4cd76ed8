import { describe, expect, it, afterEach } from "vitest";
import { readFileSync } from "node:fs";
import { createFakeHdhr, TsChunker, HdhrError } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import type { FakeHdhr, TsChunk } from "@ec/hdhr-capture";
import { deriveEpoch } from "@ec/stream-rules";
import { retryingTunerStream } from "../src/tuner-source.js";
import { chunkStream, openStream } from "@ec/hdhr-capture";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let sim: FakeHdhr | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("deriveEpoch", () => {
  it("is a pure function of the first chunk and the stream id", () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(deriveEpoch(a, "s")).toBe(deriveEpoch(Uint8Array.from(a), "s"));
    expect(deriveEpoch(a, "s")).toMatch(/^[0-9a-f]{16}$/);
    expect(deriveEpoch(a, "s")).not.toBe(deriveEpoch(a, "t"));
    expect(deriveEpoch(a, "s")).not.toBe(deriveEpoch(new Uint8Array([1, 2, 4]), "s"));
  });
});

describe("retryingTunerStream", () => {
  it("rides out a busy tuner (805) with backoff and carries the chunk numbering on", async () => {
    sim = await createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), speed: Infinity, loop: false, channels: [{ guideNumber: "5.1", guideName: "T" }] });
    sim.failNext(805, "All Tuners In Use");
    const retries: string[] = [];
    const ctl = new AbortController();
    const got: TsChunk[] = [];
    for await (const c of retryingTunerStream({
      open: (firstSeq) => chunkStream(openStream(sim!.host, "5.1", { durationS: 4, signal: ctl.signal }), { chunkMs: 1000, firstSeq }),
      retry: { minDelayMs: 10, maxDelayMs: 20 },
      signal: ctl.signal,
      log: quiet,
      onRetry: (e) => retries.push(e.code),
    })) {
      got.push(c);
    }
    expect(retries).toEqual(["tuners-busy"]);
    expect(got.map((c) => c.seq)).toEqual(got.map((_, i) => i));
    // Same chunks as reading the file directly (4 s of media at 1 s chunks).
    const direct = new TsChunker({ chunkMs: 1000 });
    const all = [...direct.push(readFileSync(fixturePath("h264-aac-1s-gop.ts"))), ...direct.flush()];
    expect(got.length).toBeGreaterThanOrEqual(3);
    got.slice(0, 3).forEach((c, i) => expect(Buffer.from(c.bytes).equals(Buffer.from(all[i]!.bytes))).toBe(true));
  });

  it("gives up at once on an unknown channel", async () => {
    sim = await createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), speed: Infinity, channels: [{ guideNumber: "5.1", guideName: "T" }] });
    const ctl = new AbortController();
    const it = retryingTunerStream({
      open: (firstSeq) => chunkStream(openStream(sim!.host, "9.9", { signal: ctl.signal }), { firstSeq }),
      retry: { minDelayMs: 10 },
      signal: ctl.signal,
      log: quiet,
    });
    await expect(it.next()).rejects.toSatisfy((e: unknown) => e instanceof HdhrError && e.code === "unknown-channel");
  });

  it("stops after maxAttempts consecutive failures, with the tuner's error", async () => {
    sim = await createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), speed: Infinity, tunerCount: 1, channels: [{ guideNumber: "5.1", guideName: "T" }] });
    for (let i = 0; i < 5; i++) sim.failNext(807, "No Video Data");
    const ctl = new AbortController();
    const it = retryingTunerStream({
      open: (firstSeq) => chunkStream(openStream(sim!.host, "5.1", { signal: ctl.signal }), { firstSeq }),
      retry: { minDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
      signal: ctl.signal,
      log: quiet,
    });
    await expect(it.next()).rejects.toSatisfy((e: unknown) => e instanceof HdhrError && e.code === "no-video");
  });

  it("a stop during the backoff wait ends the stream at once (the wait is interruptible), with a jittered delay logged", async () => {
    const ctl = new AbortController();
    const delays: number[] = [];
    const log = { ...quiet, warn: (_msg: string, fields?: Record<string, unknown>) => void delays.push(fields?.delayMs as number) };
    const it = retryingTunerStream({
      // Fails like a tuner that keeps dropping the stream; each retry would wait about an hour.
      open: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new HdhrError("stalled", "no data for 10000 ms")) }),
      }),
      retry: { minDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
      signal: ctl.signal,
      log,
      onRetry: () => setImmediate(() => ctl.abort()),
    });
    // Without an interruptible wait this would not settle for an hour (the test's timeout fails it first).
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(3_600_000);
    expect(delays[0]).toBeLessThanOrEqual(3_600_000 * 1.25);
  });
});
