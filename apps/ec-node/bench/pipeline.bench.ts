/**
 * The subscriber pipeline in one process, without the network: for each 2 MiB chunk, verify its
 * signed manifest (Ed25519 + Merkle root + chain), check the object's SHA-256 against the entry,
 * decrypt it (HMAC-SHA256 SIV + ChaCha20), and push it to a `SegmentWriter` opened with the
 * subscriber's options, which writes it as an HLS segment (segment and playlist renamed into
 * place on the sink's publish thread; a group commit at most once a second: fdatasync, directory
 * fsync, commit record) into a temp directory on the real disk. These are the calls
 * `runSubscriber` makes per object (VerifiedStream's checks, then `writer.push` without waiting),
 * taken from the built packages; each object is handled in its own event-loop turn, as objects
 * arriving from the network are. The clock stops when every segment is published **and durable**
 * (the writer's close() flushes the group commit).
 *
 * Baseline, same bytes, same run: node:crypto SHA-256 of each object plus a node:crypto
 * ChaCha20-Poly1305 decryption of a ciphertext of the chunk's size: the native hash + AEAD work
 * any verifying, decrypting subscriber must do at least. Ours and the baseline run in alternating
 * rounds and each keeps its best round, so a burst of load from elsewhere cannot land on one side.
 * A second baseline adds one durable write (open, write, fsync, close) of each plaintext,
 * overlapped with the next object's crypto (two writes in flight): the goal's baseline (issue 19),
 * since a crash-safe subscriber cannot beat its disk.
 *
 * (Until round 5 ours wrote through a bare `HlsSink` awaited two writes behind, committing after
 * every segment; the subscriber writes through a `SegmentWriter` with a commit interval, so ours
 * now does too. Same bytes, same end point: durable.)
 */
