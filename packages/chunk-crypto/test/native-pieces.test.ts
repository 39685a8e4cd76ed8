/**
 * Into a given output (as `sealChunk` writes into a caller's buffer), the native backend runs
 * ChaCha20 in 16 KiB pieces (one cipher, consecutive calls) to keep Node's per-call output in
 * reused memory; without one, `sealChunk` has the cipher write the object itself after a block
 * that starts one block before the nonce's block 0 (`chacha20WithRoom`). Both must be invisible:
 * the same bytes as the portable backend and the reference for every size around and across
 * piece and block boundaries, for sealing and opening, and for outputs that are the input itself
 * or overlap it.
 */
import { describe, expect, it } from "vitest";
import { deriveStreamKey, openChunk, sealChunk } from "../src/index.js";
import { nativeBackend } from "../src/backend-native.js";
import { portableBackend } from "../src/backend-portable.js";
import { hex } from "./helpers.js";
import { referenceSeal } from "./vectors/reference.js";

const PIECE = 16 * 1024;
const SIZES = [0, 1, 63, 64, 65, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE, 3 * PIECE + 17, 64 * 1024 + 1, 1_000_003];

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const native = nativeBackend()!;
const key = bytes(32, 7);
const nonce = bytes(12, 9);

describe("native ChaCha20 in pieces", () => {
  it("runs here (node:crypto with chacha20 is present)", () => {
    expect(native).not.toBeNull();
  });

  it.each(SIZES)("seal and open of %i bytes: native == portable == reference", (n) => {
    const pt = bytes(n, n + 1);
    const ctx = { streamId: "pieces", epoch: "e1", seq: n };
    const a = sealChunk(deriveStreamKey({ streamId: "pieces", secret: "s", backend: "native" }), ctx, pt);
    const b = sealChunk(deriveStreamKey({ streamId: "pieces", secret: "s", backend: "portable" }), ctx, pt);
    expect(hex(a)).toBe(hex(b));
    // Into a caller's buffer (pieces) as well as fresh (the cipher's own output).
    const into = new Uint8Array(n + 40).fill(0xee);
    const c = sealChunk(deriveStreamKey({ streamId: "pieces", secret: "s", backend: "native" }), ctx, pt, into);
    expect(hex(c)).toBe(hex(b));
    if (n <= 3 * PIECE + 17) expect(hex(a)).toBe(hex(referenceSeal("pieces", { utf8: "s" }, "e1", n, Buffer.from(pt)).object));
    const opened = openChunk(deriveStreamKey({ streamId: "pieces", secret: "s", backend: "native" }), ctx, b);
    expect(opened.length).toBe(n);
    expect(Buffer.from(opened).equals(Buffer.from(pt))).toBe(true);
  });

  it.each(SIZES)("chacha20 of %i bytes into a separate output, in place, and into an overlapping output", (n) => {
    const input = bytes(n, 3 * n + 5);
    const want = portableBackend.chacha20(key, nonce, input);
    // A fresh result and a separate output.
    expect(hex(native.chacha20(key, nonce, input))).toBe(hex(want));
    const out = new Uint8Array(n);
    expect(native.chacha20(key, nonce, input, out)).toBe(out);
    expect(hex(out)).toBe(hex(want));
    // A result that is not secret (a seal's ciphertext) is the same bytes.
    const notSecret = new Uint8Array(n);
    expect(hex(native.chacha20(key, nonce, input, notSecret, false))).toBe(hex(want));
    // Exactly in place.
    const inPlace = input.slice();
    expect(hex(native.chacha20(key, nonce, inPlace, inPlace))).toBe(hex(want));
    expect(hex(inPlace)).toBe(hex(want));
    // Output shifted forward and backward within one buffer: would overwrite input not yet read.
    for (const shift of [1, PIECE - 3]) {
      const buf = new Uint8Array(n + shift);
      buf.set(input, 0);
      const res = native.chacha20(key, nonce, buf.subarray(0, n), buf.subarray(shift, shift + n));
      expect(hex(res)).toBe(hex(want));
      expect(hex(buf.subarray(shift, shift + n))).toBe(hex(want));
      const back = new Uint8Array(n + shift);
      back.set(input, shift);
      expect(hex(native.chacha20(key, nonce, back.subarray(shift, shift + n), back.subarray(0, n)))).toBe(hex(want));
    }
  });

  it("an output of the wrong length is refused (RangeError), not silently truncated", () => {
    const input = bytes(PIECE + 10, 1);
    expect(() => native.chacha20(key, nonce, input, new Uint8Array(PIECE))).toThrow(RangeError);
  });

  it.each(SIZES)("chacha20WithRoom of %i bytes: room zeros, then exactly the portable result", (n) => {
    const input = bytes(n, 5 * n + 1);
    const want = portableBackend.chacha20(key, nonce, input);
    expect(native.chacha20WithRoom).toBeDefined();
    for (const room of [0, 17, 64]) {
      const got = native.chacha20WithRoom!(key, nonce, input, room);
      expect(got.length).toBe(room + n);
      expect(got.subarray(0, room).every((b) => b === 0)).toBe(true);
      expect(hex(got.subarray(room))).toBe(hex(want));
    }
  });

  it("chacha20WithRoom: the nonce's first word wraps through the carry (0 and 0xffffffff)", () => {
    const input = bytes(200, 11);
    for (const word of [0, 1, 0xffffffff]) {
      const n = nonce.slice();
      new DataView(n.buffer).setUint32(0, word, true);
      expect(hex(native.chacha20WithRoom!(key, n, input, 17).subarray(17))).toBe(hex(portableBackend.chacha20(key, n, input)));
    }
  });

  it("chacha20WithRoom refuses a room outside 0..64 and leaves its input unchanged", () => {
    const input = bytes(100, 2);
    const copy = input.slice();
    expect(() => native.chacha20WithRoom!(key, nonce, input, 65)).toThrow(RangeError);
    expect(() => native.chacha20WithRoom!(key, nonce, input, -1)).toThrow(RangeError);
    native.chacha20WithRoom!(key, nonce, input, 17);
    expect(hex(input)).toBe(hex(copy));
  });
});
