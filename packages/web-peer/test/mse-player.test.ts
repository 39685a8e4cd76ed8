/**
 * MsePlayer in real Chromium (Debian's, headless): the fixture recording cut into chunks exactly as
 * publishers cut it, fed through `watch` into a real <video>. It must play (time advances, frames
 * decode), append exactly the chunks it was given, skip duplicates, jump a missing chunk's hole, and
 * refuse MPEG-2/AC-3 with the typed "unsupported" answer, appending nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { TsChunker } from "@ec/hdhr-capture";
import { programPsiPackets } from "@ec/hdhr-capture/psi";
import { fixturePath } from "@ec/fixtures";
import type { FixtureName } from "@ec/fixtures";
import { bundleForBrowser } from "./helpers/bundle.js";
import { launchChromium } from "./helpers/chromium.js";
import type { Browser } from "./helpers/chromium.js";
import { serveStatic } from "./helpers/static-server.js";
import type { StaticServer } from "./helpers/static-server.js";

const WAIT_MS = 60_000;
let browser: Browser;
let server: StaticServer;

function chunksOf(name: FixtureName): Uint8Array[] {
  const c = new TsChunker({ chunkMs: 1000 });
  return [...c.push(readFileSync(fixturePath(name))), ...c.flush()].map((x) => x.bytes);
}

beforeAll(async () => {
  const js = await bundleForBrowser(fileURLToPath(new URL("./browser/player-harness.ts", import.meta.url)));
  const routes = new Map<string, { type: string; body: Uint8Array | string }>();
  routes.set("/", { type: "text/html; charset=utf-8", body: '<!doctype html><title>harness</title><video muted playsinline></video><script type="module" src="/harness.js"></script>' });
  routes.set("/harness.js", { type: "text/javascript", body: js });
  for (const name of ["h264-aac-1s-gop.ts", "mpeg2-ac3.ts"] as const) {
    chunksOf(name).forEach((bytes, i) => routes.set(`/${name}/${i}.ts`, { type: "video/mp2t", body: bytes }));
  }
  // Malformed chunks: bytes that are not TS, and a valid H.264/AAC PAT+PMT with no media after it.
  routes.set("/bad/not-ts.ts", { type: "video/mp2t", body: new Uint8Array(188 * 4).fill(0x11) });
  routes.set("/bad/psi-only.ts", {
    type: "video/mp2t",
    body: programPsiPackets({ transportStreamId: 1, version: 0, programNumber: 1, pmtPid: 0x1000, pcrPid: 0x100, programInfo: [], streams: [{ streamType: 0x1b, pid: 0x100, info: [] }, { streamType: 0x0f, pid: 0x101, info: [] }] }),
  });
  server = await serveStatic([], routes);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type State = any;
const state = (page: Page): Promise<State> => page.evaluate(() => (window as unknown as { __harness: { state(): unknown } }).__harness.state());
const urls = (name: string, n: number) => Array.from({ length: n }, (_, i) => `/${name}/${i}.ts`);

async function open(): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await browser.page();
  await page.goto(server.url);
  await page.waitForFunction(() => "__harness" in window);
  return { page, errors };
}

describe("MsePlayer in Chromium", () => {
  it("plays H.264/AAC chunks: time advances 6 s, frames decode, appended == verified", async () => {
    const n = chunksOf("h264-aac-1s-gop.ts").length;
    expect(n).toBeGreaterThanOrEqual(10);
    const { page, errors } = await open();
    await page.evaluate((u) => (window as unknown as { __harness: { run(u: string[]): Promise<void> } }).__harness.run(u), urls("h264-aac-1s-gop.ts", n));
    const s1: State = await state(page);
    expect(s1.watch).toEqual({ verified: n, appended: n, skipped: 0 });
    expect(s1.player.chunksAppended).toBe(n);
    expect(s1.player.state).toBe("playing");
    expect(s1.player.mime).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6},mp4a\.40\.\d"$/);
    expect(s1.player.probe.kind).toBe("playable");
    // One contiguous buffered range: the chunks join up with no hole.
    expect(s1.video.ranges.length).toBe(1);
    const start = s1.video.ranges[0][0];
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime >= t + 6, start, { timeout: WAIT_MS, polling: 250 });
    const s2: State = await state(page);
    expect(s2.video.frames).toBeGreaterThan(0);
    expect([s2.video.width, s2.video.height]).toEqual([640, 360]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("skips a duplicate chunk and jumps the hole a missing chunk leaves", async () => {
    const n = 8;
    const { page, errors } = await open();
    await page.evaluate(
      (u) => (window as unknown as { __harness: { run(u: string[], o: unknown): Promise<void> } }).__harness.run(u, { duplicateEvery: 3, skipSeqs: [2] }),
      urls("h264-aac-1s-gop.ts", n),
    );
    const s: State = await state(page);
    // seqs 0,1,3..7 given (7), seq 0, 3 and 6 given twice: 10 verified, 7 appended, 3 skipped.
    expect(s.watch).toEqual({ verified: 10, appended: 7, skipped: 3 });
    expect(s.video.ranges.length).toBe(2);
    const holeEnd = s.video.ranges[1][0];
    // Playback crosses the hole on its own.
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime > t + 1, holeEnd, { timeout: WAIT_MS, polling: 250 });
    const s2: State = await state(page);
    expect(s2.player.gapsJumped).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("MPEG-2/AC-3: a typed unsupported answer naming the codecs, nothing appended", async () => {
    const { page, errors } = await open();
    await page.evaluate((u) => (window as unknown as { __harness: { run(u: string[]): Promise<void> } }).__harness.run(u), urls("mpeg2-ac3.ts", 3));
    const s: State = await state(page);
    expect(s.player.state).toBe("unsupported");
    expect(s.player.probe.kind).toBe("unsupported");
    expect(s.player.probe.unsupported.map((x: { streamType: number }) => x.streamType).sort((a: number, b: number) => a - b)).toEqual([0x02, 0x81]);
    expect(s.player.probe.message).toMatch(/MPEG-2 video .*0x02.* and AC-3 .*0x81.*cannot decode/);
    expect(s.watch).toEqual({ verified: 3, appended: 0, skipped: 3 });
    expect(s.player.appends).toBe(0);
    expect(s.video.ranges).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a new epoch (leader restart) empties the buffer and plays the new run, even at earlier timestamps", async () => {
    const { page, errors } = await open();
    const items = [
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ url: `/h264-aac-1s-gop.ts/${i + 4}.ts`, epoch: "e1", seq: i })),
      // The restarted leader's run starts over at the recording's start: timestamps before e1's.
      ...[0, 1, 2, 3].map((i) => ({ url: `/h264-aac-1s-gop.ts/${i}.ts`, epoch: "e2", seq: i })),
    ];
    await page.evaluate((it) => (window as unknown as { __harness: { runSeq(i: unknown): Promise<void> } }).__harness.runSeq(it), items);
    const s: State = await state(page);
    expect(s.watch).toEqual({ verified: 10, appended: 10, skipped: 0 });
    expect(s.player.epochChanges).toBe(1);
    // Only the new run is buffered, and the playhead is in it, moving.
    expect(s.video.ranges.length).toBe(1);
    const [start, end] = s.video.ranges[0];
    expect(end - start).toBeLessThan(5);
    await page.waitForFunction(([a, b]) => {
      const t = document.querySelector("video")!.currentTime;
      return t > a! + 1 && t < b!;
    }, [start, end], { timeout: WAIT_MS, polling: 100 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a playhead far behind the newest media jumps forward (live catch-up)", async () => {
    const { page, errors } = await open();
    const items = Array.from({ length: 12 }, (_, i) => ({ url: `/h264-aac-1s-gop.ts/${i}.ts`, epoch: "e1", seq: i }));
    await page.evaluate(
      (it) => (window as unknown as { __harness: { runSeq(i: unknown, o: unknown): Promise<void> } }).__harness.runSeq(it, { maxBehindSeconds: 5, startBehindSeconds: 2 }),
      items,
    );
    // Once every chunk is in, the playhead is (again) within maxBehindSeconds of the newest media.
    // Read only then: a catch-up during the appends is followed by more media, and the next tick's.
    await page.waitForFunction(
      () => {
        const h = (window as unknown as { __harness: { player: { counters: { catchUps: number; chunksAppended: number } } } }).__harness;
        const v = document.querySelector("video")!;
        const b = v.buffered;
        return h.player.counters.catchUps >= 1 && h.player.counters.chunksAppended === 12 && b.length > 0 && b.end(b.length - 1) - v.currentTime <= 5;
      },
      undefined,
      { timeout: WAIT_MS, polling: 100 },
    );
    const s: State = await state(page);
    const end = s.video.ranges.at(-1)[1];
    expect(end - s.video.currentTime).toBeLessThanOrEqual(5);
    expect(s.player.chunksAppended).toBe(12);
    expect(s.events).toContain("caught-up");
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([
    ["not-ts.ts", "not-ts"],
    ["psi-only.ts", "transmux-failed"],
  ])("malformed first chunk %s: the player fails with a typed error (%s), appends nothing, later chunks are skipped", async (file, code) => {
    const { page, errors } = await open();
    const items = [`/bad/${file}`, "/h264-aac-1s-gop.ts/1.ts"].map((url, seq) => ({ url, epoch: "e1", seq }));
    await page.evaluate((it) => (window as unknown as { __harness: { runSeq(i: unknown): Promise<void> } }).__harness.runSeq(it), items);
    const s: State = await state(page);
    expect(s.player.state).toBe("failed");
    expect(s.player.error.code).toBe(code);
    expect(s.watch).toEqual({ verified: 2, appended: 0, skipped: 2 });
    expect(s.player.appends).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a chunk with no media once playing (damaged at capture): skipped as no-media, playback goes on", async () => {
    const { page, errors } = await open();
    const items = ["/h264-aac-1s-gop.ts/0.ts", "/bad/psi-only.ts", "/h264-aac-1s-gop.ts/2.ts", "/h264-aac-1s-gop.ts/3.ts"].map((url, seq) => ({ url, epoch: "e1", seq }));
    await page.evaluate((it) => (window as unknown as { __harness: { runSeq(i: unknown): Promise<void> } }).__harness.runSeq(it), items);
    const s: State = await state(page);
    expect(s.player.state).toBe("playing");
    expect(s.watch).toEqual({ verified: 4, appended: 3, skipped: 1 });
    expect(s.events).toContain("skipped");
    expect(errors).toEqual([]);
    await page.close();
  });
});
