/**
 * A second, independent implementation of chunk object format v1, written from
 * docs/protocol/chunk-crypto.md with node:crypto alone and sharing no code with src/. The test
 * vectors are generated from it, so they check the package against the spec, not against itself.
 */
import { createCipheriv, createHmac, hkdfSync } from "node:crypto";

const label = (s: string) => Buffer.from(s, "ascii");

/** A stream secret as in the vectors: none, a UTF-8 string, or raw bytes. */
export type VectorSecret = null | { utf8: string } | { hex: string };

export function secretBytes(secret: VectorSecret): Buffer {
  if (secret === null) return Buffer.alloc(0);
  return "utf8" in secret ? Buffer.from(secret.utf8, "utf8") : Buffer.from(secret.hex, "hex");
}

export function referenceKeys(streamId: string, secret: VectorSecret): { encKey: Buffer; macKey: Buffer } {
  const id = Buffer.from(streamId, "utf8");
  const salt = label("every.channel/chunk-crypto/v1/hkdf-salt");
  const expand = (name: string) =>
    Buffer.from(hkdfSync("sha256", secretBytes(secret), salt, Buffer.concat([label(name), Buffer.from([id.length]), id]), 32));
  return {
    encKey: expand("every.channel/chunk-crypto/v1/enc-key"),
    macKey: expand("every.channel/chunk-crypto/v1/mac-key"),
  };
}

export function referenceAd(streamId: string, epoch: string, seq: number): Buffer {
  const id = Buffer.from(streamId, "utf8");
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  return Buffer.concat([
    label("every.channel/chunk-crypto/v1/ad"),
    Buffer.from([1, id.length]),
    id,
    Buffer.from([epoch.length]),
    label(epoch),
    seqBytes,
  ]);
}

/** RFC 8439 ChaCha20 from block `counter` (OpenSSL's 16-byte IV = counter LE || nonce). */
export function referenceChaCha20(key: Buffer, nonce: Buffer, data: Buffer, counter = 0): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  nonce.copy(iv, 4);
  const cipher = createCipheriv("chacha20", key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

export function referenceTag(macKey: Buffer, ad: Buffer, plaintext: Buffer): Buffer {
  return createHmac("sha256", macKey).update(Buffer.concat([ad, plaintext])).digest().subarray(0, 16);
}

/** `0x01 || tag || plaintext XOR ChaCha20(encKey, tag[0..12])`, for any tag (also wrong ones). */
export function referenceObject(encKey: Buffer, tag: Buffer, plaintext: Buffer, counter = 0): Buffer {
  return Buffer.concat([Buffer.from([1]), tag, referenceChaCha20(encKey, tag.subarray(0, 12), plaintext, counter)]);
}

export interface ReferenceSealed {
  encKey: Buffer;
  macKey: Buffer;
  ad: Buffer;
  tag: Buffer;
  object: Buffer;
}

export function referenceSeal(
  streamId: string,
  secret: VectorSecret,
  epoch: string,
  seq: number,
  plaintext: Buffer,
): ReferenceSealed {
  const { encKey, macKey } = referenceKeys(streamId, secret);
  const ad = referenceAd(streamId, epoch, seq);
  const tag = referenceTag(macKey, ad, plaintext);
  return { encKey, macKey, ad, tag, object: referenceObject(encKey, tag, plaintext) };
}
