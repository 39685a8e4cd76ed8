// The group guard hands a frame body that spans transport pieces on as one buffer, so the receive
// path is linear with @moq/lite 0.2.2 AS PUBLISHED (an npm install of @ec/moq-transport does not get
// the workspace's pnpm patch). The pristine Reader is made here the way the benches make it: the
// installed (patched) package is copied and the patch reversed. The figures asserted are bytes
// copied (Uint8Array#set) and whether the frame a Reader returns is the very buffer the guard
// joined (no copy after the join), not time.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FramePool } from "../src/frame-pool.js";
import { groupGuard } from "../src/guard.js";
import { CopyLimitExceeded, MiB, PIECE, countCopies, frames, pattern, piecewise } from "./reader-copies.js";

interface LiteReader {
  u53(): Promise<number>;
  read(size: number): Promise<Uint8Array>;
  done(): Promise<boolean>;
}
type ReaderCtor = new (stream: ReadableStream<Uint8Array>) => LiteReader;

const PATCH = fileURLToPath(new URL("../../../patches/@moq__lite@0.2.2.patch", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "ec-pristine-lite-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A GROUP stream: type 0, header (subscribe id 1, seq 7), then length-prefixed frames. */
function groupStream(...payloads: Uint8Array[]): Uint8Array {
  return frames(payloads, Uint8Array.of(0, 2, 1, 7));
}

/** The guard's output, each piece as a Uint8Array (a joined body comes as an ArrayBuffer). */
async function collect(stream: ReadableStream<Uint8Array | ArrayBuffer>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array | ArrayBuffer>) out.push(c instanceof ArrayBuffer ? new Uint8Array(c) : c);
  return out;
}

/** `stream` unchanged, remembering every ArrayBuffer it hands on (the guard's joined bodies). */
function recordBodies(stream: ReadableStream<Uint8Array | ArrayBuffer>, bodies: ArrayBuffer[]): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array | ArrayBuffer, Uint8Array>({
      transform(c, ctl) {
        if (c instanceof ArrayBuffer) bodies.push(c);
        ctl.enqueue(c as Uint8Array);
      },
    }),
  );
}

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks);
}

const guard = () => groupGuard({ maxFrameBytes: 64 * MiB });

/**
 * Frames of several sizes through guard (with a FramePool) and `Reader`, each given back to the
 * pool once read, as a subscriber does once it has written the object: every frame is intact when
 * read (a small one after a big one holds no stale bytes: exact size), later frames are received
 * into given-back memory, and a given-back frame reads as empty even after that.
 */
async function poolRoundTrip(Reader: ReaderCtor): Promise<void> {
  const payloads = [pattern(300_000, 1), pattern(70_000, 2), pattern(5, 3), pattern(2 * MiB, 4), pattern(40_001, 5), pattern(300_000, 6)];
  const pool = new FramePool({ maxFrameBytes: 4 * MiB });
  const r = new Reader(piecewise(groupStream(...payloads)).pipeThrough(groupGuard({ maxFrameBytes: 4 * MiB, framePool: pool })) as ReadableStream<Uint8Array>);
  expect(await r.u53()).toBe(0);
  await r.read(await r.u53());
  const given: Uint8Array[] = [];
  for (const [i, payload] of payloads.entries()) {
    const frame = await r.read(await r.u53());
    expect(frame.length, `frame ${i}`).toBe(payload.length);
    expect(Buffer.compare(frame, payload), `frame ${i}`).toBe(0);
    if (payload.length > PIECE) {
      // Joined into pooled memory, handed to the consumer as that very buffer: given back whole.
      expect(pool.giveBack(frame), `frame ${i}`).toBe(true);
      given.push(frame);
    }
    for (const g of given) expect(g.length).toBe(0);
  }
  expect(await r.done()).toBe(true);
  expect(pool.stats).toMatchObject({ lent: 5, kept: 5 });
  expect(pool.stats.reused).toBeGreaterThanOrEqual(4);
}

