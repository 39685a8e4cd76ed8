import { describe, expect, it } from "vitest";
import {
  ChunkCryptoError,
  deriveStreamKey,
  MAX_CHUNK_BYTES,
  MAX_OBJECT_BYTES,
  OBJECT_OVERHEAD_BYTES,
  openChunk,
  sealChunk,
  type StreamKey,
} from "../src/index.js";
import { TAG_BYTES } from "../src/constants.js";
import { BACKENDS, expectChunkError, hex } from "./helpers.js";

const ctx = { streamId: "wcbd-hd", epoch: "e1", seq: 7 };
const chunk = Uint8Array.from({ length: 10 * 188 }, (_, i) => (i * 131 + 7) & 0xff);

for (const backend of BACKENDS) {
  describe(`bad input, ${backend} backend`, () => {
    const key = deriveStreamKey({ streamId: ctx.streamId, secret: "s3cret-for-tests", backend });
    const object = sealChunk(key, ctx, chunk);

    it("wrong secret, no secret, or another stream's key: auth-failed", () => {
      for (const other of [
        deriveStreamKey({ streamId: ctx.streamId, secret: "s3cret-for-tesTs", backend }),
        deriveStreamKey({ streamId: ctx.streamId, backend }),
      ]) {
        expectChunkError(() => openChunk(other, ctx, object), "auth-failed");
      }
      const otherStream = deriveStreamKey({ streamId: "wcbd-sd", secret: "s3cret-for-tests", backend });
      expectChunkError(() => openChunk(otherStream, { ...ctx, streamId: "wcbd-sd" }, object), "auth-failed");
    });

    it("replayed at another seq or epoch: auth-failed", () => {
      for (const seq of [0, 6, 8, 7 + 2 ** 32, Number.MAX_SAFE_INTEGER]) {
        expectChunkError(() => openChunk(key, { ...ctx, seq }, object), "auth-failed");
      }
      for (const epoch of ["e2", "E1", "e1.", "e10"]) {
        expectChunkError(() => openChunk(key, { ...ctx, epoch }, object), "auth-failed");
      }
    });

    it("every single-bit flip in tag or ciphertext: auth-failed", () => {
      const small = sealChunk(key, ctx, chunk.subarray(0, 24));
      for (let byte = 1; byte < small.length; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const bad = Uint8Array.from(small);
          bad[byte]! ^= 1 << bit;
          expectChunkError(() => openChunk(key, ctx, bad), "auth-failed");
        }
      }
      // The 2 KiB object too, at a spread of positions.
      for (let byte = 1; byte < object.length; byte += 97) {
        const bad = Uint8Array.from(object);
        bad[byte]! ^= 0x80;
        expectChunkError(() => openChunk(key, ctx, bad), "auth-failed");
      }
    });

    it("every truncation: truncated below the 17-byte header, auth-failed above it", () => {
      const small = sealChunk(key, ctx, chunk.subarray(0, 40));
      expectChunkError(() => openChunk(key, ctx, new Uint8Array(0)), "truncated");
      for (let len = 1; len < small.length; len++) {
        const cut = small.subarray(0, len);
        expectChunkError(() => openChunk(key, ctx, cut), len < OBJECT_OVERHEAD_BYTES ? "truncated" : "auth-failed");
      }
      expect(hex(openChunk(key, ctx, small))).toBe(hex(chunk.subarray(0, 40)));
    });

    it("extended or spliced objects: auth-failed", () => {
      expectChunkError(() => openChunk(key, ctx, Uint8Array.from([...object, 0])), "auth-failed");
      const other = sealChunk(key, { ...ctx, seq: 8 }, chunk);
      const otherTag = Uint8Array.from(object);
      otherTag.set(other.subarray(1, 17), 1); // tag of the same chunk sealed at another seq
      expectChunkError(() => openChunk(key, ctx, otherTag), "auth-failed");
      const otherBody = Uint8Array.from(other);
      otherBody.set(object.subarray(1, 17), 1); // our tag on the other object's ciphertext
      expectChunkError(() => openChunk(key, ctx, otherBody), "auth-failed");
    });

    it("any version byte but 0x01: unsupported-version", () => {
      for (let v = 0; v < 256; v++) {
        if (v === 1) continue;
        const bad = Uint8Array.from(object);
        bad[0] = v;
        const err = expectChunkError(() => openChunk(key, ctx, bad), "unsupported-version");
        expect(err.message).toContain(String(v));
      }
      // Version is reported even when the rest is too short to be an object.
      expectChunkError(() => openChunk(key, ctx, Uint8Array.of(2, 0, 0)), "unsupported-version");
    });

    it("oversize: seal refuses MAX_CHUNK_BYTES + 1, open refuses MAX_OBJECT_BYTES + 1", () => {
      expectChunkError(() => sealChunk(key, ctx, new Uint8Array(MAX_CHUNK_BYTES + 1)), "oversize");
      const huge = new Uint8Array(MAX_OBJECT_BYTES + 1);
      huge[0] = 1;
      expectChunkError(() => openChunk(key, ctx, huge), "oversize");
    });

    it("a maximum-size chunk still seals and opens", () => {
      const max = new Uint8Array(MAX_CHUNK_BYTES).fill(0x47);
      const sealed = sealChunk(key, ctx, max);
      expect(sealed.length).toBe(MAX_OBJECT_BYTES);
      const opened = openChunk(key, ctx, sealed);
      expect(opened.length).toBe(MAX_CHUNK_BYTES);
      expect(opened.every((b) => b === 0x47)).toBe(true);
    });

    it("malformed context: bad-context, on seal and open alike", () => {
      const bad: unknown[] = [
        { ...ctx, epoch: "" },
        { ...ctx, epoch: "x".repeat(65) },
        { ...ctx, epoch: "e 1" },
        { ...ctx, epoch: "é" },
        { ...ctx, epoch: 1 },
        { ...ctx, seq: -1 },
        { ...ctx, seq: 1.5 },
        { ...ctx, seq: Number.MAX_SAFE_INTEGER + 1 },
        { ...ctx, seq: Number.NaN },
        { ...ctx, seq: "7" },
        { ...ctx, streamId: "wcbd-sd" }, // differs from the key's stream
        { epoch: "e1", seq: 7 },
        null,
        "wcbd-hd",
      ];
      for (const c of bad) {
        expectChunkError(() => sealChunk(key, c as typeof ctx, chunk), "bad-context");
        expectChunkError(() => openChunk(key, c as typeof ctx, object), "bad-context");
      }
    });

    it("non-bytes plaintext or object: bad-input", () => {
      for (const x of ["abc", [1, 2, 3], null, undefined, new Uint16Array(4), 42]) {
        expectChunkError(() => sealChunk(key, ctx, x as unknown as Uint8Array), "bad-input");
        expectChunkError(() => openChunk(key, ctx, x as unknown as Uint8Array), "bad-input");
      }
    });
  });
}

