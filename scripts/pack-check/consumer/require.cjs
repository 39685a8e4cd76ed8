// Every library through `require()`, as a CommonJS consumer loads it (the `require` condition, .cjs).
const want = require("./exports.json");
for (const [name, names] of Object.entries(want)) {
  const mod = require(name);
  for (const n of names) if (mod[n] === undefined) throw new Error(`require ${name}: no export ${n}`);
  if (!require.resolve(name).endsWith(".cjs")) throw new Error(`require ${name} resolved to ${require.resolve(name)}, not the CommonJS build`);
}
const v = require("@ec/stream-rules/vectors/rules.json");
if (typeof v !== "object" || v === null) throw new Error("@ec/stream-rules/vectors/rules.json");
// The CommonJS build works, not only loads: a fixture path from the shimmed import.meta.url.
require("node:fs").readFileSync(require("@ec/fixtures").fixturePath("h264-aac-1s-gop.ts"));
console.log(`pack-check: require ok (${Object.keys(want).length} libraries, a vector, a fixture)`);
