import type { BackendChoice, BackendName, CryptoBackend } from "./backend.js";
import { resolveBackend } from "./backend-choice.js";
import { isBytes, utf8Strict } from "./bytes.js";
import { KEY_BYTES } from "./constants.js";
import { streamIdBytes } from "./context.js";
import { ChunkCryptoError } from "./errors.js";
import { HKDF_SALT, INFO_ENC_KEY, INFO_MAC_KEY } from "./labels.js";

/** What a {@link StreamKey} holds. Lives only in the module-private map below. */
export interface KeyMaterial {
  readonly streamId: string;
  readonly streamIdBytes: Uint8Array;
  readonly encKey: Uint8Array;
  readonly macKey: Uint8Array;
  readonly backend: CryptoBackend;
}

// Key bytes live here rather than on the object, so no inspect, JSON.stringify, structuredClone,
// spread or property walk of a StreamKey can ever reach them.
const material = new WeakMap<StreamKey, KeyMaterial>();

/**
 * The keys for one stream, made by {@link deriveStreamKey}. Opaque: it shows its stream id,
 * backend and whether a secret went in, never key bytes (not in `toString`, JSON or `inspect`).
 */
export class StreamKey {
  /** The stream id the key was derived for; every context used with it must match. */
  readonly streamId: string;
  /** The backend this key seals and opens with. */
  readonly backend: BackendName;
  /**
   * `true` when a stream secret went into the key. When `false`, anyone who knows the stream id
   * can derive the same key: objects are integrity-protected but not confidential.
   */
  readonly confidential: boolean;

  /** @internal Use {@link deriveStreamKey}. */
  constructor(keys: KeyMaterial, confidential: boolean) {
    this.streamId = keys.streamId;
    this.backend = keys.backend.name;
    this.confidential = confidential;
    material.set(this, keys);
    Object.freeze(this);
  }

  /** `StreamKey("wcbd-hd", native, public)`: never key bytes. */
  toString(): string {
    return `StreamKey(${JSON.stringify(this.streamId)}, ${this.backend}, ${this.confidential ? "secret" : "public"})`;
  }

  /** The same public fields as the object itself; never key bytes. */
  toJSON(): { streamId: string; backend: BackendName; confidential: boolean } {
    return { streamId: this.streamId, backend: this.backend, confidential: this.confidential };
  }
}

/** Options of {@link deriveStreamKey}. */
export interface DeriveStreamKeyOptions {
  /** The stream id (1..255 UTF-8 bytes). */
  streamId: string;
  /**
   * Optional stream secret (`--stream-secret`): raw bytes, or a string taken as its UTF-8 bytes.
   * Without it the key follows from the stream id alone. An empty secret is refused rather than
   * silently meaning "none". HKDF does not stretch: use a high-entropy secret (>= 128 bits).
   */
  secret?: Uint8Array | string;
  /** Which primitives to use; see {@link BackendChoice}. Default `auto`. */
  backend?: BackendChoice;
}

function secretBytes(secret: unknown): Uint8Array {
  if (secret === undefined) return new Uint8Array(0);
  const bytes = typeof secret === "string" ? utf8Strict(secret) : isBytes(secret) ? secret : undefined;
  if (bytes === undefined) {
    throw new ChunkCryptoError("bad-key", "stream secret must be bytes or a well-formed string");
  }
  if (bytes.length === 0) {
    throw new ChunkCryptoError("bad-key", "stream secret is empty; omit it to derive a public key");
  }
  return bytes;
}

/** `prefix || u8 length || streamId`. */
function info(prefix: Uint8Array, streamId: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + 1 + streamId.length);
  out.set(prefix, 0);
  out[prefix.length] = streamId.length;
  out.set(streamId, prefix.length + 1);
  return out;
}

/**
 * Derives the keys for one stream: two independent HKDF-SHA256 outputs (a ChaCha20-Poly1305 key
 * and an HMAC key for the synthetic IV) from the optional secret, bound to the stream id.
 * Synchronous and deterministic; throws {@link ChunkCryptoError} (`bad-context`, `bad-key`,
 * `backend-unavailable`).
 *
 * @example
 * ```ts
 * const key = deriveStreamKey({ streamId: "wcbd-hd", secret: process.env.EC_STREAM_SECRET });
 * ```
 */
export function deriveStreamKey(opts: DeriveStreamKeyOptions): StreamKey {
  if (typeof opts !== "object" || opts === null) {
    throw new ChunkCryptoError("bad-context", "deriveStreamKey needs { streamId, secret?, backend? }");
  }
  const id = streamIdBytes(opts.streamId);
  const ikm = secretBytes(opts.secret);
  const backend = resolveBackend(opts.backend);
  const keys: KeyMaterial = {
    streamId: opts.streamId,
    streamIdBytes: id,
    encKey: backend.hkdfSha256(ikm, HKDF_SALT, info(INFO_ENC_KEY, id), KEY_BYTES),
    macKey: backend.hkdfSha256(ikm, HKDF_SALT, info(INFO_MAC_KEY, id), KEY_BYTES),
    backend,
  };
  return new StreamKey(keys, ikm.length > 0);
}

/** The key material behind a {@link StreamKey}, or a `bad-key` error for anything else. */
export function keyMaterial(key: unknown): KeyMaterial {
  const keys = typeof key === "object" && key !== null ? material.get(key as StreamKey) : undefined;
  if (!keys) throw new ChunkCryptoError("bad-key", "not a StreamKey from deriveStreamKey()");
  return keys;
}