describe("bad keys and options", () => {
  it("anything but a derived StreamKey: bad-key", () => {
    const real = deriveStreamKey({ streamId: "wcbd-hd" });
    const fakes: unknown[] = [null, undefined, {}, { ...real }, JSON.parse(JSON.stringify(real)), structuredClone(real), new Uint8Array(32)];
    for (const fake of fakes) {
      expectChunkError(() => sealChunk(fake as StreamKey, ctx, chunk), "bad-key");
      expectChunkError(() => openChunk(fake as StreamKey, ctx, new Uint8Array(40)), "bad-key");
    }
  });

  it("empty or malformed secrets: bad-key", () => {
    for (const secret of ["", new Uint8Array(0), "\ud800", "a\udc00b", 42, {}]) {
      expectChunkError(() => deriveStreamKey({ streamId: "wcbd-hd", secret: secret as string }), "bad-key");
    }
  });

  it("malformed stream ids: bad-context", () => {
    for (const streamId of ["", "s".repeat(129), "é".repeat(10), "\ud83d", "a b", "-tv", "a/b", 7, null]) {
      expectChunkError(() => deriveStreamKey({ streamId: streamId as string }), "bad-context");
    }
    expect(deriveStreamKey({ streamId: "s".repeat(128) }).streamId.length).toBe(128);
    expectChunkError(() => deriveStreamKey(null as never), "bad-context");
  });

  it("the object framing is the overhead the shared size rules assume", () => {
    expect(1 + TAG_BYTES).toBe(OBJECT_OVERHEAD_BYTES);
  });

  it("unknown backend name: bad-key", () => {
    expectChunkError(() => deriveStreamKey({ streamId: "x", backend: "webcrypto" as never }), "bad-key");
  });

  it("errors never carry the secret, key bytes or plaintext", () => {
    const secret = "hunter2-very-secret-stream-password";
    const key = deriveStreamKey({ streamId: "wcbd-hd", secret });
    const object = sealChunk(key, ctx, chunk);
    const errors: ChunkCryptoError[] = [
      expectChunkError(() => openChunk(key, { ...ctx, seq: 8 }, object), "auth-failed"),
      expectChunkError(() => openChunk(deriveStreamKey({ streamId: "wcbd-hd", secret: "x" }), ctx, object), "auth-failed"),
      expectChunkError(() => deriveStreamKey({ streamId: "wcbd-hd", secret: secret + "\ud800" }), "bad-key"),
    ];
    for (const err of errors) {
      const text = `${err.message}\n${err.stack ?? ""}\n${JSON.stringify(err)}`;
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain(hex(chunk.subarray(0, 8)));
    }
  });
});
