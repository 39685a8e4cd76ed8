import { createReadStream } from "node:fs";
import { chunkStream } from "@ec/hdhr-capture";
import { deriveStreamKey, sealChunk } from "@ec/chunk-crypto";
import { hashObject } from "@ec/manifest";
const [file, stage, cms] = process.argv.slice(2);
const key = deriveStreamKey({ streamId: "s" });
const t = process.cpuUsage();
let n = 0, bytes = 0;
const src = createReadStream(file!, { highWaterMark: 256 * 1024 }) as AsyncIterable<Uint8Array>;
if (stage === "read") { for await (const b of src) bytes += b.length; }
else for await (const c of chunkStream(src, { chunkMs: Number(cms ?? 2000) })) {
  n++; bytes += c.bytes.length;
  if (stage === "seal" || stage === "hash") { const o = sealChunk(key, { streamId: "s", epoch: "e", seq: c.seq }, c.bytes); if (stage === "hash") hashObject(o); }
}
const u = process.cpuUsage(t);
console.log(stage, ((u.user + u.system) / 1e6).toFixed(3), "s", n, "chunks", (bytes/1e6).toFixed(1), "MB");