describe("groupGuard gathers a frame body that spans pieces", () => {
  it("hands a 2 MiB body on as one buffer, bytes unchanged", async () => {
    const payload = pattern(2 * MiB + 5, 3);
    const input = groupStream(payload);
    const out = await collect(piecewise(input).pipeThrough(guard()));
    expect(Buffer.compare(concat(out), input)).toBe(0);
    expect(out.filter((c) => c.length >= PIECE)).toHaveLength(1);
    expect(out.find((c) => c.length >= PIECE)!.length).toBe(payload.length);
  });

  it("leaves frames that fit in their piece as they came (no split, no copy)", async () => {
    const frames = [pattern(100, 1), pattern(2000, 2), pattern(1, 3)];
    const input = groupStream(...frames);
    const out = await collect(piecewise(input, 4096).pipeThrough(guard()));
    expect(out).toHaveLength(1);
    expect(out[0]!.buffer).toBe(input.buffer);
  });

  it("keeps mixed frames intact at every piece size", async () => {
    const frames = [pattern(70_000, 1), pattern(3, 2), pattern(40_001, 3), pattern(0, 4), pattern(16_360, 5)];
    const input = groupStream(...frames);
    for (const piece of [1, 2, 7, 1000, 16_360, 16_361, 65_536, input.length]) {
      const out = await collect(piecewise(input, piece).pipeThrough(guard()));
      expect(Buffer.compare(concat(out), input), `piece ${piece}`).toBe(0);
    }
  });

  it("a stream ending inside a frame hands on what arrived", async () => {
    const input = groupStream(pattern(100_000, 6)).subarray(0, 60_000);
    const out = await collect(piecewise(input).pipeThrough(guard()));
    expect(Buffer.compare(concat(out), input)).toBe(0);
  });

  it("with a FramePool: the same bytes, joined bodies in lent memory (also a body cut short by the stream's end)", async () => {
    const pool = new FramePool({ maxFrameBytes: MiB });
    const whole = groupStream(pattern(100_000, 7), pattern(9, 8), pattern(200_000, 9));
    for (const input of [whole, whole.subarray(0, 150_000)]) {
      const out = await collect(piecewise(input).pipeThrough(groupGuard({ maxFrameBytes: MiB, framePool: pool })));
      expect(Buffer.compare(concat(out), input)).toBe(0);
      for (const c of out.filter((c) => c.length > PIECE)) expect(pool.giveBack(c)).toBe(true);
    }
    expect(pool.stats).toMatchObject({ lent: 4, reused: 2 });
  });

  it("with a FramePool, random and truncated streams fail as without one (the typed error, or the bytes as they came)", async () => {
    let seed = 0x2545f491;
    const seen = { failed: 0, handedOn: 0 };
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    for (let round = 0; round < 200; round++) {
      const input = new Uint8Array(8 + (round * 977) % 70_000);
      for (let i = 0; i < input.length; i++) input[i] = rand();
      if (round % 2 === 0) input.set([0, 2, 1, 7, 0x80, 0x01, 0x00, 0x00], 0); // a valid header and a 65 536-byte frame, then noise
      const run = async (framePool?: FramePool) => {
        try {
          return { out: concat(await collect(piecewise(input, 700 + (round % 5) * 4000).pipeThrough(groupGuard({ maxFrameBytes: MiB, ...(framePool ? { framePool } : {}) })))) };
        } catch (err) {
          return { code: (err as { streamErrorCode?: unknown }).streamErrorCode, message: (err as Error).message };
        }
      };
      const [plain, pooled] = [await run(), await run(new FramePool({ maxFrameBytes: MiB }))];
      // (Buffers compared as hex: a deep equality over 70 kB element by element is slow.)
      const shown = (r: typeof plain) => ("out" in r ? { out: r.out!.toString("hex") } : r);
      expect(shown(pooled), `round ${round}`).toEqual(shown(plain));
      if ("code" in plain) expect(typeof plain.code, `round ${round}`).toBe("number");
      seen[("code" in plain) ? "failed" : "handedOn"]++;
    }
    // Both outcomes were exercised: noise refused, and headers followed by a frame cut short.
    expect(seen.failed).toBeGreaterThan(50);
    expect(seen.handedOn).toBeGreaterThan(50);
  });
});

