import { signEd25519, verifyEd25519 } from "@ec/manifest";
import { ed25519 } from "@noble/curves/ed25519.js";
import { TransportError } from "./errors.js";

/** A node's long-term identity: an Ed25519 key pair. The public key is what peers pin. */
export interface NodeIdentity {
  /** 32-byte Ed25519 secret key (seed). Never logged, never sent. */
  secretKey: Uint8Array;
  /** 32-byte Ed25519 public key; appears in the node's EndpointAddr. */
  publicKey: Uint8Array;
}

/** Creates a fresh random identity. */
export function generateNodeIdentity(): NodeIdentity {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

/** Rebuilds an identity from a stored 32-byte secret key. */
export function nodeIdentityFromSecretKey(secretKey: Uint8Array): NodeIdentity {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new TransportError("bad-argument", "identity secret key must be 32 bytes");
  }
  return { secretKey: secretKey.slice(), publicKey: ed25519.getPublicKey(secretKey) };
}

/** Length of the dialer's challenge, in bytes. */
export const CHALLENGE_BYTES = 32;

// Domain separation: this signature can never be mistaken for a manifest or any other
// Ed25519 signature made with the same key, because no other message starts with this label.
const LABEL = new TextEncoder().encode("every.channel moq-transport identity v1\0");

/** The exact bytes the listener signs: LABEL || challenge (32) || listener public key (32). */
export function identityMessage(challenge: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(LABEL.length + CHALLENGE_BYTES + 32);
  out.set(LABEL, 0);
  out.set(challenge, LABEL.length);
  out.set(publicKey, LABEL.length + CHALLENGE_BYTES);
  return out;
}

/** Listener side: proves possession of the secret key for this dialer's challenge. */
export function signChallenge(identity: NodeIdentity, challenge: Uint8Array): Uint8Array {
  const message = identityMessage(challenge, identity.publicKey);
  return signEd25519(message, identity.secretKey);
}

/**
 * Dialer side: true only for a valid signature by `publicKey` over this challenge, under the rule
 * manifests use (RFC 8032 strict: canonical encodings, S < L, small-order keys refused; node:crypto
 * where present, @noble/curves otherwise, the same verdicts). An honest node's signature always passes.
 */
export function verifyChallenge(publicKey: Uint8Array, challenge: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64 || challenge.length !== CHALLENGE_BYTES) return false;
  const message = identityMessage(challenge, publicKey);
  return verifyEd25519(signature, message, publicKey);
}

/** True when `bytes` decodes to a valid Ed25519 curve point (a usable public key). */
export function isValidPublicKey(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  try {
    ed25519.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Constant-time equality for byte strings of public length. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
