import { readFileSync } from "node:fs";
const [file, reps, piece, mod] = process.argv.slice(2);
const { TsChunker } = await import(mod ?? "@ec/hdhr-capture");
const all = readFileSync(file!);
const P = Number(piece ?? 262144);
const t = process.cpuUsage();
let n = 0;
for (let r = 0; r < Number(reps ?? 5); r++) {
  const ch = new TsChunker({ chunkMs: 2000 });
  for (let o = 0; o < all.length; o += P) n += ch.push(all.subarray(o, o + P)).length;
  n += ch.flush().length;
}
const u = process.cpuUsage(t);
console.log((mod ?? "new").slice(-40), ((u.user + u.system) / 1e6).toFixed(3), "s", n, "chunks", ((u.user+u.system)/1e3/(all.length/1e6)/Number(reps ?? 5)).toFixed(3), "ms/MB");
