import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe } from "vitest";
import { hexToBytes } from "../src/bytes.js";
import { nativeCrypto, setNativeEnabled } from "../src/native.js";
import type { ManifestEntry } from "../src/types.js";

/** Hex to bytes for test data. */
export const h = (hex: string): Uint8Array => hexToBytes(hex, "test hex");

export interface EntryJson {
  seq: number;
  objectHash: string;
  objectSize: number;
  durationTicks: number;
  firstPts: number;
}

export function entryFromJson(e: EntryJson): ManifestEntry {
  return { ...e, objectHash: h(e.objectHash) };
}

export const VECTORS_DIR = new URL("./vectors/", import.meta.url);

export interface ManifestVector {
  name: string;
  note: string;
  signer: string;
  body: {
    streamId: string;
    epoch: string;
    seq: number;
    prevHash: string;
    issuedAtMs: number;
    expiresAtMs: number;
    entries: EntryJson[];
  };
  hashAlg: number;
  merkleRoot: string;
  signature: string;
  signedHeader: string;
  bytes: string;
  hash: string;
  proofs: Array<{ seq: number; index: number; count: number; siblings: string[] }>;
}

/** The shape of test/vectors/manifest-v1.json. */
export interface VectorFile {
  format: string;
  signatureDomain: string;
  keys: Array<{ name: string; secretKey: string; publicKey: string; keyFile: string }>;
  objects: Array<{ index: number; size: number; bytes: string; sha256: string }>;
  merkleRoots: Array<{ count: number; entries: EntryJson[]; root: string }>;
  manifests: ManifestVector[];
  invalid: Array<{ name: string; error: string; bytes: string }>;
  verifier: {
    streamId: string;
    trustedKeys: string[];
    clockSkewMs: number;
    /** Vouched entries the verifier remembers (small, so the scenario reaches the stale watermark). */
    maxVouched: number;
    /** After each step, the optional object checks run against the verifier as it is then. */
    steps: Array<{
      manifest: string;
      nowMs: number;
      expect: string;
      newEntries?: number[];
      epochChanged?: boolean;
      objectChecks?: Array<{ seq: number; object: number; expect: string }>;
    }>;
    objectChecks: Array<{ seq: number; object: number; expect: string }>;
  };
}

export function loadVectors(): VectorFile {
  return JSON.parse(readFileSync(new URL("manifest-v1.json", VECTORS_DIR), "utf8")) as VectorFile;
}

/** Whether this runtime offers the node:crypto fast path at all. */
export const nativeAvailable = nativeCrypto() !== undefined;

/**
 * Runs a describe block once per crypto path: "native" (node:crypto fast path) and "portable"
 * (@noble only, as in a browser). Both must give the same results.
 */
export function describeBothPaths(name: string, body: (path: "native" | "portable") => void): void {
  for (const path of ["native", "portable"] as const) {
    describe(`${name} [${path}]`, () => {
      beforeAll(() => setNativeEnabled(path === "native"));
      afterAll(() => setNativeEnabled(true));
      body(path);
    });
  }
}
