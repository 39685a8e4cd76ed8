import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { deriveStreamKey, openChunk, sealChunk } from "../src/index.js";
import { BACKENDS, expectChunkError, hex } from "./helpers.js";
import { referenceKeys } from "./vectors/reference.js";

describe("StreamKey", () => {
  for (const backend of BACKENDS) {
    it(`never shows key bytes or the secret (${backend})`, () => {
      const secret = "open-sesame-stream-secret";
      const key = deriveStreamKey({ streamId: "wcbd-hd", secret, backend });
      const { encKey, macKey } = referenceKeys("wcbd-hd", { utf8: secret });
      const views = [
        String(key),
        `${key}`,
        JSON.stringify(key),
        JSON.stringify({ key }),
        inspect(key, { showHidden: true, depth: Infinity, getters: true }),
        JSON.stringify(Object.getOwnPropertyNames(key).map((n) => (key as unknown as Record<string, unknown>)[n])),
        JSON.stringify(structuredClone(key)),
        JSON.stringify({ ...key }),
      ];
      for (const view of views) {
        for (const forbidden of [hex(encKey), hex(macKey), hex(encKey.subarray(0, 8)), secret, Buffer.from(secret).toString("hex")]) {
          expect(view).not.toContain(forbidden);
        }
      }
      expect(String(key)).toBe(`StreamKey("wcbd-hd", ${backend}, secret)`);
      expect(JSON.parse(JSON.stringify(key))).toEqual({ streamId: "wcbd-hd", backend, confidential: true });
      expect(Object.keys(key).sort()).toEqual(["backend", "confidential", "streamId"]);
    });
  }

  it("is frozen: its stream id cannot be swapped after derivation", () => {
    const key = deriveStreamKey({ streamId: "wcbd-hd" });
    expect(Object.isFrozen(key)).toBe(true);
    expect(() => {
      (key as { streamId: string }).streamId = "other";
    }).toThrow(TypeError);
  });

  it("reports whether a secret went in", () => {
    expect(deriveStreamKey({ streamId: "a" }).confidential).toBe(false);
    expect(deriveStreamKey({ streamId: "a", secret: "x" }).confidential).toBe(true);
    expect(deriveStreamKey({ streamId: "a", secret: new Uint8Array([0]) }).confidential).toBe(true);
  });

  it("auto picks native in Node; portable and native keys interoperate", () => {
    const auto = deriveStreamKey({ streamId: "wcbd-hd", secret: "k" });
    expect(auto.backend).toBe("native");
    const portable = deriveStreamKey({ streamId: "wcbd-hd", secret: "k", backend: "portable" });
    const ctx = { streamId: "wcbd-hd", epoch: "e1", seq: 0 };
    const pt = new Uint8Array([1, 2, 3]);
    expect(hex(openChunk(portable, ctx, sealChunk(auto, ctx, pt)))).toBe("010203");
  });

  it("keys are separated by stream id and secret", () => {
    const pt = new Uint8Array(50);
    const objects = [
      ["a", undefined],
      ["b", undefined],
      ["a", "1"],
      ["a", "2"],
      ["b", "1"],
    ].map(([streamId, secret]) =>
      hex(sealChunk(deriveStreamKey({ streamId: streamId!, secret }), { streamId: streamId!, epoch: "e", seq: 0 }, pt).subarray(13)),
    );
    expect(new Set(objects).size).toBe(objects.length);
  });
});
