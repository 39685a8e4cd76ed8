import fc from "fast-check";
import type { ManifestBody, ManifestEntry } from "../src/index.js";

/** Stream ids: anything the shared rule allows (docs/protocol/rules.md). */
export const arbStreamId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);

export const arbEpoch = fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/);

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

/** 1..maxEntries entries with strictly ascending seqs. */
export function arbEntries(maxEntries = 40): fc.Arbitrary<ManifestEntry[]> {
  return fc
    .uniqueArray(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: maxEntries })
    .chain((seqs) =>
      fc.tuple(
        ...seqs
          .sort((a, b) => a - b)
          .map((seq) =>
            fc.record({
              seq: fc.constant(seq),
              objectHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
              objectSize: fc.integer({ min: 0, max: 0xffff_ffff }),
              durationTicks: fc.integer({ min: 0, max: 0xffff_ffff }),
              firstPts: fc.integer({ min: 0, max: 2 ** 33 - 1 }),
            }),
          ),
      ),
    );
}

/** Any valid ManifestBody. */
export function arbBody(maxEntries = 40): fc.Arbitrary<ManifestBody> {
  return fc
    .record({
      streamId: arbStreamId,
      epoch: arbEpoch,
      seq: safe,
      prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      issuedAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 }),
      lifetime: fc.integer({ min: 1, max: 10 ** 9 }),
      entries: arbEntries(maxEntries),
    })
    .map(({ lifetime, ...b }) => ({ ...b, expiresAtMs: Math.min(Number.MAX_SAFE_INTEGER, b.issuedAtMs + lifetime) }));
}
