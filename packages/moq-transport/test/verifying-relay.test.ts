/**
 * createVerifyingRelay with @ec/manifest's ObjectGate, in one process: real MoqNodes on loopback
 * as upstreams (a leader serving manifests, honest and junk object peers), the relay, and
 * subscribeTrack as the downstream. No child processes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { generateSigningKey, hashObject, ManifestVerifier, ObjectGate, signManifest, type SigningKey } from "@ec/manifest";
import { createVerifyingRelay, generateNodeIdentity, MoqNode, subscribeTrack, TransportError, type VerifyingRelay } from "../src/index.js";

const STREAM = "vrelay";
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** A leader's signed manifests over objects of random bytes, chained, one manifest per chunk. */
function leaderOf(key: SigningKey, epoch = "ep1") {
  let prev: Uint8Array = new Uint8Array(32);
  const objects: Uint8Array[] = [];
  const manifests: Uint8Array[] = [];
  return {
    objects,
    manifests,
    /** Makes chunk `objects.length` and the manifest vouching for the last `window` chunks. */
    next(window = 8): { seq: number; object: Uint8Array; manifest: Uint8Array } {
      const seq = objects.length;
      objects.push(new Uint8Array(randomBytes(2000 + seq)));
      const from = Math.max(0, seq - window + 1);
      const now = Date.now();
      const m = signManifest(
        {
          streamId: STREAM,
          epoch,
          seq,
          prevHash: prev,
          issuedAtMs: now,
          expiresAtMs: now + 120_000,
          entries: objects.slice(from).map((o, i) => ({ seq: from + i, objectHash: hashObject(o), objectSize: o.length, durationTicks: 90_000, firstPts: (from + i) * 90_000 })),
        },
        key,
      );
      prev = m.hash;
      manifests.push(m.bytes);
      return { seq, object: objects[seq]!, manifest: m.bytes };
    },
  };
}

async function node(serve: { manifests: boolean; chunks: boolean }) {
  const n = await MoqNode.listen();
  cleanup.push(() => n.close());
  return { node: n, server: n.serve(STREAM, { ...serve, window: { maxGroups: 64 } }) };
}

function gateFor(keys: Uint8Array[]) {
  return new ObjectGate({ verifier: new ManifestVerifier({ streamId: STREAM, trustedKeys: keys }) });
}

async function relay(opts: Parameters<typeof createVerifyingRelay>[0]): Promise<VerifyingRelay> {
  const r = await createVerifyingRelay(opts);
  cleanup.push(() => r.close());
  return r;
}

/** Collects `n` items of `track` from `remote`, from seq 0. */
async function take(remote: string, track: "chunks" | "manifests", n: number): Promise<Array<{ seq: number; bytes: Uint8Array }>> {
  const ac = new AbortController();
  const out: Array<{ seq: number; bytes: Uint8Array }> = [];
  const guard = setTimeout(() => ac.abort(), 20_000);
  for await (const it of subscribeTrack({ remote, streamId: STREAM, track, fromSeq: 0, signal: ac.signal })) {
    out.push(it);
    if (out.length >= n) break;
  }
  clearTimeout(guard);
  return out;
}

