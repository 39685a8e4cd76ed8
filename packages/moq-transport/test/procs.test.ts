import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, items, Procs } from "./helpers.js";

const procs = new Procs();
beforeAll(() => ensureBuilt());
afterEach(() => procs.killAll());

const STREAM = "wcbd-hd";

function publisher(extra: Record<string, unknown>) {
  return procs.spawn("publisher.mjs", {
    streamId: STREAM,
    serve: { manifests: true, chunks: true },
    publish: ["manifests", "chunks"],
    intervalMs: 20,
    size: 4096,
    ...extra,
  });
}

describe("separate processes on loopback", () => {
  it("publishes both tracks from one node to a subscriber in another process", async () => {
    // A window large enough that nothing is evicted before the subscriber process starts.
    const pub = publisher({ prefill: 5, window: { maxGroups: 1000 } });
    const { endpoint } = await pub.ready();
    expect(endpoint).toMatch(/^ecmoq:\/\/[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
    const sub = procs.spawn("subscriber.mjs", {
      subs: [
        { remote: endpoint, streamId: STREAM, track: "manifests", fromSeq: 0, size: 4096 },
        { remote: endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, size: 4096 },
      ],
    });
    await sub.waitCount((l) => l.type === "item" && l.track === "manifests", 20);
    await sub.waitCount((l) => l.type === "item" && l.track === "chunks", 20);
    for (const track of ["manifests", "chunks"]) {
      const got = items(sub, track).slice(0, 20);
      // fromSeq 0 asks for the window: the prefilled groups come first, then live ones, in order.
      expect(got.map((l) => l.seq)).toEqual([...Array(20).keys()]);
      expect(got.every((l) => l.ok)).toBe(true);
    }
  });

  it("splits the tracks across two peers: manifests from one, chunks from the other", async () => {
    const leader = publisher({ serve: { manifests: true, chunks: false }, publish: ["manifests"] });
    const avail = publisher({ serve: { manifests: false, chunks: true }, publish: ["chunks"] });
    const [a, b] = await Promise.all([leader.ready(), avail.ready()]);
    const sub = procs.spawn("subscriber.mjs", {
      subs: [
        { remote: a.endpoint, streamId: STREAM, track: "manifests", size: 4096 },
        { remote: b.endpoint, streamId: STREAM, track: "chunks", size: 4096 },
      ],
    });
    await sub.waitCount((l) => l.type === "item" && l.track === "manifests", 10);
    await sub.waitCount((l) => l.type === "item" && l.track === "chunks", 10);
    expect(items(sub, "manifests").every((l) => l.ok)).toBe(true);
    expect(items(sub, "chunks").every((l) => l.ok)).toBe(true);
    const la = (await leader.stats()).stats;
    const lb = (await avail.stats()).stats;
    expect(la.framesServed).toBeGreaterThanOrEqual(10);
    expect(lb.framesServed).toBeGreaterThanOrEqual(10);
  });

  it("refuses a track the peer does not serve: an error, never data", async () => {
    const leader = publisher({ serve: { manifests: true, chunks: false }, publish: ["manifests"], prefill: 3 });
    const { endpoint } = await leader.ready();
    const sub = procs.spawn("subscriber.mjs", { subs: [{ remote: endpoint, streamId: STREAM, track: "chunks", fromSeq: 0 }] });
    const err = await sub.waitFor((l) => l.type === "error");
    expect(err.code).toBe("not-served");
    expect(items(sub, "chunks")).toHaveLength(0);
    expect((await leader.stats()).stats.refused["not-served"]).toBeGreaterThanOrEqual(1);
  });

  it("a late joiner without fromSeq starts at the live edge", async () => {
    const pub = publisher({ prefill: 30, intervalMs: 50 });
    const { endpoint } = await pub.ready();
    const sub = procs.spawn("subscriber.mjs", { subs: [{ remote: endpoint, streamId: STREAM, track: "chunks", size: 4096 }] });
    await sub.waitCount((l) => l.type === "item", 3);
    const first = items(sub, "chunks")[0]!;
    // 30 groups were in the window when it joined; it gets the newest one, not seq 0.
    expect(first.seq).toBeGreaterThanOrEqual(29);
    const seqs = items(sub, "chunks").map((l) => l.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it("refuses a peer whose identity does not match the EndpointAddr, without retrying", async () => {
    const real = publisher({});
    const other = publisher({});
    const [r, o] = await Promise.all([real.ready(), other.ready()]);
    // The real node's address, with the other node's key: an impostor from the dialer's view.
    const key = /^ecmoq:\/\/([0-9a-f]{64})@/.exec(o.endpoint)![1]!;
    const forged = r.endpoint.replace(/[0-9a-f]{64}/, key);
    const sub = procs.spawn("subscriber.mjs", { subs: [{ remote: forged, streamId: STREAM, track: "chunks" }] });
    const err = await sub.waitFor((l) => l.type === "error");
    expect(err.code).toBe("auth-failed");
    expect(err.message).not.toContain(Buffer.from(r.secretHex, "hex").toString("hex"));
    const events = sub.lines.filter((l) => l.type === "event").map((l) => l.event);
    expect(events).toEqual(["auth-failed"]);
    expect(items(sub, "chunks")).toHaveLength(0);
    expect((await real.stats()).stats.framesServed).toBe(0);
  });

  it("reconnects after the peer is killed mid-stream and resumes without duplicates or gaps", async () => {
    const p1 = publisher({ intervalMs: 25, window: { maxGroups: 64 } });
    const r1 = await p1.ready();
    const sub = procs.spawn("subscriber.mjs", {
      subs: [{ remote: r1.endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, size: 4096 }],
    });
    await sub.waitCount((l) => l.type === "item", 15);
    await p1.kill("SIGKILL");
    const lastBefore = Math.max(...items(sub, "chunks").map((l) => l.seq));
    await sub.waitFor((l) => l.type === "event" && l.event === "disconnected");
    // The same node comes back (same key, same port) and re-publishes from a few groups back.
    const p2 = publisher({ intervalMs: 25, listen: `127.0.0.1:${r1.port}`, secretHex: r1.secretHex, start: Math.max(0, lastBefore - 5), prefill: 8 });
    const r2 = await p2.ready();
    expect(r2.endpoint).toBe(r1.endpoint);
    await sub.waitFor((l) => l.type === "item" && l.seq >= lastBefore + 10);
    const seqs = items(sub, "chunks").map((l) => l.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...Array(seqs.length).keys()]);
    expect(items(sub, "chunks").every((l) => l.ok)).toBe(true);
    const ev = sub.lines.filter((l) => l.type === "event").map((l) => l.event);
    expect(ev.filter((e) => e === "connected").length).toBeGreaterThanOrEqual(2);
  });

  it("a plain @moq/lite client (none of our code) receives the frames, over qmux 0.3 and the legacy fallback", async () => {
    const pub = publisher({ prefill: 10, intervalMs: 30, window: { maxGroups: 1000 } });
    const { endpoint } = await pub.ready();
    const port = /:(\d+)$/.exec(endpoint)![1];
    const { chunkBytes, manifestBytes } = await import("./procs/payload.mjs");
    for (const mode of ["qmux", "legacy"]) {
      const c = procs.spawn("plain-client.mjs", { url: `http://127.0.0.1:${port}/moq`, streamId: STREAM, track: "chunks?from=0", mode, count: 12 });
      await c.waitFor((l) => l.type === "done" || l.type === "exited");
      const got = c.lines.filter((l) => l.type === "item");
      expect(got.map((l) => l.seq), mode).toEqual([...Array(12).keys()]);
      for (const l of got) expect(Buffer.from(l.bytes, "base64").equals(Buffer.from(chunkBytes(l.seq, 4096)))).toBe(true);
      // The live-edge form: plain track name.
      const m = procs.spawn("plain-client.mjs", { url: `http://127.0.0.1:${port}/moq`, streamId: STREAM, track: "manifests", mode, count: 2 });
      await m.waitFor((l) => l.type === "done" || l.type === "exited");
      const mg = m.lines.filter((l) => l.type === "item");
      expect(mg).toHaveLength(2);
      for (const l of mg) expect(Buffer.from(l.bytes, "base64").equals(Buffer.from(manifestBytes(l.seq, 4096)))).toBe(true);
    }
  });
});
