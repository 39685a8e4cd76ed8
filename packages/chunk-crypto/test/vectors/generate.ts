/**
 * Builds the shared test vectors from the independent reference implementation.
 * Regenerate with `pnpm tsx packages/chunk-crypto/test/vectors/generate.ts` (from the repo root);
 * vectors.test.ts fails if the committed JSON and this builder ever disagree.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createHash, createHmac } from "node:crypto";
import { referenceKeys, referenceObject, referenceSeal, referenceTag, type VectorSecret } from "./reference.js";

export interface ValidVector {
  name: string;
  streamId: string;
  secret: VectorSecret;
  epoch: string;
  seq: number;
  plaintext: string;
  /** Intermediate values, for implementers debugging their own port. */
  encKey: string;
  macKey: string;
  ad: string;
  tag: string;
  object: string;
}

export interface InvalidVector {
  name: string;
  streamId: string;
  secret: VectorSecret;
  epoch: string;
  seq: number;
  object: string;
  /** The ChunkCryptoError code openChunk must throw. */
  error: "auth-failed" | "truncated" | "unsupported-version";
}

export interface VectorFile {
  format: string;
  description: string;
  valid: ValidVector[];
  invalid: InvalidVector[];
}

/** Deterministic filler: SHA-256(seed || u32be counter) blocks, concatenated. */
function filler(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < length; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    blocks.push(createHash("sha256").update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Filler shaped like MPEG-TS: 188-byte packets that start with the 0x47 sync byte. */
function tsPackets(seed: string, packets: number): Buffer {
  const out = filler(seed, packets * 188);
  for (let p = 0; p < packets; p++) out[p * 188] = 0x47;
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const flip = (b: Buffer, byte: number, bit = 0) => {
  const out = Buffer.from(b);
  out[byte]! ^= 1 << bit;
  return out;
};

export function buildVectors(): VectorFile {
  const secretHex: VectorSecret = { hex: filler("secret", 32).toString("hex") };
  const inputs: Array<Omit<ValidVector, "encKey" | "macKey" | "ad" | "tag" | "object">> = [
    { name: "empty chunk, no secret", streamId: "wcbd-hd", secret: null, epoch: "e1", seq: 0, plaintext: "" },
    { name: "one byte, no secret", streamId: "wcbd-hd", secret: null, epoch: "e1", seq: 1, plaintext: "47" },
    { name: "seven TS packets, string secret", streamId: "wcbd-hd", secret: { utf8: "correct horse battery staple" }, epoch: "e1", seq: 2, plaintext: hex(tsPackets("ts", 7)) },
    { name: "same chunk at the next seq", streamId: "wcbd-hd", secret: { utf8: "correct horse battery staple" }, epoch: "e1", seq: 3, plaintext: hex(tsPackets("ts", 7)) },
    { name: "same chunk in another epoch", streamId: "wcbd-hd", secret: { utf8: "correct horse battery staple" }, epoch: "e2", seq: 2, plaintext: hex(tsPackets("ts", 7)) },
    { name: "64 bytes, 32-byte binary secret", streamId: "hdhr-1234ABCD-5.1", secret: secretHex, epoch: "2025-11-25T14.00Z_a", seq: 7, plaintext: hex(filler("64", 64)) },
    { name: "seq 2^32 (high word used)", streamId: "hdhr-1234ABCD-5.1", secret: secretHex, epoch: "e1", seq: 2 ** 32, plaintext: hex(filler("hi", 65)) },
    { name: "largest seq, longest epoch", streamId: "wcbd-hd", secret: null, epoch: "A".repeat(32) + "z9._-".repeat(6) + "0a", seq: Number.MAX_SAFE_INTEGER, plaintext: hex(filler("max", 100)) },
    { name: "stream id of every allowed kind of character", streamId: "Strome-9.tv_x", secret: { utf8: "geheimnis-ß" }, epoch: "e1", seq: 42, plaintext: hex(filler("utf8", 300)) },
    { name: "128-character stream id, 4 KiB chunk", streamId: "s".repeat(128), secret: null, epoch: "e1", seq: 9, plaintext: hex(filler("4k", 4096)) },
  ];
  const valid = inputs.map((v): ValidVector => {
    const r = referenceSeal(v.streamId, v.secret, v.epoch, v.seq, Buffer.from(v.plaintext, "hex"));
    return { ...v, encKey: hex(r.encKey), macKey: hex(r.macKey), ad: hex(r.ad), tag: hex(r.tag), object: hex(r.object) };
  });

  const base = valid[2]!;
  const object = Buffer.from(base.object, "hex");
  const plaintext = Buffer.from(base.plaintext, "hex");
  const ad = Buffer.from(base.ad, "hex");
  const tag = Buffer.from(base.tag, "hex");
  const at = { streamId: base.streamId, secret: base.secret, epoch: base.epoch, seq: base.seq };
  const { encKey, macKey } = referenceKeys(base.streamId, base.secret);
  const fullMac = createHmac("sha256", macKey).update(Buffer.concat([ad, plaintext])).digest();
  const invalid: InvalidVector[] = [
    { name: "bit flipped in ciphertext", ...at, object: hex(flip(object, 100, 3)), error: "auth-failed" },
    { name: "bit flipped in tag (nonce part)", ...at, object: hex(flip(object, 1)), error: "auth-failed" },
    { name: "bit flipped in tag (last byte)", ...at, object: hex(flip(object, 16, 7)), error: "auth-failed" },
    { name: "replayed at another seq", ...at, seq: base.seq + 1, object: base.object, error: "auth-failed" },
    { name: "replayed in another epoch", ...at, epoch: "e2", object: base.object, error: "auth-failed" },
    { name: "replayed on another stream with the same secret", ...at, streamId: "wcbd-sd", object: base.object, error: "auth-failed" },
    { name: "opened with the wrong secret", ...at, secret: { utf8: "correct horse battery stapler" }, object: base.object, error: "auth-failed" },
    { name: "opened without the secret", ...at, secret: null, object: base.object, error: "auth-failed" },
    { name: "keystream from block counter 1 (the RFC 8439 AEAD convention)", ...at, object: hex(referenceObject(encKey, tag, plaintext, 1)), error: "auth-failed" },
    { name: "tag over the plaintext without the associated data", ...at, object: hex(referenceObject(encKey, referenceTag(macKey, Buffer.alloc(0), plaintext), plaintext)), error: "auth-failed" },
    { name: "tag from the last 16 bytes of the HMAC", ...at, object: hex(referenceObject(encKey, fullMac.subarray(16), plaintext)), error: "auth-failed" },
    { name: "encryption and MAC keys swapped", ...at, object: hex(referenceObject(macKey, referenceTag(encKey, ad, plaintext), plaintext)), error: "auth-failed" },
    { name: "one byte appended", ...at, object: hex(Buffer.concat([object, Buffer.from([0])])), error: "auth-failed" },
    { name: "last byte removed", ...at, object: hex(object.subarray(0, -1)), error: "auth-failed" },
    { name: "version 2", ...at, object: hex(Buffer.concat([Buffer.from([2]), object.subarray(1)])), error: "unsupported-version" },
    { name: "version 0", ...at, object: hex(Buffer.concat([Buffer.from([0]), object.subarray(1)])), error: "unsupported-version" },
    { name: "header only, one byte short", ...at, object: hex(object.subarray(0, 16)), error: "truncated" },
    { name: "empty object", ...at, object: "", error: "truncated" },
  ];

  return {
    format: "every.channel chunk object v1",
    description:
      "object = 0x01 || tag || (plaintext XOR ChaCha20(encKey, nonce = tag[0..12], counter 0)); tag = HMAC-SHA256(macKey, ad || plaintext)[0..16]. " +
      "secret: null (none), {utf8} (string secret, its UTF-8 bytes) or {hex} (raw bytes). See docs/protocol/chunk-crypto.md.",
    valid,
    invalid,
  };
}

/** Path of the committed vector file. */
export const VECTOR_FILE = fileURLToPath(new URL("./chunk-crypto-v1.json", import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(VECTOR_FILE, JSON.stringify(buildVectors(), null, 2) + "\n");
  process.stdout.write(`wrote ${VECTOR_FILE}\n`);
}