import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ManifestVerifier, hashObject, signManifest, signingKeyFromSecret } from "@ec/manifest";
import type { ManifestEntry } from "@ec/manifest";
// Not dependencies of the ec-node app, so taken from the workspace packages' builds directly.
import { deriveStreamKey, openChunk, sealChunk } from "../../../packages/chunk-crypto/dist/index.js";
import { HlsSink, SegmentWriter } from "../../../packages/hls-sink/dist/index.js";
import { HLS_COMMIT_INTERVAL_MS } from "@ec/subscriber";
import { percentile, pseudoRandomBytes, quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { tempDir } from "./lib/media.js";

/** About 2 MiB (2 s of an 8 Mbit/s channel) in whole 188-byte TS packets, as the sink requires. */
const CHUNK = 188 * Math.floor((2 * 1024 * 1024) / 188);
const STREAM = "bench-pipeline";
const EPOCH = "bench";
const TICKS = 180_000; // 2 s at 90 kHz
const WINDOW = 32; // entries per manifest, the publisher's default --window
/** The durable baseline's writes in flight behind its crypto. */
const WRITES_IN_FLIGHT = 2;

/** TS-shaped bytes: a sync byte every 188 (the sink does not parse TS, but be honest). */
function tsChunk(seq: number): Uint8Array {
  const b = pseudoRandomBytes(CHUNK, 0x1000 + seq);
  for (let i = 0; i < b.length; i += 188) b[i] = 0x47;
  return b;
}

interface Stages {
  ingest: number;
  check: number;
  open: number;
  write: number;
}

export default async function (): Promise<BenchRow[]> {
  const count = quickRun() ? 16 : 48;
  const rounds = quickRun() ? 2 : 3;
  const signer = signingKeyFromSecret(pseudoRandomBytes(32, 7));
  const key = deriveStreamKey({ streamId: STREAM, secret: "bench-secret" });

  // Everything the publisher side would make, made before any timing.
  const plaintexts = Array.from({ length: count }, (_, i) => tsChunk(i));
  const objects = plaintexts.map((p, seq) => sealChunk(key, { streamId: STREAM, epoch: EPOCH, seq }, p));
  const entries: ManifestEntry[] = [];
  const manifests: Uint8Array[] = [];
  let prevHash: Uint8Array = new Uint8Array(32);
  const issuedAtMs = Date.now();
  objects.forEach((object, seq) => {
    entries.push({ seq, objectHash: hashObject(object), objectSize: object.length, durationTicks: TICKS, firstPts: seq * TICKS });
    if (entries.length > WINDOW) entries.shift();
    const m = signManifest(
      { streamId: STREAM, epoch: EPOCH, seq, prevHash, issuedAtMs, expiresAtMs: issuedAtMs + 3_600_000, entries: entries.slice() },
      signer,
    );
    prevHash = m.hash;
    manifests.push(m.bytes);
  });
  const aeadKey = pseudoRandomBytes(32, 1);
  const nonce = pseudoRandomBytes(12, 2);
  const ad = pseudoRandomBytes(48, 3);
  const sealed = plaintexts.map((p) => {
    const c = createCipheriv("chacha20-poly1305", aeadKey, nonce, { authTagLength: 16 });
    c.setAAD(ad, { plaintextLength: p.length });
    const ct = c.update(p);
    c.final();
    return { ct, tag: c.getAuthTag() };
  });
  const totalBytes = objects.reduce((n, o) => n + o.length, 0);

  // As in runSubscriber: each object is verified and decrypted on the main thread when it
  // arrives (its own event-loop turn, as from the network), then pushed to a SegmentWriter
  // opened with the subscriber's options (commits at most once a second); its writes proceed
  // behind the next objects' crypto. The clock stops when every segment is published and
  // durable (close() waits for the group commit), as the baseline's writes are fsynced.
  const oursRound = async (): Promise<{ ms: number; stages: Stages }> => {
    const verifier = new ManifestVerifier({ streamId: STREAM, trustedKeys: [signer.publicKey] });
    let published = 0;
    let allPublished: () => void = () => {};
    let failed: (err: unknown) => void = () => {};
    const everything = new Promise<void>((resolve, reject) => {
      allPublished = resolve;
      failed = reject;
    });
    const writer = await SegmentWriter.open({
      dir: tempDir("pipeline-hls"),
      streamId: STREAM,
      windowSegments: 6,
      gapTimeoutMs: 6000,
      maxBuffered: 16,
      commitIntervalMs: HLS_COMMIT_INTERVAL_MS,
      onSegment: () => {
        if (++published === count) allPublished();
      },
      onError: (err) => failed(err),
    });
    writer.startAt(EPOCH, 0);
    const stages: Stages = { ingest: 0, check: 0, open: 0, write: 0 };
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) {
      // The next object arrives in a later turn (the writer's completions run in between).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const t0 = performance.now();
      const ing = verifier.ingest(manifests[seq]!);
      if (!ing.ok) throw new Error(`manifest ${seq} rejected: ${ing.reason}`);
      const t1 = performance.now();
      const check = verifier.checkObject(seq, objects[seq]!);
      if (check.status !== "accept") throw new Error(`object ${seq} not accepted: ${check.status}`);
      const t2 = performance.now();
      const plaintext = openChunk(key, { streamId: STREAM, epoch: check.epoch, seq }, objects[seq]!);
      const t3 = performance.now();
      stages.ingest += t1 - t0;
      stages.check += t2 - t1;
      stages.open += t3 - t2;
      const verdict = writer.push({ seq, epoch: check.epoch, firstPts: check.entry.firstPts, durationTicks: check.entry.durationTicks, bytes: plaintext });
      if (verdict !== "accepted") throw new Error(`segment ${seq} not taken: ${verdict}`);
    }
    await everything;
    // Durable, not just published: close() flushes the group commit (endList false: as a
    // subscriber that stops to resume later).
    await writer.close({ endList: false });
    const ms = performance.now() - start;
    // Everything not spent in verify/hash/decrypt: the writes' share of the main thread and the
    // wait for the last ones to become durable.
    stages.write = ms - stages.ingest - stages.check - stages.open;
    return { ms, stages };
  };

  /** The baseline's per-object work: native SHA-256 of the object, then ChaCha20-Poly1305 open. */
  const nativeHashAndOpen = (seq: number): Buffer => {
    createHash("sha256").update(objects[seq]!).digest();
    const { ct, tag } = sealed[seq]!;
    const d = createDecipheriv("chacha20-poly1305", aeadKey, nonce, { authTagLength: 16 });
    d.setAAD(ad, { plaintextLength: ct.length });
    d.setAuthTag(tag);
    const pt = d.update(ct);
    d.final();
    return pt;
  };

  /** The goal's baseline (issue 19): the native hash + AEAD, then one durable write (open, write,
   *  fsync, close) of the same bytes, overlapped with the next object's crypto as ours is. */
  const durableBaselineRound = async (): Promise<number> => {
    const dir = tempDir("pipeline-baseline-durable");
    const inFlight: Array<Promise<unknown>> = [];
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) {
      const pt = nativeHashAndOpen(seq);
      inFlight.push(durableWrite(join(dir, `${seq}.ts`), pt, seq >= 8 ? join(dir, `${seq - 8}.ts`) : undefined));
      if (inFlight.length > WRITES_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return performance.now() - start;
  };

  const baselineRound = (): number => {
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) nativeHashAndOpen(seq);
    return performance.now() - start;
  };

  // The disk on its own: the sink's crash-safe write beside one durable write of the same bytes.
  const sinkOnlyRound = async (): Promise<number> => {
    const sink = await HlsSink.open({ dir: tempDir("pipeline-sink"), windowSegments: 6 });
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) await sink.write({ seq, firstPts: seq * TICKS, durationTicks: TICKS, bytes: plaintexts[seq]! });
    await sink.flush(); // durable, like the baseline
    const ms = performance.now() - start;
    await sink.close();
    return ms;
  };
  const durableWrite = async (path: string, bytes: Uint8Array, unlinkPath?: string): Promise<void> => {
    const fh = await open(path, "w");
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    if (unlinkPath) await unlink(unlinkPath);
  };
  const durableRound = async (): Promise<number> => {
    const dir = tempDir("pipeline-durable");
    const start = performance.now();
    for (let seq = 0; seq < count; seq++) {
      const path = join(dir, `${seq}.ts`);
      const fh = await open(path, "w");
      await fh.writeFile(plaintexts[seq]!);
      await fh.sync();
      await fh.close();
      if (seq >= 8) await unlink(join(dir, `${seq - 8}.ts`));
    }
    return performance.now() - start;
  };

  // Latency of one small write, as in the latency bench (0.25 s chunks of an 8 Mbit/s stream).
  const SMALL = 188 * 1390; // 261 kB
  const small = plaintexts[0]!.subarray(0, SMALL);
  const writeLatencies = async (): Promise<{ sink: number[]; durable: number[] }> => {
    const sink = await HlsSink.open({ dir: tempDir("pipeline-small"), windowSegments: 6 });
    const dir = tempDir("pipeline-small-durable");
    const out = { sink: [] as number[], durable: [] as number[] };
    for (let seq = 0; seq < (quickRun() ? 20 : 60); seq++) {
      const t0 = performance.now();
      await sink.write({ seq, firstPts: seq * 22_500, durationTicks: 22_500, bytes: small });
      const t1 = performance.now();
      const fh = await open(join(dir, `${seq}.ts`), "w");
      await fh.writeFile(small);
      await fh.sync();
      await fh.close();
      out.sink.push(t1 - t0);
      out.durable.push(performance.now() - t1);
    }
    await sink.close();
    return out;
  };

  // Per segment through SegmentWriter (what the subscriber runs), 0.26 MB: until onSegment (published).
  const writerLatencies = async (): Promise<number[]> => {
    const out: number[] = [];
    let resolveWritten: () => void = () => {};
    const w = await SegmentWriter.open({ dir: tempDir("pipeline-writer"), streamId: STREAM, windowSegments: 6, onSegment: () => resolveWritten() });
    w.startAt(EPOCH, 0);
    for (let seq = 0; seq < (quickRun() ? 20 : 60); seq++) {
      const written = new Promise<void>((r) => (resolveWritten = r));
      const t0 = performance.now();
      w.push({ seq, epoch: EPOCH, firstPts: seq * 22_500, durationTicks: 22_500, bytes: small });
      await written;
      out.push(performance.now() - t0);
    }
    await w.close();
    return out;
  };

  let best: { ms: number; stages: Stages } | undefined;
  let bestBaseline = Infinity;
  let bestDurableBaseline = Infinity;
  await oursRound(); // warm-up: JIT, first directory creation
  baselineRound();
  for (let r = 0; r < rounds; r++) {
    const o = await oursRound();
    if (!best || o.ms < best.ms) best = o;
    bestBaseline = Math.min(bestBaseline, baselineRound());
    bestDurableBaseline = Math.min(bestDurableBaseline, await durableBaselineRound());
  }
  let bestSink = Infinity;
  let bestDurable = Infinity;
  for (let r = 0; r < rounds; r++) {
    bestSink = Math.min(bestSink, await sinkOnlyRound());
    bestDurable = Math.min(bestDurable, await durableRound());
  }
  const lat = await writeLatencies();
  const writerLat = await writerLatencies();
  const ours = best!;
  const mbps = (ms: number) => totalBytes / 1e6 / (ms / 1000);
  const s = ours.stages;
  const pct = (x: number) => `${Math.round((x / ours.ms) * 100)}%`;
  const cryptoMs = s.ingest + s.check + s.open;
  return [
    {
      name: `subscriber pipeline, ${count} x 2 MiB (verify manifest + hash + decrypt + HLS write)`,
      value: mbps(ours.ms),
      unit: "MB/s",
      baselineName: "node:crypto sha256 + chacha20-poly1305 decrypt",
      baseline: mbps(bestBaseline),
      note: `wall time: manifest ${pct(s.ingest)}, hash ${pct(s.check)}, decrypt ${pct(s.open)}, HLS writes (their main-thread share and the wait until durable) ${pct(s.write)}`,
      detail: { objects: count, rounds, manifestMs: s.ingest, hashMs: s.check, decryptMs: s.open, writeMs: s.write, totalMs: ours.ms },
    },
    {
      name: "  the same against a baseline with one durable write of the same bytes",
      value: mbps(ours.ms),
      unit: "MB/s",
      baselineName: "node:crypto sha256 + chacha20-poly1305 decrypt + open/write/fsync/close, writes overlapped",
      baseline: mbps(bestDurableBaseline),
      goalRatio: 0.7,
      note: "a crash-safe subscriber cannot beat its disk: this is the goal's baseline (issue 19)",
    },
    {
      name: "  of which verify + hash + decrypt (no disk)",
      value: mbps(cryptoMs),
      unit: "MB/s",
      baselineName: "node:crypto sha256 + chacha20-poly1305 decrypt",
      baseline: mbps(bestBaseline),
      note: "the rest of the wall time is the HLS write, overlapped with the next object's crypto",
    },
    {
      name: "  HLS write alone (segment + playlist, crash-safe)",
      value: mbps(bestSink),
      unit: "MB/s",
      baselineName: "open + write + fsync + close, same bytes",
      baseline: mbps(bestDurable),
      note: "this disk's durable write rate bounds the pipeline",
    },
    {
      name: "  HLS publish latency (write() resolved: in place, fsync in the background), one 0.26 MB segment (p50)",
      value: percentile(lat.sink, 50),
      unit: "ms",
      baselineName: "open + write + fsync + close, same bytes",
      baseline: percentile(lat.durable, 50),
      note: `p99 ${percentile(lat.sink, 99).toFixed(1)} ms (baseline ${percentile(lat.durable, 99).toFixed(1)}); the disk's share of the mesh latency (the group commit follows in the background)`,
    },
    {
      name: "  the same through SegmentWriter, as the subscriber writes (p50)",
      value: percentile(writerLat, 50),
      unit: "ms",
      baselineName: "open + write + fsync + close, same bytes",
      baseline: percentile(lat.durable, 50),
      note: `p99 ${percentile(writerLat, 99).toFixed(1)} ms`,
    },
  ];
}
