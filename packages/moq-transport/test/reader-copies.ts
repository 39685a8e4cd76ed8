// Helpers for the tests that count the bytes @moq/lite's stream Reader copies (moq-lite-receive,
// guard-gather): frames built by hand, handed over in transport-sized pieces, and a copy counter.

/** The size qmux hands group-stream data over in (docs/PERFORMANCE.md). */
export const PIECE = 16_360;
export const MiB = 1024 * 1024;

export function quicVarint(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** `bytes` in pieces of `piece` bytes (views, no copies). */
export function piecewise(bytes: Uint8Array, piece = PIECE): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + piece));
      at += piece;
    },
  });
}

/** `payloads` as length-prefixed frames, after `prefix` (e.g. a GROUP stream's type and header). */
export function frames(payloads: Uint8Array[], prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Uint8Array(Buffer.concat([prefix, ...payloads.flatMap((p) => [quicVarint(p.length), p])]));
}

export class CopyLimitExceeded extends Error {}

const realSet = Uint8Array.prototype.set;
/**
 * Counts the bytes copied by Uint8Array#set (how the Reader joins pieces) while `run` runs, and
 * throws CopyLimitExceeded from inside the copy once they pass `limit`.
 */
export async function countCopies<T>(limit: number, run: () => Promise<T>): Promise<{ result: T; copied: number }> {
  let copied = 0;
  Uint8Array.prototype.set = function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
    copied += src.length;
    if (copied > limit) throw new CopyLimitExceeded(`copied ${copied} bytes, more than ${limit}`);
    return realSet.call(this, src, offset);
  } as typeof realSet;
  try {
    return { result: await run(), copied };
  } finally {
    Uint8Array.prototype.set = realSet;
  }
}

/** Puts Uint8Array#set back (for an afterEach, should a test have thrown past countCopies). */
export function restoreSet(): void {
  Uint8Array.prototype.set = realSet;
}
