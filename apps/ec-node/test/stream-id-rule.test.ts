/**
 * One stream-id rule, enforced identically everywhere (issue 15): every vector of
 * packages/stream-rules/test/vectors/rules.json is put through each place a stream id enters the
 * system — signing and decoding a manifest, deriving the chunk key, naming a moq-lite broadcast,
 * and the `ec-node --stream-id` flag (a real process) — and each must accept exactly the valid
 * ids and refuse every invalid one, with its own typed error.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeManifest, generateSigningKey, ManifestError, signManifest } from "@ec/manifest";
import { ChunkCryptoError, deriveStreamKey } from "@ec/chunk-crypto";
import { assertStreamId as transportAssert, broadcastPath, TransportError } from "@ec/moq-transport";
import { isStreamId, StreamRuleError, assertStreamId } from "@ec/stream-rules";
import { runCli } from "./cli-harness.js";

const VECTORS = JSON.parse(readFileSync(fileURLToPath(new URL("../../../packages/stream-rules/test/vectors/rules.json", import.meta.url)), "utf8")) as {
  streamIds: { valid: string[]; invalid: string[] };
};
const ALL = [...VECTORS.streamIds.valid.map((id) => ({ id, valid: true })), ...VECTORS.streamIds.invalid.map((id) => ({ id, valid: false }))];
const KEY = generateSigningKey();
const SIZE = 188;

function manifestBody(streamId: string) {
  const now = Date.now();
  return {
    streamId,
    epoch: "e1",
    seq: 0,
    prevHash: new Uint8Array(32),
    issuedAtMs: now,
    expiresAtMs: now + 60_000,
    entries: [{ seq: 0, objectHash: new Uint8Array(32).fill(7), objectSize: SIZE, firstPts: 0, durationTicks: 180_000 }],
  };
}

/** A signed manifest whose stream-id field holds `id`'s UTF-8 bytes (spliced in after signing "x"). */
function manifestBytesWithStreamId(id: string): Uint8Array {
  const base = signManifest(manifestBody("x"), KEY).bytes;
  const idBytes = new TextEncoder().encode(id);
  // magic(4) version(1) hashAlg(1) streamIdLen(1) streamId(len) …
  const out = new Uint8Array(base.length - 1 + idBytes.length);
  out.set(base.subarray(0, 6), 0);
  out[6] = idBytes.length & 0xff;
  out.set(idBytes, 7);
  out.set(base.subarray(8), 7 + idBytes.length);
  return out;
}

/** What a check did: "ok" or the typed error's code (a non-typed throw fails the test). */
function outcome(check: () => unknown, type: new (...a: never[]) => Error & { code: string }): string {
  try {
    check();
    return "ok";
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(type);
    return (err as { code: string }).code;
  }
}

describe("one stream-id rule in every package (vectors: packages/stream-rules/test/vectors/rules.json)", () => {
  it("the vectors hold valid and invalid ids, and @ec/stream-rules agrees with them", () => {
    expect(VECTORS.streamIds.valid.length).toBeGreaterThan(3);
    expect(VECTORS.streamIds.invalid.length).toBeGreaterThan(3);
    for (const { id, valid } of ALL) {
      expect(isStreamId(id), JSON.stringify(id)).toBe(valid);
      expect(outcome(() => assertStreamId(id), StreamRuleError), JSON.stringify(id)).toBe(valid ? "ok" : "bad-stream-id");
    }
  });

  it.each(ALL)("$id (valid: $valid): manifest sign/decode, chunk key, broadcast path agree", ({ id, valid }) => {
    const shown = JSON.stringify(id);
    // @ec/manifest: signing refuses it, and a manifest carrying it on the wire does not decode.
    expect(outcome(() => signManifest(manifestBody(id), KEY), ManifestError) === "ok", `sign ${shown}`).toBe(valid);
    if (valid) expect(decodeManifest(signManifest(manifestBody(id), KEY).bytes).streamId).toBe(id);
    const decoded = outcome(() => decodeManifest(manifestBytesWithStreamId(id)), ManifestError);
    if (valid) expect(decoded, `decode ${shown}`).not.toBe("invalid-field");
    else expect(decoded, `decode ${shown}`).toBe("invalid-field");
    // @ec/chunk-crypto: no key for an invalid stream id.
    expect(outcome(() => deriveStreamKey({ streamId: id }), ChunkCryptoError), `key ${shown}`).toBe(valid ? "ok" : "bad-context");
    // @ec/moq-transport: converted once to its own error code.
    expect(outcome(() => transportAssert(id), TransportError), `transport ${shown}`).toBe(valid ? "ok" : "bad-stream-id");
    expect(outcome(() => broadcastPath(id), TransportError), `path ${shown}`).toBe(valid ? "ok" : "bad-stream-id");
    if (valid) expect(broadcastPath(id)).toBe(`ec/${id}`);
  });

  // A NUL cannot travel in an argv string (the OS ends the argument there): those vectors stay library-only.
  const CLI_CASES = ALL.filter(({ id }) => !id.includes("\u0000"));
  it.each(CLI_CASES)("ec-node --stream-id=$id (valid: $valid): exit 2 naming --stream-id exactly when invalid", async ({ id, valid }) => {
    // Every flag is checked before anything starts; --backfill 0 is checked after --stream-id, so a
    // valid id gets that error instead and nothing runs.
    const r = await runCli(["moq-subscribe", "--remote", "127.0.0.1:9", "--insecure-remote", `--stream-id=${id}`, "--hls-dir", "/nonexistent/never", "--backfill", "0"], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    if (valid) expect(r.stderr).toMatch(/--backfill must be >= 1/);
    else expect(r.stderr).toMatch(/--stream-id/);
  }, 40_000);
});
