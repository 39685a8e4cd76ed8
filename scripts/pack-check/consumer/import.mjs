// Every library through `import`, as an ESM consumer loads it; each named export must be there.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const want = JSON.parse(readFileSync(new URL("./exports.json", import.meta.url), "utf8"));
const before = console.log;
for (const [name, names] of Object.entries(want)) {
  const mod = await import(name);
  for (const n of names) if (mod[n] === undefined) throw new Error(`import ${name}: no export ${n}`);
  const pkg = createRequire(import.meta.url)(`${name}/package.json`);
  if (pkg.name !== name) throw new Error(`${name}/package.json export`);
}
if (console.log !== before) throw new Error("importing the libraries changed console.log");
// A shipped vector, through the package's ./vectors/* export.
const v = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@ec/manifest/vectors/manifest-v1.json"), "utf8"));
if (!Array.isArray(v.manifests) || v.manifests.length === 0) throw new Error("@ec/manifest/vectors/manifest-v1.json");
const { fixturePath } = await import("@ec/fixtures");
readFileSync(fixturePath("h264-aac-1s-gop.ts"));
console.log(`pack-check: import ok (${Object.keys(want).length} libraries, a vector, a fixture)`);
