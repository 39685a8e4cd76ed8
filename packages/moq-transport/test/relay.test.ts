import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, items, Procs } from "./helpers.js";

const procs = new Procs();
beforeAll(() => ensureBuilt());
afterEach(() => procs.killAll());

const STREAM = "relay-test";
const SIZE = 8192;

function publisher(extra: Record<string, unknown>) {
  return procs.spawn("publisher.mjs", {
    streamId: STREAM,
    serve: { manifests: true, chunks: true },
    publish: ["manifests", "chunks"],
    intervalMs: 25,
    size: SIZE,
    window: { maxGroups: 1000 },
    ...extra,
  });
}

describe("relay (three processes)", () => {
  it("re-serves verified chunks: leader -> relay (chunks only, manifest check) -> subscriber", async () => {
    const leader = publisher({ prefill: 5 });
    const l = await leader.ready();
    const relay = procs.spawn("relay.mjs", {
      streamId: STREAM,
      upstreams: [{ remote: l.endpoint, tracks: ["manifests", "chunks"] }],
      serve: { manifests: false, chunks: true },
      verify: "manifest",
      window: { maxGroups: 1000 },
    });
    const r = await relay.ready();
    const sub = procs.spawn("subscriber.mjs", {
      subs: [
        { remote: r.endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, size: SIZE },
        { remote: r.endpoint, streamId: STREAM, track: "manifests", size: SIZE },
      ],
    });
    await sub.waitCount((x) => x.type === "item" && x.track === "chunks", 15);
    const got = items(sub, "chunks");
    expect(got.every((x) => x.ok)).toBe(true);
    expect(got.slice(0, 15).map((x) => x.seq)).toEqual([...Array(15).keys()]);
    // The relay does not serve manifests: refused, never data.
    const err = await sub.waitFor((x) => x.type === "error" && x.track === "manifests");
    expect(err.code).toBe("not-served");
    expect(items(sub, "manifests")).toHaveLength(0);
    const st = await relay.stats();
    expect(st.relay.forwarded).toBeGreaterThanOrEqual(15);
    expect(st.relay.observed).toBeGreaterThanOrEqual(15); // manifests seen by the verifier only
    expect(st.relay.rejected).toBe(0);
  });

  it("forwards nothing the verifier refuses: chunks from a tampering upstream are dropped", async () => {
    const leader = publisher({ serve: { manifests: true, chunks: false }, publish: ["manifests"], prefill: 5 });
    const liar = publisher({ serve: { manifests: false, chunks: true }, publish: ["chunks"], corrupt: true, prefill: 5 });
    const [l, b] = await Promise.all([leader.ready(), liar.ready()]);
    const relay = procs.spawn("relay.mjs", {
      streamId: STREAM,
      upstreams: [
        { remote: l.endpoint, tracks: ["manifests"] },
        { remote: b.endpoint, tracks: ["chunks"] },
      ],
      serve: { manifests: true, chunks: true },
      verify: "manifest",
    });
    const r = await relay.ready();
    const sub = procs.spawn("subscriber.mjs", {
      subs: [
        { remote: r.endpoint, streamId: STREAM, track: "manifests", fromSeq: 0, size: SIZE },
        { remote: r.endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, size: SIZE },
      ],
    });
    await sub.waitCount((x) => x.type === "item" && x.track === "manifests", 10);
    let st = await relay.stats();
    while (st.relay.rejected < 10) {
      await sub.waitCount((x) => x.type === "item" && x.track === "manifests", items(sub, "manifests").length + 1);
      st = await relay.stats();
    }
    expect(st.relay.forwarded).toBeGreaterThanOrEqual(10); // the manifests
    expect(items(sub, "chunks")).toHaveLength(0);
    expect(items(sub, "manifests").every((x) => x.ok)).toBe(true);
  });

  it("takes the same chunks from two upstreams and serves each seq once", async () => {
    const a = publisher({ prefill: 3 });
    const b = publisher({ prefill: 3 });
    const [ra, rb] = await Promise.all([a.ready(), b.ready()]);
    const relay = procs.spawn("relay.mjs", {
      streamId: STREAM,
      upstreams: [
        { remote: ra.endpoint, tracks: ["chunks"] },
        { remote: rb.endpoint, tracks: ["chunks"] },
      ],
      serve: { manifests: false, chunks: true },
      verify: "none",
      window: { maxGroups: 1000 },
    });
    const r = await relay.ready();
    const sub = procs.spawn("subscriber.mjs", { subs: [{ remote: r.endpoint, streamId: STREAM, track: "chunks", fromSeq: 0, size: SIZE }] });
    await sub.waitCount((x) => x.type === "item", 20);
    const seqs = items(sub, "chunks").map((x) => x.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(items(sub, "chunks").every((x) => x.ok)).toBe(true);
    const st = await relay.stats();
    expect(st.relay.duplicates).toBeGreaterThan(0);
  });
});
