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
 * fresh allocation (zero-filled, then copied once more to trim it to size): one call over a 2 MB
 * chunk gets fresh pages from the kernel (page faults) only to be copied into the output, which
 * has its own; small pieces come from the allocator's heap. The pieces are garbage until the
 * next collection, and the allocator returns part of that memory to the kernel after it, so
 * smaller pieces fault less: a leader sealing 124 MB into one reused buffer took ~15K minor
 * faults with 64 KiB pieces, ~11K with 8-32 KiB (`apps/ec-node/bench/publish-cpu.mts`).
 * ChaCha20 is a stream cipher, so consecutive calls give exactly the bytes of one call.
 * Without an output, one call's fresh result is the answer itself, so it stays one call.
 */
const PIECE_BYTES = 16 * 1024;

/**
 * OpenSSL's "chacha20" takes a 16-byte IV: the 32-bit block counter (little-endian), then the
 * nonce. Counter 0 and inputs under 2^32 blocks make it exactly RFC 8439 ChaCha20.
 */
function rfc8439Iv(nonce: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(nonce, 4);
  return iv;
}

/**
 * An IV one block *before* RFC 8439's block 0 of `nonce`: counter 2^32 - 1 with the nonce's first
 * word one less. OpenSSL carries its block counter into that word (it keeps a 128-bit counter),
 * so the block after this one is exactly block 0 of `nonce`: 64 bytes run through the cipher
 * first leave every later byte with the keystream it has in RFC 8439. Whether this runtime's
 * cipher does so is checked against the portable backend before the path is used.
 */
function ivOneBlockBefore(nonce: Uint8Array): Uint8Array {
  const iv = rfc8439Iv(nonce);
  const view = new DataView(iv.buffer);
  view.setUint32(0, 0xffffffff, true);
  view.setUint32(4, (view.getUint32(4, true) - 1) >>> 0, true);
  return iv;
}

const BLOCK_BYTES = 64;

function createNativeBackend(c: NodeCryptoModule): CryptoBackend {
  return {
    name: "native",

    hkdfSha256(ikm, salt, info, length) {
      return new Uint8Array(c.hkdfSync("sha256", ikm, salt, info, length));
    },

    hmacSha256(key, a, b) {
      return c.createHmac("sha256", key).update(a).update(b).digest();
    },

    chacha20(key, nonce, input, output, secretOutput = true) {
      const cipher = c.createCipheriv("chacha20", key, rfc8439Iv(nonce));
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
        // A decryption's pieces are plaintext: leave no copy behind in freed memory.
        if (secretOutput) piece.fill(0);
      }
      return output;
    },

    chacha20WithRoom(key, nonce, input, room) {
      if (!Number.isInteger(room) || room < 0 || room > BLOCK_BYTES) throw new RangeError(`room must be 0..${BLOCK_BYTES}`);
      // One call whose output holds the result after a block's worth of lead: the input is copied
      // behind one block of zeros in a reused buffer (memory already mapped, unlike the output).
      const need = BLOCK_BYTES + input.length;
      if (staging.length < need) staging = new Uint8Array(need + (need >> 3));
      staging.set(input, BLOCK_BYTES);
      const cipher = c.createCipheriv("chacha20", key, ivOneBlockBefore(nonce));
      const out = cipher.update(staging.subarray(0, need));
      // The caller's input (the plaintext, when sealing) is not kept here beyond the call.
      staging.fill(0, BLOCK_BYTES, need);
      const start = BLOCK_BYTES - room;
      out.fill(0, 0, BLOCK_BYTES);
      return new Uint8Array(out.buffer, out.byteOffset + start, room + input.length);
    },
  };
}

/** The reused buffer `chacha20WithRoom` copies its input into (grows to the largest chunk). */
let staging = new Uint8Array(0);

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

/**
 * The same check for `chacha20WithRoom`, which leans on how OpenSSL carries its block counter:
 * around block boundaries, with a nonce whose first word is 0 (the carry wraps it) and one where
 * it is not. Where it disagrees, the backend is used without that path (sealing then copies).
 */
function roomAgreesWithPortable(native: CryptoBackend): boolean {
  if (native.chacha20WithRoom === undefined) return false;
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
  for (const first of [0, 0x01020304]) {
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => (i < 4 ? (first >>> (8 * i)) & 0xff : 0x50 + i));
    for (const n of [0, 1, 47, 63, 64, 65, 131, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 91 + n) & 0xff);
      const room = n % 2 === 0 ? 17 : 64;
      const got = native.chacha20WithRoom(key, nonce, data, room);
      if (got.length !== room + n || got.subarray(0, room).some((b) => b !== 0)) return false;
      if (!constantTimeEqual(got.subarray(room), portableBackend.chacha20(key, nonce, data))) return false;
    }
  }
  return true;
}

let cached: CryptoBackend | null | undefined;

/** The `node:crypto` backend, or `null` where it is missing or fails its self-test. Memoized. */
export function nativeBackend(): CryptoBackend | null {
  if (cached === undefined) {
    cached = null;
    const c = nodeCrypto();
    try {
      const candidate = c && createNativeBackend(c);
      if (candidate && agreesWithPortable(candidate)) {
        let roomOk = false;
        try {
          roomOk = roomAgreesWithPortable(candidate);
        } catch {
          // as if it disagreed
        }
        if (!roomOk) delete candidate.chacha20WithRoom;
        cached = candidate;
      }
    } catch {
      // A node:crypto that throws on these calls is as unusable as a missing one.
    }
  }
  return cached;
}
