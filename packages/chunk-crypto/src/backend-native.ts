import type * as NodeCrypto from "node:crypto";
import type { CryptoBackend } from "./backend.js";
import { portableBackend } from "./backend-portable.js";
import { constantTimeEqual, sharesMemory } from "./bytes.js";

type NodeCryptoModule = typeof NodeCrypto;

/**
 * `node:crypto` without a static `node:` import, so this file (and the package) loads unchanged
 * in a browser. `process.getBuiltinModule` exists from Node 20.16 (and in Deno and Bun).
 */
function nodeCrypto(): NodeCryptoModule | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return undefined;
  try {
    const mod = proc.getBuiltinModule("node:crypto") as NodeCryptoModule | undefined;
    if (typeof mod?.createCipheriv !== "function") return undefined;
    if (!mod.getCiphers().includes("chacha20")) return undefined;
    return mod;
  } catch {
    return undefined;
  }
}

/**
 * Node's cipher output as a plain `Uint8Array` that owns its memory. When the Buffer is a slice
 * of a larger (pooled) allocation, copy it out and wipe the original bytes.
 */
function owned(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) {
    return new Uint8Array(buf.buffer, 0, buf.byteLength);
  }
  const copy = new Uint8Array(buf);
  buf.fill(0);
  return copy;
}

/**
 * Bytes per cipher call when writing into a given output. Node returns each call's output in a
 * fresh allocation: one call over a 2 MB chunk gets fresh pages from the kernel (page faults)
 * only to be copied into the output, which has its own; 64 KiB pieces come from the allocator's
 * reused heap (about three times faster for a 2 MB seal). ChaCha20 is a stream cipher, so
 * consecutive calls give exactly the bytes of one call. Without an output, one call's fresh
 * result is the answer itself, so it stays one call.
 */
const PIECE_BYTES = 64 * 1024;

function createNativeBackend(c: NodeCryptoModule): CryptoBackend {
  return {
    name: "native",

    hkdfSha256(ikm, salt, info, length) {
      return new Uint8Array(c.hkdfSync("sha256", ikm, salt, info, length));
    },

    hmacSha256(key, a, b) {
      return c.createHmac("sha256", key).update(a).update(b).digest();
    },

    chacha20(key, nonce, input, output) {
      // OpenSSL's "chacha20" takes a 16-byte IV: the block counter (little-endian) then the
      // nonce. Counter 0 and inputs under 2^32 blocks make it exactly RFC 8439 ChaCha20.
      const iv = new Uint8Array(16);
      iv.set(nonce, 4);
      const cipher = c.createCipheriv("chacha20", key, iv);
      if (output === undefined) return owned(cipher.update(input));
      // Writing piece by piece into an output that overlaps the input elsewhere than exactly
      // would overwrite input not yet read: such an output gets the whole result at the end.
      if (sharesMemory(input, output) && !(input.buffer === output.buffer && input.byteOffset === output.byteOffset)) {
        const whole = cipher.update(input);
        output.set(whole);
        whole.fill(0);
        return output;
      }
      for (let at = 0; at < input.length; at += PIECE_BYTES) {
        const piece = cipher.update(input.subarray(at, at + PIECE_BYTES));
        output.set(piece, at);
        piece.fill(0); // a decryption's pieces are plaintext: leave no copy behind in freed memory
      }
      return output;
    },
  };
}

/**
 * Known-answer check against the portable backend: a runtime whose `node:crypto` differs in any
 * byte (an odd polyfill, a partial port) is not used, so `auto` never changes the object bytes.
 */
function agreesWithPortable(native: CryptoBackend): boolean {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
  const data = Uint8Array.from({ length: 131 }, (_, i) => (i * 37) & 0xff);
  const same = constantTimeEqual;
  return (
    same(native.hkdfSha256(key, nonce, data, 32), portableBackend.hkdfSha256(key, nonce, data, 32)) &&
    same(native.hmacSha256(key, nonce, data), portableBackend.hmacSha256(key, nonce, data)) &&
    same(native.chacha20(key, nonce, data), portableBackend.chacha20(key, nonce, data)) &&
    same(native.chacha20(key, nonce, data, new Uint8Array(data.length)), portableBackend.chacha20(key, nonce, data))
  );
}

let cached: CryptoBackend | null | undefined;

/** The `node:crypto` backend, or `null` where it is missing or fails its self-test. Memoized. */
export function nativeBackend(): CryptoBackend | null {
  if (cached === undefined) {
    cached = null;
    const c = nodeCrypto();
    try {
      const candidate = c && createNativeBackend(c);
      if (candidate && agreesWithPortable(candidate)) cached = candidate;
    } catch {
      // A node:crypto that throws on these calls is as unusable as a missing one.
    }
  }
  return cached;
}
