import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveStreamKey, openChunk, sealChunk } from "../src/index.js";
import { BACKENDS, expectChunkError, fromHex, hex } from "./helpers.js";
import { buildVectors, VECTOR_FILE, type VectorFile } from "./vectors/generate.js";
import { referenceChaCha20, type VectorSecret } from "./vectors/reference.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { createCipheriv } from "node:crypto";

const file = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as VectorFile;

/** The API takes a string secret as-is and bytes as bytes; exercise both forms. */
function apiSecret(secret: VectorSecret): string | Uint8Array | undefined {
  if (secret === null) return undefined;
  return "utf8" in secret ? secret.utf8 : fromHex(secret.hex);
}

describe("shared test vectors", () => {
  it("the committed JSON is exactly what the independent reference generates", () => {
    expect(file).toEqual(buildVectors());
    expect(file.valid.length).toBeGreaterThanOrEqual(10);
    expect(file.invalid.length).toBeGreaterThanOrEqual(18);
  });

  for (const backend of BACKENDS) {
    describe(`${backend} backend`, () => {
      for (const v of file.valid) {
        it(`seals and opens: ${v.name}`, () => {
          const key = deriveStreamKey({ streamId: v.streamId, secret: apiSecret(v.secret), backend });
          expect(key.backend).toBe(backend);
          const ctx = { streamId: v.streamId, epoch: v.epoch, seq: v.seq };
          expect(hex(sealChunk(key, ctx, fromHex(v.plaintext)))).toBe(v.object);
          expect(hex(openChunk(key, ctx, fromHex(v.object)))).toBe(v.plaintext);
        });
      }
      for (const v of file.invalid) {
        it(`refuses with ${v.error}: ${v.name}`, () => {
          const key = deriveStreamKey({ streamId: v.streamId, secret: apiSecret(v.secret), backend });
          const ctx = { streamId: v.streamId, epoch: v.epoch, seq: v.seq };
          expectChunkError(() => openChunk(key, ctx, fromHex(v.object)), v.error);
        });
      }
    });
  }

  it("identical chunks at another seq or epoch give unrelated objects", () => {
    const [a, b, c] = [file.valid[2]!, file.valid[3]!, file.valid[4]!];
    expect(a.plaintext).toBe(b.plaintext);
    expect(a.plaintext).toBe(c.plaintext);
    expect(new Set([a.tag, b.tag, c.tag]).size).toBe(3);
    expect(new Set([a.object, b.object, c.object]).size).toBe(3);
  });

  it("the reference ChaCha20 is RFC 8439 ChaCha20: from block 1 it equals the RFC 8439 AEAD ciphertext", () => {
    const key = Buffer.from(file.valid[5]!.encKey, "hex");
    const nonce = Buffer.from(file.valid[5]!.tag, "hex").subarray(0, 12);
    const data = Buffer.from(file.valid[9]!.plaintext, "hex");
    const fromBlock1 = hex(referenceChaCha20(key, nonce, data, 1));
    const openssl = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
    expect(hex(openssl.update(data))).toBe(fromBlock1);
    expect(hex(chacha20poly1305(key, nonce).encrypt(data).subarray(0, data.length))).toBe(fromBlock1);
    // Counter 0 is the same keystream one 64-byte block earlier.
    const zeros = Buffer.alloc(256);
    expect(hex(referenceChaCha20(key, nonce, zeros, 0)).slice(128)).toBe(hex(referenceChaCha20(key, nonce, zeros, 1)).slice(0, -128));
  });

  it("a string secret is the same key as its UTF-8 bytes", () => {
    const v = file.valid[2]!;
    const ctx = { streamId: v.streamId, epoch: v.epoch, seq: v.seq };
    const secret = (v.secret as { utf8: string }).utf8;
    const asBytes = deriveStreamKey({ streamId: v.streamId, secret: new TextEncoder().encode(secret) });
    expect(hex(sealChunk(asBytes, ctx, fromHex(v.plaintext)))).toBe(v.object);
  });
});
