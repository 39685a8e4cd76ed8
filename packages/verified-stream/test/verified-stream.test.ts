/**
 * VerifiedStream in one process against real MoqNodes on loopback: a leader node serving signed
 * manifests, honest, junk and silent object nodes serving sealed chunks, and a SegmentOrderer as the
 * consumer (what a page uses). No mocks of our components.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { generateSigningKey, hashObject, signManifest, type SigningKey } from "@ec/manifest";
import { deriveStreamKey, OBJECT_OVERHEAD_BYTES, openChunk, sealChunk } from "@ec/chunk-crypto";
import { FramePool, generateNodeIdentity, type Logger, MoqNode, type NodeIdentity, quietMoqLiteLogs, type StreamServer } from "@ec/moq-transport";
import { SegmentOrderer } from "@ec/hls-sink";
import { positionOf, VerifiedStream, VerifiedStreamError } from "../src/index.js";
import type { VerifiedChunk, VerifiedStreamOptions } from "../src/index.js";

const STREAM = "vstream";
const SECRET = "stream secret of the test";
const TICKS = 90_000; // 1 s chunks: the default deadlines follow them (1 s without a group fails a silent peer)

// @moq/lite's own console chatter (closed connections at each test's end) is not ours to read.
quietMoqLiteLogs();

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A leader's run: sealed chunks of one epoch and the chained manifests that vouch for them. */
function leaderRun(key: SigningKey, epoch: string, packets = (seq: number) => 10 + seq) {
  const streamKey = deriveStreamKey({ streamId: STREAM, secret: SECRET });
  let prev: Uint8Array = new Uint8Array(32);
  const plaintexts: Uint8Array[] = [];
  const objects: Uint8Array[] = [];
  const manifests: Uint8Array[] = [];
  return {
    epoch,
    plaintexts,
    objects,
    manifests,
    /** Makes chunk `objects.length` and the manifest vouching for the last 8 chunks. */
    next(): number {
      const seq = objects.length;
      const plain = new Uint8Array(randomBytes(188 * packets(seq)));
      plaintexts.push(plain);
      objects.push(sealChunk(streamKey, { streamId: STREAM, epoch, seq }, plain));
      const from = Math.max(0, seq - 7);
      const now = Date.now();
      const entries = objects.slice(from).map((o, i) => ({ seq: from + i, objectHash: hashObject(o), objectSize: o.length, durationTicks: TICKS, firstPts: (from + i) * TICKS }));
      const m = signManifest({ streamId: STREAM, epoch, seq, prevHash: prev, issuedAtMs: now, expiresAtMs: now + 120_000, entries }, key);
      prev = m.hash;
      manifests.push(m.bytes);
      return seq;
    },
  };
}

async function node(serve: { manifests: boolean; chunks: boolean }, opts: { identity?: NodeIdentity; listen?: string } = {}) {
  const n = await MoqNode.listen(opts);
  cleanup.push(() => n.close());
  return { node: n, server: n.serve(STREAM, { ...serve, window: { maxGroups: 64 } }) as StreamServer, port: Number(n.endpoint.split(":").at(-1)) };
}

/** A logger that keeps what was said (for the warnings an operator relies on). */
function recordingLog() {
  const lines: Array<{ level: string; msg: string; fields?: object }> = [];
  const at = (level: string) => (msg: string, fields?: object) => void lines.push({ level, msg, fields });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { lines, log };
}

/** A stream with a SegmentOrderer as the consumer, started at the first window's first seq. */
function streamOver(opts: Partial<VerifiedStreamOptions> & Pick<VerifiedStreamOptions, "manifestPeer" | "objectPeers" | "trustedKeys">) {
  const orderer = new SegmentOrderer({ gapTimeoutMs: 60_000, maxBuffered: 64 });
  const chunks: VerifiedChunk[] = [];
  const ordered: Array<{ epoch: string; seq: number; discontinuity: boolean }> = [];
  const starts: Array<{ epoch: string; seq: number; previous?: string }> = [];
  const rec = recordingLog();
  const stream = new VerifiedStream({
    streamId: STREAM,
    streamSecret: SECRET,
    log: rec.log,
    start: (window) => ({ seq: window.firstSeq }),
    position: positionOf(orderer),
    onStart: (s) => {
      starts.push(s);
      orderer.startAt(s.epoch, s.seq);
    },
    onChunk: (c) => {
      chunks.push(c);
      orderer.add({ epoch: c.epoch, seq: c.seq, firstPts: c.firstPts, durationTicks: c.durationTicks, bytes: c.plaintext });
      for (const r of orderer.release(Date.now())) ordered.push({ epoch: r.epoch, seq: r.seq, discontinuity: r.discontinuity });
    },
    ...opts,
  });
  const done = stream.run();
  cleanup.push(async () => {
    stream.stop(true, "test over");
    await done;
  });
  return { stream, chunks, ordered, starts, done, log: rec.lines };
}

