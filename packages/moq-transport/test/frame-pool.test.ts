// FramePool: memory for received frames, lent and given back. What matters is that reuse can never
// show one frame's bytes through another frame's view: every view of given-back memory is empty.
import { describe, expect, it } from "vitest";
import { FramePool } from "../src/frame-pool.js";

const filled = (buf: ArrayBuffer, byte: number) => new Uint8Array(buf).fill(byte);

describe("FramePool", () => {
  it("pools in this runtime (Node 20: resizable ArrayBuffers survive a transfer)", () => {
    expect(new FramePool({ maxFrameBytes: 1024 }).pooling).toBe(true);
  });

  it("lends exactly the size asked, and reuses given-back memory for the next frame", () => {
    const pool = new FramePool({ maxFrameBytes: 1 << 20 });
    const a = pool.lend(300_000);
    expect(a.byteLength).toBe(300_000);
    const frameA = filled(a, 0xaa);
    expect(pool.giveBack(frameA)).toBe(true);
    const b = pool.lend(200_000);
    expect(b.byteLength).toBe(200_000);
    // The same memory under a new ArrayBuffer: the old one is detached.
    expect(b).not.toBe(a);
    expect(a.byteLength).toBe(0);
    expect(pool.stats).toEqual({ lent: 2, reused: 1, kept: 1, dropped: 0 });
    const c = pool.lend(250_000);
    expect(c.byteLength).toBe(250_000);
    expect(pool.stats.reused).toBe(1); // b is still lent: c is fresh
  });

  it("a given-back frame's views read as empty, also after its memory holds a later frame", () => {
    const pool = new FramePool({ maxFrameBytes: 1 << 20 });
    const first = filled(pool.lend(70_000), 1);
    const inner = first.subarray(17, 5000); // e.g. the plaintext of an object opened in place
    pool.giveBack(inner);
    expect(first.length).toBe(0);
    expect(inner.length).toBe(0);
    expect(first[0]).toBeUndefined();
    const second = filled(pool.lend(90_000), 2);
    expect(pool.stats.reused).toBe(1);
    expect(first.length).toBe(0);
    expect(inner.length).toBe(0);
    // Writes through a detached view go nowhere.
    first[0] = 9;
    expect(second[0]).toBe(2);
    expect(second.every((x) => x === 2)).toBe(true);
  });

  it("leaves alone memory it did not lend, and memory given back twice", () => {
    const pool = new FramePool({ maxFrameBytes: 1 << 20 });
    const foreign = new Uint8Array(1000).fill(5);
    expect(pool.giveBack(foreign)).toBe(false);
    expect(foreign.length).toBe(1000);
    expect(foreign[999]).toBe(5);
    const shared = new Uint8Array(new SharedArrayBuffer(64));
    expect(pool.giveBack(shared)).toBe(false);
    const lent = new Uint8Array(pool.lend(100));
    expect(pool.giveBack(lent)).toBe(true);
    expect(pool.giveBack(lent)).toBe(false);
    expect(pool.stats).toEqual({ lent: 1, reused: 0, kept: 1, dropped: 0 });
  });

  it("keeps at most `keep` buffers and `keepBytes` of memory; the rest is emptied and dropped", () => {
    const pool = new FramePool({ maxFrameBytes: 1 << 20, keep: 2 });
    const views = [1, 2, 3].map(() => new Uint8Array(pool.lend(1000)));
    for (const v of views) expect(pool.giveBack(v)).toBe(true);
    for (const v of views) expect(v.length).toBe(0);
    expect(pool.stats).toEqual({ lent: 3, reused: 0, kept: 2, dropped: 1 });
    [pool.lend(10), pool.lend(10), pool.lend(10)];
    expect(pool.stats.reused).toBe(2);

    const byBytes = new FramePool({ maxFrameBytes: 1 << 20, keepBytes: 250_000 });
    const big = [1, 2, 3].map(() => new Uint8Array(byBytes.lend(100_000)));
    for (const v of big) byBytes.giveBack(v);
    expect(byBytes.stats).toMatchObject({ kept: 2, dropped: 1 });
  });

  it("frames over maxFrameBytes get a plain buffer, never pooled", () => {
    const pool = new FramePool({ maxFrameBytes: 4096 });
    const big = pool.lend(5000);
    expect(big.byteLength).toBe(5000);
    expect((big as ArrayBuffer & { resizable?: boolean }).resizable).toBe(false);
    const view = new Uint8Array(big);
    expect(pool.giveBack(view)).toBe(false);
    expect(view.length).toBe(5000);
    expect(pool.lend(0).byteLength).toBe(0);
  });

  it("refuses sizes and limits that make no sense, with a RangeError naming the argument", () => {
    expect(() => new FramePool({ maxFrameBytes: 0 })).toThrow(/maxFrameBytes/);
    expect(() => new FramePool({ maxFrameBytes: 1.5 })).toThrow(RangeError);
    expect(() => new FramePool({ maxFrameBytes: 10, keep: -1 })).toThrow(/keep/);
    expect(() => new FramePool({ maxFrameBytes: 10, keepBytes: Number.NaN })).toThrow(/keepBytes/);
    const pool = new FramePool({ maxFrameBytes: 10 });
    expect(() => pool.lend(-1)).toThrow(/bytes/);
    expect(() => pool.lend(2 ** 60)).toThrow(RangeError);
    expect(() => pool.lend(Number.NaN)).toThrow(RangeError);
  });
});
