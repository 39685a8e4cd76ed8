/** Small byte helpers shared by both backends. */

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of `s`, or `undefined` when `s` holds a lone surrogate. TextEncoder would turn
 * every lone surrogate into U+FFFD, so two different strings would map to the same bytes (the
 * same key, the same associated data); refusing them keeps the string -> bytes map injective.
 */
export function utf8Strict(s: string): Uint8Array | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return undefined;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return undefined;
    }
  }
  return encoder.encode(s);
}

/**
 * Compares two byte strings in time that depends only on their lengths, so a forger cannot learn
 * how many leading bytes of a synthetic IV they guessed right.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True for any `Uint8Array`, including Node `Buffer`s and arrays from another realm. */
export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array || (ArrayBuffer.isView(x) && x.constructor?.name === "Uint8Array");
}

/** Whether two views overlap in one buffer. */
export function sharesMemory(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
