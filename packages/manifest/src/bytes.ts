import { ManifestError } from "./errors.js";

/** Raw bytes. Every byte-valued field in this package is a plain `Uint8Array`. */
export type Bytes = Uint8Array;

const U32 = 2 ** 32;

/** Whether `x` is a Uint8Array (Node Buffers included). */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/**
 * Compares two byte strings in time that depends only on their lengths, so comparing a
 * computed hash or signature against an attacker's guess leaks nothing about where they differ.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * A plain Uint8Array copy. Not `.slice()`: on a Node Buffer that returns a view sharing memory.
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Concatenates byte strings into a fresh array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const HEX = "0123456789abcdef";

/** Lowercase hex. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/**
 * Strict hex decoding: even length, only `[0-9a-fA-F]`, optionally an exact expected length.
 * The message names `what` but never echoes the input (it may be a secret).
 */
export function hexToBytes(hex: string, what: string, expectedBytes?: number): Uint8Array {
  if (typeof hex !== "string") throw new ManifestError("invalid-hex", `${what} must be a hex string`);
  if (hex.length % 2 !== 0) throw new ManifestError("invalid-hex", `${what} has an odd number of hex digits`);
  if (expectedBytes !== undefined && hex.length !== expectedBytes * 2) {
    throw new ManifestError("invalid-hex", `${what} must be ${expectedBytes * 2} hex digits, got ${hex.length}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new ManifestError("invalid-hex", `${what} contains a non-hex character`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Whether `n` is an integer in `0 ..= max`. */
export function isUint(n: unknown, max: number): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= max;
}

/** Writes `n` (a safe non-negative integer) as a big-endian u64. */
export function writeU64(view: DataView, offset: number, n: number): void {
  view.setUint32(offset, Math.floor(n / U32));
  view.setUint32(offset + 4, n >>> 0);
}

/** Reads a big-endian u64, or `undefined` when it exceeds `Number.MAX_SAFE_INTEGER`. */
export function readU64(view: DataView, offset: number): number | undefined {
  const hi = view.getUint32(offset);
  const lo = view.getUint32(offset + 4);
  // 2^53 - 1 has a high word of 2^21 - 1.
  if (hi > 0x1f_ffff) return undefined;
  return hi * U32 + lo;
}