async function until(what: string, cond: () => boolean, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe("createVerifyingRelay", () => {
  it("forwards only vouched objects and verified manifests verbatim; early objects wait for their manifest; late joiners get the window", async () => {
    const key = generateSigningKey();
    const lead = leaderOf(key);
    const leader = await node({ manifests: true, chunks: false });
    const objs = await node({ manifests: false, chunks: true });
    // Objects 0..5 exist upstream before any manifest: the relay must hold them, not drop or forward them.
    for (let i = 0; i < 6; i++) objs.server.publish("chunks", i, lead.next().object);
    const r = await relay({ streamId: STREAM, gate: gateFor([key.publicKey]), manifests: leader.node.endpoint, objects: [objs.node.endpoint] });
    await until("objects held", () => r.stats.gate.objects.held >= 6);
    expect(r.stats.objectsForwarded).toBe(0);
    expect(r.state).not.toBe("verifying");
    for (let i = 0; i < 6; i++) leader.server.publish("manifests", i, lead.manifests[i]!);
    for (let i = 6; i < 10; i++) {
      const c = lead.next();
      leader.server.publish("manifests", c.seq, c.manifest);
      objs.server.publish("chunks", c.seq, c.object);
    }
    await until("10 forwarded", () => r.stats.objectsForwarded === 10);
    expect(r.state).toBe("verifying");
    // A late joiner, from the start of the relay's window.
    const chunks = await take(r.endpoint, "chunks", 10);
    expect(chunks.map((c) => c.seq)).toEqual([...Array(10).keys()]);
    chunks.forEach((c) => expect(same(c.bytes, lead.objects[c.seq]!), `chunk ${c.seq}`).toBe(true));
    const manifests = await take(r.endpoint, "manifests", 10);
    manifests.forEach((m) => expect(same(m.bytes, lead.manifests[m.seq]!), `manifest ${m.seq} verbatim`).toBe(true));
    const s = r.stats;
    expect(s.manifestsForwarded).toBe(10);
    expect(s.gate.objects.rejected).toEqual({});
    expect(s.upstreams[objs.node.endpoint]!.accepted).toBe(10);
  });

  it("forwards none of a junk upstream listed first, drops it with its reason, and serves the honest copies", async () => {
    const key = generateSigningKey();
    const lead = leaderOf(key);
    const leader = await node({ manifests: true, chunks: false });
    const junk = await node({ manifests: false, chunks: true });
    const honest = await node({ manifests: false, chunks: true });
    const r = await relay({
      streamId: STREAM,
      gate: gateFor([key.publicKey]),
      manifests: leader.node.endpoint,
      objects: [junk.node.endpoint, honest.node.endpoint],
      dropAfter: 3,
    });
    for (let i = 0; i < 8; i++) {
      const c = lead.next();
      leader.server.publish("manifests", c.seq, c.manifest);
      // The junk peer is first with each seq: random bytes of the right length, and a replay of an older object.
      junk.server.publish("chunks", c.seq, c.seq % 2 === 0 ? new Uint8Array(randomBytes(c.object.length)) : lead.objects[Math.max(0, c.seq - 1)]!);
      await new Promise((res) => setTimeout(res, 30));
      honest.server.publish("chunks", c.seq, c.object);
    }
    await until("8 forwarded", () => r.stats.objectsForwarded === 8);
    const j = r.stats.upstreams[junk.node.endpoint]!;
    expect(j.accepted).toBe(0);
    expect(j.junk).toBeGreaterThanOrEqual(3);
    expect(j.dropped).toMatch(/refutes/);
    expect(Object.keys(j.rejected).every((k) => k === "hash-mismatch" || k === "size-mismatch")).toBe(true);
    expect(r.stats.upstreams[honest.node.endpoint]!.accepted).toBe(8);
    const chunks = await take(r.endpoint, "chunks", 8);
    chunks.forEach((c) => expect(same(c.bytes, lead.objects[c.seq]!), `chunk ${c.seq}`).toBe(true));
  });

  it("serves nothing from an untrusted manifest source and says why", async () => {
    const lead = leaderOf(generateSigningKey());
    const leader = await node({ manifests: true, chunks: false });
    const objs = await node({ manifests: false, chunks: true });
    for (let i = 0; i < 4; i++) {
      const c = lead.next();
      leader.server.publish("manifests", c.seq, c.manifest);
      objs.server.publish("chunks", c.seq, c.object);
    }
    const states: string[] = [];
    const r = await relay({
      streamId: STREAM,
      gate: gateFor([generateSigningKey().publicKey]),
      manifests: leader.node.endpoint,
      objects: [objs.node.endpoint],
      onState: (s) => states.push(s),
    });
    await until("untrusted", () => r.state === "untrusted");
    await until("objects seen", () => r.stats.upstreams[objs.node.endpoint]!.received === 4);
    expect(r.stats.reason).toMatch(/unknown-signer/);
    expect(r.stats.objectsForwarded + r.stats.manifestsForwarded).toBe(0);
    expect(r.node.stats.framesServed).toBe(0);
    expect(states).toContain("untrusted");
  });

  it("says the manifest source is unreachable, and fails for good when its identity does not match", async () => {
    const objs = await node({ manifests: false, chunks: true });
    const dead = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:9`;
    const r = await relay({ streamId: STREAM, gate: gateFor([generateSigningKey().publicKey]), manifests: dead, objects: [objs.node.endpoint] });
    await until("unreachable", () => r.state === "unreachable");
    expect(r.stats.reason).toContain("127.0.0.1:9");

    const leader = await node({ manifests: true, chunks: false });
    const impostor = leader.node.endpoint.replace(/[0-9a-f]{64}/, Buffer.from(generateNodeIdentity().publicKey).toString("hex"));
    const r2 = await relay({ streamId: STREAM, gate: gateFor([generateSigningKey().publicKey]), manifests: impostor, objects: [objs.node.endpoint] });
    const err = await r2.done.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("auth-failed");
    expect(r2.state).toBe("failed");
  });

  it("says why an object upstream it cannot dial is not connected", async () => {
    const leader = await node({ manifests: true, chunks: false });
    const dead = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:9`;
    const r = await relay({ streamId: STREAM, gate: gateFor([generateSigningKey().publicKey]), manifests: leader.node.endpoint, objects: [dead] });
    await until("upstream error", () => r.stats.upstreams[dead]?.lastError !== undefined);
    expect(r.stats.upstreams[dead]!.lastError).toContain("127.0.0.1:9");
    expect(r.stats.upstreams[dead]!.connected).toBe(false);
  });

  it("follows a restart into a new epoch: resets its window, blames no one, and downstream sees the new run", async () => {
    const key = generateSigningKey();
    const ids = { leader: generateNodeIdentity(), objs: generateNodeIdentity() };
    const start = async (id: ReturnType<typeof generateNodeIdentity>, listen: string, serve: { manifests: boolean; chunks: boolean }) => {
      const n = await MoqNode.listen({ listen, identity: id });
      return { node: n, server: n.serve(STREAM, { ...serve, window: { maxGroups: 64 } }) };
    };
    const run1 = leaderOf(key, "ep1");
    let leader = await start(ids.leader, "127.0.0.1:0", { manifests: true, chunks: false });
    let objs = await start(ids.objs, "127.0.0.1:0", { manifests: false, chunks: true });
    const [lAddr, oAddr] = [leader.node.endpoint, objs.node.endpoint];
    const r = await relay({ streamId: STREAM, gate: gateFor([key.publicKey]), manifests: lAddr, objects: [oAddr] });
    for (let i = 0; i < 8; i++) {
      const c = run1.next();
      leader.server.publish("manifests", c.seq, c.manifest);
      objs.server.publish("chunks", c.seq, c.object);
    }
    await until("run 1 forwarded", () => r.stats.objectsForwarded === 8);
    // A downstream subscriber that has seen run 1 up to seq 7.
    const ac = new AbortController();
    cleanup.push(async () => ac.abort());
    const seen: Array<{ seq: number; bytes: Uint8Array }> = [];
    void (async () => {
      for await (const it of subscribeTrack({ remote: r.endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, signal: ac.signal, reconnect: { minDelayMs: 50 } })) seen.push(it);
    })().catch(() => {});
    await until("downstream has run 1", () => seen.length === 8);

    // Both upstreams restart on the same addresses as a new run: seqs start over at 0. The objects
    // come back first, before any manifest of the new epoch can vouch for them.
    await Promise.all([leader.node.close(), objs.node.close()]);
    objs = await start(ids.objs, oAddr.split("@")[1]!, { manifests: false, chunks: true });
    leader = await start(ids.leader, lAddr.split("@")[1]!, { manifests: true, chunks: false });
    cleanup.push(() => objs.node.close(), () => leader.node.close());
    const run2 = leaderOf(key, "ep2");
    const c2 = [0, 1, 2, 3].map(() => run2.next());
    for (const c of c2) objs.server.publish("chunks", c.seq, c.object);
    await until("the objects upstream seen to restart", () => r.stats.upstreams[oAddr]!.restarts >= 1);
    for (const c of c2) leader.server.publish("manifests", c.seq, c.manifest);
    await until("run 2 forwarded", () => r.stats.objectsForwarded === 12);
    expect(r.stats.epochResets).toBe(1);
    expect(r.stats.epoch).toBe("ep2");
    const up = r.stats.upstreams[oAddr]!;
    expect(up.junk).toBe(0);
    expect(up.dropped).toBeUndefined();
    expect(r.stats.gate.objects.blamed).toBe(0);
    // Downstream: run 2's objects, seq 0..3, byte for byte (it noticed the restart rather than waiting for seq 8).
    await until("downstream has run 2", () => seen.length === 12);
    seen.slice(8).forEach((it, i) => {
      expect(it.seq).toBe(i);
      expect(same(it.bytes, run2.objects[i]!)).toBe(true);
    });
  });

  it("refuses bad options before listening", async () => {
    const gate = gateFor([generateSigningKey().publicKey]);
    const ok = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:4443`;
    const codeOf = (p: Promise<unknown>) => p.then(() => "none", (e: TransportError) => e.code);
    expect(await codeOf(createVerifyingRelay({ streamId: STREAM, gate, manifests: ok, objects: [] }))).toBe("bad-argument");
    expect(await codeOf(createVerifyingRelay({ streamId: STREAM, gate, manifests: "127.0.0.1:1", objects: [ok] }))).toBe("bad-endpoint");
    expect(await codeOf(createVerifyingRelay({ streamId: "../x", gate, manifests: ok, objects: [ok] }))).toBe("bad-stream-id");
    expect(await codeOf(createVerifyingRelay({ streamId: STREAM, gate: {} as ObjectGate, manifests: ok, objects: [ok] }))).toBe("bad-argument");
    expect(await codeOf(createVerifyingRelay({ streamId: STREAM, gate, manifests: ok, objects: [ok], advertise: "0.0.0.0:4443" }))).toBe("bad-endpoint");
  });

  it("writes the advertised host:port into the EndpointAddr", async () => {
    const n = await MoqNode.listen({ listen: "0.0.0.0:0", advertise: "relay.example:4443" });
    cleanup.push(() => n.close());
    expect(n.endpoint).toMatch(/^ecmoq:\/\/[0-9a-f]{64}@relay\.example:4443$/);
  });
});
