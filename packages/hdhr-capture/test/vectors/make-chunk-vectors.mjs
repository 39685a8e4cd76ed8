// Regenerates chunks.json from the built package (run `pnpm --filter @ec/hdhr-capture build` first):
//   node packages/hdhr-capture/test/vectors/make-chunk-vectors.mjs
// Only when the chunking rules change on purpose (docs/protocol/chunking.md says which version).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { TsChunker } from "../../dist/index.js";
import { fixturePath, FIXTURE_NAMES } from "@ec/fixtures";

const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const cases = [];
for (const fixture of FIXTURE_NAMES) {
  const bytes = readFileSync(fixturePath(fixture));
  for (const chunkMs of [1000, 2000]) {
    const c = new TsChunker({ chunkMs });
    const chunks = [...c.push(bytes), ...c.flush()];
    cases.push({
      fixture,
      fixtureSha256: sha256(bytes),
      chunkMs,
      chunks: chunks.map((x) => ({ seq: x.seq, firstPts: x.firstPts, durationTicks: x.durationTicks, boundary: x.boundary, size: x.bytes.length, sha256: sha256(x.bytes) })),
    });
  }
}
const doc = {
  description:
    "Chunks (chunking v2: PTS grid, canonical content) of the fixtures in packages/fixtures/fixtures/ per docs/protocol/chunking.md. fixtureSha256 pins the input; each chunk lists seq, firstPts, durationTicks, boundary, byte size and SHA-256 of its bytes.",
  chunkingVersion: 2,
  cases,
};
writeFileSync(new URL("./chunks.json", import.meta.url), JSON.stringify(doc, null, 2) + "\n");