async function until(what: string, cond: () => boolean, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Publishes chunk objects [from, to) of `run` on `server`, and their manifests on `leader` (if given). */
function publish(run: ReturnType<typeof leaderRun>, from: number, to: number, servers: { leader?: StreamServer; objects: StreamServer[] }) {
  for (let seq = from; seq < to; seq++) {
    if (seq >= run.objects.length) run.next();
    servers.leader?.publish("manifests", seq, run.manifests[seq]!);
    for (const s of servers.objects) s.publish("chunks", seq, run.objects[seq]!);
  }
}

describe("VerifiedStream", () => {
  it("accepts vouched objects: each chunk once, decrypted, in seq order through the orderer, counted per peer", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const relay = await node({ manifests: false, chunks: true });
    publish(run, 0, 4, { leader: leader.server, objects: [relay.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [key.publicKey], cryptoBackend: "portable" });
    await until("4 chunks", () => s.chunks.length >= 4);
    publish(run, 4, 8, { leader: leader.server, objects: [relay.server] });
    await until("8 chunks", () => s.ordered.length >= 8);
    expect(s.ordered.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(s.chunks.map((c) => c.seq)).size).toBe(s.chunks.length);
    for (const c of s.chunks) {
      expect(same(c.plaintext, run.plaintexts[c.seq]!), `plaintext of ${c.seq}`).toBe(true);
      expect(same(c.object!, run.objects[c.seq]!)).toBe(true);
      expect(c).toMatchObject({ epoch: "ep1", durationTicks: TICKS, firstPts: c.seq * TICKS, peer: relay.node.endpoint });
    }
    expect(s.starts).toEqual([{ epoch: "ep1", seq: 0, resumed: false }]);
    const st = s.stream.stats;
    expect(st.signerPinned).toBe(true);
    expect(st.epoch).toBe("ep1");
    expect(st.objects.rejected).toEqual({});
    expect(st.objects.accepted).toBe(8);
    expect(st.peers.objects[relay.node.endpoint]).toMatchObject({ role: "objects", connected: true, accepted: 8, junk: 0 });
    // The manifest subscription joins at the live edge (the newest manifest vouches for the window), then every one.
    const mp = st.peers.manifests[leader.node.endpoint]!;
    expect(mp).toMatchObject({ role: "manifests", connected: true, rejected: {} });
    expect(mp.accepted).toBe(mp.received);
    expect(st.manifests.accepted).toBe(mp.accepted);
    // Each address only in the role it played.
    expect(Object.keys(st.peers.manifests)).toEqual([leader.node.endpoint]);
    expect(Object.keys(st.peers.objects)).toEqual([relay.node.endpoint]);
    expect(s.log.some((l) => l.msg.startsWith("TRUST ON FIRST USE"))).toBe(false);
    s.stream.stop(true, "enough");
    expect(await s.done).toEqual({ ok: true, reason: "enough" });
    await expect(s.stream.run()).rejects.toMatchObject({ code: "already-run" });
  });

  it.each(["native", "portable"] as const)("openInPlace (%s backend): the same plaintexts, each a view of the received object's memory, no object handed on", async (backend) => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const relay = await node({ manifests: false, chunks: true });
    publish(run, 0, 6, { leader: leader.server, objects: [relay.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [key.publicKey], cryptoBackend: backend, openInPlace: true });
    await until("6 chunks", () => s.ordered.length >= 6);
    for (const c of s.chunks) {
      expect(same(c.plaintext, run.plaintexts[c.seq]!), `plaintext of ${c.seq}`).toBe(true);
      expect(c.object).toBeUndefined();
      // Decrypted where the object was received: the plaintext starts after the object's header,
      // in a buffer that is the received frame's, not one allocated to the plaintext's size.
      expect(c.plaintext.byteOffset).toBeGreaterThanOrEqual(OBJECT_OVERHEAD_BYTES);
      expect(c.plaintext.buffer.byteLength).toBeGreaterThanOrEqual(run.objects[c.seq]!.length);
    }
    // The leader's own objects (what the relay serves) were not touched.
    for (let seq = 0; seq < 6; seq++) expect(same(openChunk(deriveStreamKey({ streamId: STREAM, secret: SECRET }), { streamId: STREAM, epoch: "ep1", seq }, run.objects[seq]!), run.plaintexts[seq]!)).toBe(true);
    expect(s.stream.stats.objects.accepted).toBe(6);
    expect(s.stream.stats.objects.rejected).toEqual({});
  });

  it.each([true, false])("framePool (openInPlace %s): objects received into lent memory; a released chunk reads as empty and its memory takes a later object", async (openInPlace) => {
    const key = generateSigningKey();
    // ~40-190 kB objects: each spans several transport pieces, so it is joined into pool memory.
    const run = leaderRun(key, "ep1", (seq) => 200 + 150 * (seq % 7));
    const leader = await node({ manifests: true, chunks: false });
    const relay = await node({ manifests: false, chunks: true });
    const pool = new FramePool({ maxFrameBytes: 1 << 20 });
    const seen: VerifiedChunk[] = [];
    const held: VerifiedChunk[] = [];
    const s = streamOver({
      manifestPeer: leader.node.endpoint,
      objectPeers: [relay.node.endpoint],
      trustedKeys: [key.publicKey],
      openInPlace,
      framePool: pool,
      onChunk: (c) => {
        // Intact when handed over; the consumer releases once it is done (chunks 0 and 5 it keeps).
        expect(same(c.plaintext, run.plaintexts[c.seq]!), `plaintext of ${c.seq}`).toBe(true);
        if (!openInPlace) expect(same(c.object!, run.objects[c.seq]!), `object of ${c.seq}`).toBe(true);
        seen.push(c);
        if (c.seq === 0 || c.seq === 5) held.push(c);
        else c.release();
      },
    });
    publish(run, 0, 4, { leader: leader.server, objects: [relay.server] });
    await until("4 chunks", () => seen.length >= 4);
    publish(run, 4, 12, { leader: leader.server, objects: [relay.server] });
    await until("12 chunks", () => seen.length >= 12);
    expect(seen.map((c) => c.seq).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    // Released chunks are empty (never a later object's bytes); kept ones are untouched.
    for (const c of seen.filter((c) => !held.includes(c))) {
      // In place, the plaintext is the object's memory; otherwise it was opened into its own.
      if (openInPlace) expect(c.plaintext.length, `seq ${c.seq}`).toBe(0);
      else expect(c.object!.length, `seq ${c.seq}`).toBe(0);
    }
    for (const c of held) expect(same(c.plaintext, run.plaintexts[c.seq]!), `kept seq ${c.seq}`).toBe(true);
    held[0]!.release();
    held[0]!.release(); // a second release does nothing
    expect((openInPlace ? held[0]!.plaintext : held[0]!.object!).length).toBe(0);
    expect(same(held[1]!.plaintext, run.plaintexts[5]!)).toBe(true);
    const st = pool.stats;
    expect(st.lent).toBeGreaterThanOrEqual(12);
    expect(st.kept).toBe(11);
    // At least the three first-batch objects released before the second batch was published (seq 0 is kept).
    expect(st.reused).toBeGreaterThanOrEqual(3);
    expect(s.stream.stats.objects).toMatchObject({ accepted: 12, rejected: {} });
  });

  it("one address as both manifest and object peer (a relay serving a page): counters and connection state kept per role", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const both = await node({ manifests: true, chunks: true });
    const addr = both.node.endpoint;
    publish(run, 0, 4, { leader: both.server, objects: [both.server] });
    const s = streamOver({ manifestPeer: addr, objectPeers: [addr], trustedKeys: [key.publicKey] });
    await until("4 chunks", () => s.ordered.length >= 4);
    publish(run, 4, 8, { leader: both.server, objects: [both.server] });
    await until("8 chunks", () => s.ordered.length >= 8);
    const st = s.stream.stats;
    const m = st.peers.manifests[addr]!;
    const o = st.peers.objects[addr]!;
    expect(m).toMatchObject({ role: "manifests", connected: true, connects: 1, rejected: {} });
    expect(o).toMatchObject({ role: "objects", connected: true, connects: 1, accepted: 8, rejected: {} });
    // Manifests counted under the manifest role only, objects under the object role only.
    expect(m.accepted).toBe(st.manifests.accepted);
    expect(m.received).toBe(m.accepted);
    expect(o.received).toBe(8);
    expect(o.accepted).toBe(st.objects.accepted);
    expect(s.chunks.every((c) => c.peer === addr)).toBe(true);
    // Manifests stop while objects keep coming (the leader behind a relay died, the relay still has
    // chunks): the object role's counters move on, the manifest role's do not.
    const manifestsBefore = m.received;
    const lastManifestAt = m.lastReceivedAtMs!;
    for (let seq = 8; seq < 11; seq++) {
      run.next();
      both.server.publish("chunks", seq, run.objects[seq]!);
    }
    await until("the unvouched objects received", () => o.received >= 11);
    expect(m.received).toBe(manifestsBefore);
    expect(m.lastReceivedAtMs).toBe(lastManifestAt);
    expect(o.lastReceivedAtMs!).toBeGreaterThanOrEqual(lastManifestAt);
    expect(o.accepted).toBe(8);
    // Judged later, with both roles still connected: the sentence says manifests stopped arriving via that peer.
    const why = s.stream.whyStuck({ seconds: 8, lastDurationTicks: TICKS, verb: "appended", live: true }, lastManifestAt + 10_000);
    expect(why.kind).toBe("manifest-peer-silent");
    expect(why.text.startsWith(`manifests stopped arriving via ${addr} since `)).toBe(true);
    expect(why.text).toContain("the leader behind it (or its link to the leader) is likely gone");
    // Still one entry per role for the address, no third one.
    expect(Object.keys(st.peers.manifests)).toEqual([addr]);
    expect(Object.keys(st.peers.objects)).toEqual([addr]);
  });

  it("rejects junk with its reason, scores it against the junk relay and fails over to the honest one", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const junk = await node({ manifests: false, chunks: true });
    const honest = await node({ manifests: false, chunks: true });
    publish(run, 0, 6, { leader: leader.server, objects: [honest.server] });
    // Same sizes, other bytes: a hash mismatch a current manifest refutes.
    for (let seq = 0; seq < 6; seq++) junk.server.publish("chunks", seq, new Uint8Array(randomBytes(run.objects[seq]!.length)));
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [junk.node.endpoint, honest.node.endpoint], trustedKeys: [key.publicKey] });
    await until("6 chunks", () => s.ordered.length >= 6);
    expect(s.ordered.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.chunks.every((c) => c.peer === honest.node.endpoint)).toBe(true);
    const j = s.stream.stats.peers.objects[junk.node.endpoint]!;
    expect(j.rejected["hash-mismatch"]).toBeGreaterThanOrEqual(1);
    expect(j.accepted).toBe(0);
    expect(j.junk).toBeGreaterThanOrEqual(1);
    expect(j.demoted).toMatch(/hash-mismatch/);
    expect(s.stream.stats.objects.blamed).toBeGreaterThanOrEqual(1);
    expect(s.log.some((l) => l.level === "warn" && l.msg === "object rejected" && (l.fields as { reason?: string }).reason === "hash-mismatch")).toBe(true);
  });

  it("fails over from a silent relay (serves the track, sends nothing) to one that delivers", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const silent = await node({ manifests: false, chunks: true });
    const honest = await node({ manifests: false, chunks: true });
    publish(run, 0, 5, { leader: leader.server, objects: [honest.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [silent.node.endpoint, honest.node.endpoint], trustedKeys: [key.publicKey] });
    await until("5 chunks", () => s.ordered.length >= 5);
    const sp = s.stream.stats.peers.objects[silent.node.endpoint]!;
    expect(sp.received).toBe(0);
    expect(Object.keys(sp.failures ?? {})).toContain("no-group");
    expect(sp.junk).toBe(0);
    expect(s.chunks.every((c) => c.peer === honest.node.endpoint)).toBe(true);
  });

  it("an epoch change (the leader and relay restart): the consumer is told the new start; the new run's chunks follow", async () => {
    const key = generateSigningKey();
    const run1 = leaderRun(key, "ep1");
    const leaderId = generateNodeIdentity();
    const relayId = generateNodeIdentity();
    const leader = await node({ manifests: true, chunks: false }, { identity: leaderId });
    const relay = await node({ manifests: false, chunks: true }, { identity: relayId });
    publish(run1, 0, 4, { leader: leader.server, objects: [relay.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [key.publicKey] });
    await until("4 chunks of ep1", () => s.ordered.length >= 4);
    await leader.node.close();
    await relay.node.close();
    // Same identities and ports, a new run: new epoch, seqs from 0.
    const leader2 = await node({ manifests: true, chunks: false }, { identity: leaderId, listen: `127.0.0.1:${leader.port}` });
    const relay2 = await node({ manifests: false, chunks: true }, { identity: relayId, listen: `127.0.0.1:${relay.port}` });
    const run2 = leaderRun(key, "ep2");
    publish(run2, 0, 3, { leader: leader2.server, objects: [relay2.server] });
    await until("3 chunks of ep2", () => s.ordered.filter((c) => c.epoch === "ep2").length >= 3);
    expect(s.starts).toEqual([
      { epoch: "ep1", seq: 0, resumed: false },
      { epoch: "ep2", seq: 0, resumed: false, previous: "ep1" },
    ]);
    const ep2 = s.ordered.filter((c) => c.epoch === "ep2");
    expect(ep2.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(ep2[0]!.discontinuity).toBe(true);
    for (const c of s.chunks.filter((c) => c.epoch === "ep2")) expect(same(c.plaintext, run2.plaintexts[c.seq]!)).toBe(true);
    expect(s.stream.stats.epoch).toBe("ep2");
    expect(s.log.some((l) => l.msg === "epoch changed: the leader restarted")).toBe(true);
  });

  it("a relay that restarted before the leader: its new run's objects are held, not judged against the old epoch, and accepted once the new epoch's manifest comes", async () => {
    const key = generateSigningKey();
    const run1 = leaderRun(key, "ep1");
    const leaderId = generateNodeIdentity();
    const relayId = generateNodeIdentity();
    const leader = await node({ manifests: true, chunks: false }, { identity: leaderId });
    const relay = await node({ manifests: false, chunks: true }, { identity: relayId });
    publish(run1, 0, 6, { leader: leader.server, objects: [relay.server] });
    // A short restart wait: the relay is resubscribed long before the leader's new epoch shows up.
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [key.publicKey], restartWaitMs: 200 });
    await until("6 chunks of ep1", () => s.ordered.length >= 6);
    // The old leader vouches for 6..9 of ep1; the relay restarts with a new run, behind (0..3), then 4..9.
    publish(run1, 6, 10, { leader: leader.server, objects: [] });
    await relay.node.close();
    const relay2 = await node({ manifests: false, chunks: true }, { identity: relayId, listen: `127.0.0.1:${relay.port}` });
    const run2 = leaderRun(key, "ep2");
    publish(run2, 0, 4, { objects: [relay2.server] });
    await until("the relay's restart seen", () => (s.stream.stats.peers.objects[relay.node.endpoint]?.restarts ?? 0) >= 1);
    publish(run2, 4, 10, { objects: [relay2.server] });
    // Resubscribed from seq 6: ep2's 6..9, which ep1's manifests refute.
    await until("new-run objects held", () => (s.stream.stats.peers.objects[relay.node.endpoint]?.heldForNewEpoch ?? 0) >= 4);
    expect(s.chunks.filter((c) => c.epoch === "ep2")).toEqual([]);
    // Now the leader restarts with ep2.
    await leader.node.close();
    const leader2 = await node({ manifests: true, chunks: false }, { identity: leaderId, listen: `127.0.0.1:${leader.port}` });
    for (let seq = 0; seq < 10; seq++) leader2.server.publish("manifests", seq, run2.manifests[seq]!);
    // The new leader's window is replayed from its first manifest (vouching for seq 0 only): the start is 0.
    await until("ep2 0..9 in order", () => s.ordered.filter((c) => c.epoch === "ep2").length >= 10);
    expect(s.starts.at(-1)).toEqual({ epoch: "ep2", seq: 0, resumed: false, previous: "ep1" });
    expect(s.ordered.filter((c) => c.epoch === "ep2").map((c) => c.seq)).toEqual([...Array(10).keys()]);
    for (const c of s.chunks.filter((c) => c.epoch === "ep2")) expect(same(c.plaintext, run2.plaintexts[c.seq]!)).toBe(true);
    const rp = s.stream.stats.peers.objects[relay.node.endpoint]!;
    // Never held against the relay: no rejection, no junk, not demoted.
    expect(rp.rejected).toEqual({});
    expect(rp.junk).toBe(0);
    expect(rp.demoted).toBeUndefined();
    expect(s.stream.stats.objects.blamed).toBe(0);
  });

  it("an untrusted signer: nothing accepted, no object even asked for, and the reason says so", async () => {
    const key = generateSigningKey();
    const pinned = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const relay = await node({ manifests: false, chunks: true });
    publish(run, 0, 4, { leader: leader.server, objects: [relay.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [pinned.publicKey] });
    await until("a manifest refused", () => (s.stream.stats.manifests.rejected["unknown-signer"] ?? 0) >= 1);
    publish(run, 4, 7, { leader: leader.server, objects: [relay.server] });
    await until("3 more refused", () => (s.stream.stats.manifests.rejected["unknown-signer"] ?? 0) >= 4);
    expect(s.chunks).toEqual([]);
    const st = s.stream.stats;
    expect(st.manifests.accepted).toBe(0);
    expect(st.objects.accepted).toBe(0);
    expect(st.signer).toBeUndefined();
    // "No manifests, no data": objects are not subscribed before a verified manifest.
    expect(st.peers.objects[relay.node.endpoint]).toBeUndefined();
    const why = s.stream.whyStuck({ seconds: 0, verb: "appended" });
    expect(why.kind).toBe("manifests-rejected");
    expect(why.text).toBe(`no manifest verified from ${leader.node.endpoint}; rejected: 4 unknown-signer; 0.0 s of verified media appended`);
  });

  it("no key pinned: the first signer is trusted, loudly, and the counters say it was not pinned", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const leader = await node({ manifests: true, chunks: false });
    const relay = await node({ manifests: false, chunks: true });
    publish(run, 0, 3, { leader: leader.server, objects: [relay.server] });
    const s = streamOver({ manifestPeer: leader.node.endpoint, objectPeers: [relay.node.endpoint], trustedKeys: [] });
    await until("3 chunks", () => s.ordered.length >= 3);
    expect(s.stream.stats.signerPinned).toBe(false);
    expect(s.log.filter((l) => l.level === "warn" && l.msg.startsWith("TRUST ON FIRST USE"))).toHaveLength(1);
  });

  it("acceptUnvouched (no manifests, AEAD only): objects that open are accepted; ones that do not are undecryptable and held against their relay", async () => {
    const key = generateSigningKey();
    const run = leaderRun(key, "ep1");
    const junk = await node({ manifests: false, chunks: true });
    const honest = await node({ manifests: false, chunks: true });
    publish(run, 0, 3, { objects: [honest.server] });
    for (let seq = 0; seq < 3; seq++) junk.server.publish("chunks", seq, new Uint8Array(randomBytes(run.objects[seq]!.length)));
    const s = streamOver({ manifestPeer: "", subscribeManifests: false, acceptUnvouched: { epoch: "ep1" }, objectPeers: [junk.node.endpoint, honest.node.endpoint], trustedKeys: [] });
    await until("a chunk from the honest relay", () => s.chunks.length >= 1);
    publish(run, 3, 6, { objects: [honest.server] });
    await until("the honest relay's new chunks", () => s.chunks.some((c) => c.seq === 5));
    for (const c of s.chunks) {
      expect(c.peer).toBe(honest.node.endpoint);
      expect(same(c.plaintext, run.plaintexts[c.seq]!)).toBe(true);
    }
    const j = s.stream.stats.peers.objects[junk.node.endpoint]!;
    expect(j.rejected).toEqual({ undecryptable: expect.any(Number) });
    expect(j.junk).toBeGreaterThanOrEqual(1);
    expect(j.accepted).toBe(0);
    expect(s.stream.stats.objects.accepted).toBe(s.chunks.length);
    expect(s.starts[0]).toMatchObject({ epoch: "ep1", resumed: false });
  });

  it("refuses options that cannot work, with a typed error", () => {
    const base = { streamId: STREAM, objectPeers: ["127.0.0.1:1"], allowInsecure: true, trustedKeys: [], start: () => ({ seq: 0 }), position: { has: () => false, nextSeq: () => undefined }, onChunk: () => {} };
    expect(() => new VerifiedStream({ ...base, manifestPeer: "" })).toThrow(VerifiedStreamError);
    try {
      new VerifiedStream({ ...base, manifestPeer: "127.0.0.1:1", subscribeManifests: false });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(VerifiedStreamError);
      expect((err as VerifiedStreamError).code).toBe("bad-argument");
    }
  });
});
