/**
 * In-band identity proof: how a dialer that cannot read WebSocket response headers (a browser)
 * checks who it is talking to. After moq-lite SETUP the dialer subscribes to track
 * `identity?c=<64 lowercase hex: 32 random bytes>` of the reserved broadcast `ec-node` (outside the
 * `ec/<streamId>` namespace, so no stream can collide with it). The node answers with one group
 * (sequence 0) holding one frame of exactly 96 bytes: its Ed25519 public key (32) || its signature
 * (64) over the same domain-separated message the header scheme signs (identity.ts
 * `identityMessage`). See docs/protocol/transport.md "Identity in-band".
 */
import { fromHex, toHex } from "./hex.js";
import { CHALLENGE_BYTES, bytesEqual, verifyChallenge } from "./identity.js";

/** The reserved broadcast path every node publishes on every session. */
export const IDENTITY_BROADCAST = "ec-node";
/** The track name prefix; the challenge follows as `?c=<hex>`. */
export const IDENTITY_TRACK = "identity";
/** Bytes of the answer frame: public key (32) || signature (64). */
export const IDENTITY_PROOF_BYTES = 96;

const NAME = /^identity\?c=([0-9a-f]{64})$/;

/** The track name carrying `challenge`. */
export function identityTrackName(challenge: Uint8Array): string {
  return `${IDENTITY_TRACK}?c=${toHex(challenge)}`;
}

/** The challenge in a track name, or undefined when the name is not a well-formed identity request. */
export function parseIdentityTrackName(name: string): Uint8Array | undefined {
  const m = NAME.exec(name);
  return m ? fromHex(m[1]!, CHALLENGE_BYTES) : undefined;
}

/** The answer frame: `publicKey || signature`. */
export function encodeIdentityProof(publicKey: Uint8Array, signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(IDENTITY_PROOF_BYTES);
  out.set(publicKey, 0);
  out.set(signature, 32);
  return out;
}

/**
 * Checks an answer frame against the key the dialer pinned and the challenge it sent.
 * Returns undefined when it proves `expected`, else one line saying what is wrong.
 */
export function identityProofProblem(frame: Uint8Array, expected: Uint8Array, challenge: Uint8Array): string | undefined {
  if (frame.length !== IDENTITY_PROOF_BYTES) return `malformed identity proof (${frame.length} bytes, expected ${IDENTITY_PROOF_BYTES})`;
  const key = frame.subarray(0, 32);
  const sig = frame.subarray(32);
  if (!bytesEqual(key, expected)) return "it presents a different public key than the endpoint address";
  if (!verifyChallenge(key, challenge, sig)) return "bad signature over our challenge";
  return undefined;
}
