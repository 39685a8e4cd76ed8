/**
 * Manifests signed and verified per second, and object hashes checked in MB/s, each beside
 * the bare node:crypto operation it is built on, measured in the same run. The "portable" rows
 * run the @noble path a browser uses (fast path switched off) against the same native baseline.
 */
import * as nodeCrypto from "node:crypto";
import { measure, pseudoRandomBytes, type BenchRow } from "../../../scripts/bench-lib.js";
import { decodeManifest, hashObject, ManifestVerifier, signingKeyFromSecret, signManifest } from "../src/index.js";
import { concatBytes } from "../src/bytes.js";
import { SIGNATURE_DOMAIN } from "../src/constants.js";
import { setNativeEnabled } from "../src/native.js";
import type { ManifestBody } from "../src/types.js";

const ENTRIES = 32;
const OBJECT_BYTES = 2 * 1024 * 1024;

export default async function (): Promise<BenchRow[]> {
  const key = signingKeyFromSecret(pseudoRandomBytes(32, 7));
  const object = pseudoRandomBytes(OBJECT_BYTES, 11);
  const objectHash = hashObject(object);
  const body: ManifestBody = {
    streamId: "wcbd-hd",
    epoch: "bench",
    seq: 1,
    prevHash: new Uint8Array(32),
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 3_600_000,
    entries: Array.from({ length: ENTRIES }, (_, i) => ({
      seq: i,
      objectHash: i === 0 ? objectHash : pseudoRandomBytes(32, i + 100),
      objectSize: i === 0 ? OBJECT_BYTES : 1_000_000 + i,
      durationTicks: 180_000,
      firstPts: i * 180_000,
    })),
  };
  const manifest = signManifest(body, key);

  // Baselines: the bare Ed25519 / SHA-256 operations in node:crypto over the same message sizes.
  const message = concatBytes(SIGNATURE_DOMAIN, manifest.signedHeader.subarray(0, manifest.signedHeader.length - 64));
  const priv = nodeCrypto.createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), key.secretKey]),
    format: "der",
    type: "pkcs8",
  });
  const pub = nodeCrypto.createPublicKey(priv);
  const nativeSign = await measure(() => nodeCrypto.sign(null, message, priv));
  const nativeVerify = await measure(() => nodeCrypto.verify(null, message, pub, manifest.signature));
  const nativeHash = await measure(() => nodeCrypto.createHash("sha256").update(object).digest(), { bytesPerOp: OBJECT_BYTES });

  const verifier = new ManifestVerifier({ streamId: "wcbd-hd", trustedKeys: [key.publicKey] });
  if (!verifier.ingest(manifest.bytes).ok) throw new Error("bench manifest was not accepted");

  const rows: BenchRow[] = [];
  for (const path of ["native", "portable"] as const) {
    setNativeEnabled(path === "native");
    const tag = path === "native" ? "" : " [portable @noble]";
    const signed = await measure(() => signManifest(body, key));
    const verified = await measure(() => decodeManifest(manifest.bytes));
    const checked = await measure(
      () => {
        if (verifier.checkObject(0, object).status !== "accept") throw new Error("object not accepted");
      },
      { bytesPerOp: OBJECT_BYTES },
    );
    rows.push(
      {
        name: `signManifest, ${ENTRIES} entries${tag}`,
        value: signed.opsPerSec,
        unit: "manifests/s",
        baselineName: "node:crypto ed25519 sign of the header",
        baseline: nativeSign.opsPerSec,
        note: "includes validation, Merkle root, encoding, manifest hash",
      },
      {
        name: `decodeManifest (verify), ${ENTRIES} entries${tag}`,
        value: verified.opsPerSec,
        unit: "manifests/s",
        baselineName: "node:crypto ed25519 verify of the header",
        baseline: nativeVerify.opsPerSec,
        note: "includes strict parse, Merkle root, manifest hash",
      },
      {
        name: `checkObject, 2 MiB objects${tag}`,
        value: checked.mbPerSec,
        unit: "MB/s",
        baselineName: "node:crypto sha256",
        baseline: nativeHash.mbPerSec,
      },
    );
  }
  setNativeEnabled(true);
  return rows;
}