describe("with @moq/lite 0.2.2 as published (unpatched Reader)", () => {
  let Reader: ReaderCtor;
  it("loads the pristine Reader", async () => {
    const installed = realpathSync(dirname(createRequire(import.meta.url).resolve("@moq/lite")));
    const copy = join(scratch, "lite");
    cpSync(installed, copy, { recursive: true, dereference: true });
    execFileSync("patch", ["-R", "-p1", "-s", "-d", copy, "-i", PATCH], { stdio: ["ignore", "ignore", "pipe"] });
    expect(readFileSync(join(copy, "stream.js"), "utf8")).not.toContain("every.channel patch");
    Reader = ((await import(pathToFileURL(join(copy, "stream.js")).href)) as { Reader: ReaderCtor }).Reader;
  });

  /** Reads the group header and one frame through a Reader over `stream`. */
  async function readFrame(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    const r = new Reader(stream);
    expect(await r.u53()).toBe(0); // type
    await r.read(await r.u53()); // header
    return r.read(await r.u53());
  }

  it("without the guard, an 8 MiB frame in 16 KiB pieces is copied quadratically (the control)", async () => {
    const payload = pattern(8 * MiB, 7);
    const limit = 4 * payload.length;
    await expect(countCopies(limit, () => readFrame(piecewise(groupStream(payload))))).rejects.toThrow(CopyLimitExceeded);
  });

  it("through the guard, a 32 MiB frame is copied once: the join, which the Reader then takes as it is", async () => {
    const payload = pattern(32 * MiB, 8);
    const bodies: ArrayBuffer[] = [];
    const { result, copied } = await countCopies(4 * payload.length, () => readFrame(recordBodies(piecewise(groupStream(payload)).pipeThrough(guard()), bodies)));
    expect(Buffer.compare(result, payload)).toBe(0);
    expect(copied).toBeLessThanOrEqual(payload.length + 2 * PIECE);
    // The Reader's frame is a view of the guard's joined buffer: no second copy.
    expect(bodies).toHaveLength(1);
    expect(result.buffer).toBe(bodies[0]);
  });

  it("with a FramePool, frames are read intact from lent memory and given back for the next ones", async () => {
    await poolRoundTrip(Reader);
  });
});

describe("with @moq/lite as installed (the workspace's patched Reader)", () => {
  const liteDir = dirname(createRequire(import.meta.url).resolve("@moq/lite"));
  let Reader: ReaderCtor;
  it("loads the installed Reader", async () => {
    Reader = ((await import(pathToFileURL(join(liteDir, "stream.js")).href)) as { Reader: ReaderCtor }).Reader;
  });

  it("through the guard, a 32 MiB frame is copied once and handed to the consumer as the guard's buffer", async () => {
    const payload = pattern(32 * MiB, 9);
    const bodies: ArrayBuffer[] = [];
    const { result, copied } = await countCopies(4 * payload.length, async () => {
      const r = new Reader(recordBodies(piecewise(groupStream(payload)).pipeThrough(guard()), bodies));
      expect(await r.u53()).toBe(0);
      await r.read(await r.u53());
      return r.read(await r.u53());
    });
    expect(Buffer.compare(result, payload)).toBe(0);
    expect(copied).toBeLessThanOrEqual(payload.length + 2 * PIECE);
    expect(result.buffer).toBe(bodies[0]);
  });

  it("frames of every size and alignment come out intact, in order, through guard and Reader", async () => {
    const payloads = [pattern(70_000, 1), pattern(3, 2), pattern(40_001, 3), pattern(0, 4), pattern(16_360, 5), pattern(2 * MiB + 1, 6)];
    for (const piece of [7, 1000, 16_360, 16_361, 65_536]) {
      const r = new Reader(piecewise(groupStream(...payloads), piece).pipeThrough(guard()) as ReadableStream<Uint8Array>);
      expect(await r.u53()).toBe(0);
      await r.read(await r.u53());
      const got: Uint8Array[] = [];
      while (!(await r.done())) got.push(await r.read(await r.u53()));
      expect(got.map((g) => g.length), `piece ${piece}`).toEqual(payloads.map((p) => p.length));
      got.forEach((g, i) => expect(Buffer.compare(g, payloads[i]!), `piece ${piece}, frame ${i}`).toBe(0));
    }
  });

  it("with a FramePool, frames are read intact from lent memory and given back for the next ones", async () => {
    await poolRoundTrip(Reader);
  });
});
