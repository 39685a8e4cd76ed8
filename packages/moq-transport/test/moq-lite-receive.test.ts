// The receive side of @moq/lite 0.2.2 as patched (patches/@moq__lite@0.2.2.patch): its stream
// Reader joins the pieces of a frame once. Unpatched, every ~16 KiB piece re-copied everything read
// so far (a 32 MiB frame: ~32 GiB of memcpy). The figure asserted is bytes copied, not time: the
// copy counter throws as soon as a read copies more than its bound, so without the patch the test
// fails at once instead of taking minutes.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MiB, PIECE, countCopies, frames as framesOf, pattern, piecewise, quicVarint, restoreSet } from "./reader-copies.js";

interface LiteReader {
  u53(): Promise<number>;
  read(size: number): Promise<Uint8Array>;
  readAll(): Promise<Uint8Array>;
  done(): Promise<boolean>;
}
type ReaderCtor = new (stream: ReadableStream<Uint8Array>) => LiteReader;

// Reader is not exported by @moq/lite's index; load the very module the installed (patched)
// package uses, by path, so the test runs the real code our nodes run.
const liteDir = dirname(createRequire(import.meta.url).resolve("@moq/lite"));
const { Reader } = (await import(pathToFileURL(join(liteDir, "stream.js")).href)) as { Reader: ReaderCtor };

afterEach(restoreSet);

describe("@moq/lite Reader (patched): each received byte is copied once", () => {
  it("reads a 32 MiB frame arriving in 16 KiB pieces with one copy of it", async () => {
    const payload = pattern(32 * MiB, 5);
    const reader = new Reader(piecewise(framesOf([payload])));
    const { result, copied } = await countCopies(payload.length + PIECE, async () => {
      const size = await reader.u53();
      return reader.read(size);
    });
    expect(result.length).toBe(payload.length);
    expect(Buffer.compare(result, payload)).toBe(0);
    // One join of the frame (plus at most the piece the length prefix came in).
    expect(copied).toBeLessThanOrEqual(payload.length + PIECE);
    expect(await reader.done()).toBe(true);
  });

  it("keeps frames intact when they start and end inside pieces", async () => {
    const payloads = [pattern(3 * MiB + 7, 1), pattern(1, 2), pattern(40_000, 3), pattern(2 * MiB, 4)];
    const total = payloads.reduce((n, p) => n + p.length, 0);
    const reader = new Reader(piecewise(framesOf(payloads), 10_007));
    const { result } = await countCopies(2 * total, async () => {
      const got: Uint8Array[] = [];
      while (!(await reader.done())) got.push(await reader.read(await reader.u53()));
      return got;
    });
    expect(result.map((r) => r.length)).toEqual(payloads.map((p) => p.length));
    result.forEach((r, i) => expect(Buffer.compare(r, payloads[i]!)).toBe(0));
  });

  it("readAll joins a long stream once", async () => {
    const bytes = pattern(8 * MiB + 3, 9);
    const reader = new Reader(piecewise(bytes));
    const { result, copied } = await countCopies(bytes.length, () => reader.readAll());
    expect(Buffer.compare(result, bytes)).toBe(0);
    expect(copied).toBeLessThanOrEqual(bytes.length);
  });

  it("a stream ending inside a frame still fails the read (and leaves what arrived readable)", async () => {
    const whole = framesOf([pattern(100_000, 6)]);
    const reader = new Reader(piecewise(whole.subarray(0, 60_000)));
    const size = await reader.u53();
    expect(size).toBe(100_000);
    await expect(reader.read(size)).rejects.toThrow(/unexpected end of stream/);
    // The bytes that did arrive are still buffered, as before the patch.
    const rest = await reader.read(60_000 - quicVarint(100_000).length);
    expect(Buffer.compare(rest, whole.subarray(quicVarint(100_000).length, 60_000))).toBe(0);
  });

  it("takes a frame handed over as an ArrayBuffer as a view, as 0.2.2's #fill does (no copy)", async () => {
    // @ec/moq-transport's group guard hands each joined frame body over as the ArrayBuffer it owns.
    const payload = pattern(4 * MiB, 7);
    const body = new Uint8Array(payload).buffer;
    const prefix = quicVarint(payload.length);
    const reader = new Reader(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(prefix);
          c.enqueue(body as unknown as Uint8Array);
          c.close();
        },
      }),
    );
    const { result, copied } = await countCopies(PIECE, async () => reader.read(await reader.u53()));
    expect(Buffer.compare(result, payload)).toBe(0);
    expect(result.buffer).toBe(body);
    expect(copied).toBeLessThanOrEqual(prefix.length);
  });

  it("joins an ArrayBuffer piece with others like any piece", async () => {
    const payload = pattern(100_000, 8);
    const whole = framesOf([payload]);
    const reader = new Reader(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(whole.subarray(0, 30_000));
          c.enqueue(whole.slice(30_000, 70_000).buffer as unknown as Uint8Array);
          c.enqueue(whole.subarray(70_000));
          c.close();
        },
      }),
    );
    const got = await reader.read(await reader.u53());
    expect(Buffer.compare(got, payload)).toBe(0);
    expect(await reader.done()).toBe(true);
  });

  it("a read larger than @moq/lite's 64 MiB cap is refused before anything is buffered", async () => {
    const reader = new Reader(piecewise(pattern(10, 0)));
    await expect(reader.read(64 * MiB + 1)).rejects.toThrow(/exceeds max size/);
  });
});
