// Deterministic test payloads shared by the process scripts and the tests.
// chunk(seq): `size` bytes, first 8 = seq (big-endian), the rest a pattern of seq.
// manifest(seq): JSON {seq, sha256 of chunk(seq)} — a stand-in for a signed manifest.
import { createHash } from "node:crypto";

export function chunkBytes(seq, size, corrupt = false) {
  const out = new Uint8Array(Math.max(8, size));
  new DataView(out.buffer).setBigUint64(0, BigInt(seq));
  let x = (seq * 2654435761) >>> 0 || 1;
  for (let i = 8; i < out.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  if (corrupt) out[out.length - 1] ^= 0xff;
  return out;
}

export function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

export function manifestBytes(seq, size) {
  return new TextEncoder().encode(JSON.stringify({ seq, chunk: sha256(chunkBytes(seq, size)) }));
}

export function payloadFor(track, seq, size, corrupt = false) {
  return track === "manifests" ? manifestBytes(seq, size) : chunkBytes(seq, size, corrupt);
}

/** True when `bytes` is exactly what payloadFor(track, seq, size) produces. */
export function checkPayload(track, seq, bytes, size) {
  const want = payloadFor(track, seq, size);
  return want.length === bytes.length && sha256(want) === sha256(bytes);
}

/** Prints one JSON line on stdout. */
export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

/** Answers "stats" lines on stdin with a stats JSON line built by `get()`. */
export function serveStats(get) {
  let buf = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line === "stats") {
        globalThis.gc?.();
        const m = process.memoryUsage();
        // held: what the process still references after a full GC (JS heap + Buffers/ArrayBuffers),
        // free of the allocator's choice to keep or return pages that rss reflects.
        emit({ type: "stats", rss: m.rss, heap: m.heapUsed, held: m.heapUsed + m.external, ...get() });
      }
    }
  });
  // The parent closing our stdin means the test is over.
  process.stdin.on("end", () => process.exit(0));
}
