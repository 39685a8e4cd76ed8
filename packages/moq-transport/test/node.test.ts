import { afterEach, describe, expect, it } from "vitest";
import { MoqNode, subscribeTrack, TransportError, type TrackItem } from "../src/index.js";
import { MAX_FRAME_BYTES } from "@ec/stream-rules";

const nodes: MoqNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node() {
  const n = await MoqNode.listen();
  nodes.push(n);
  return n;
}

function bytes(seq: number, size = 64): Uint8Array {
  return new Uint8Array(size).fill(seq & 0xff);
}

describe("MoqNode in one process", () => {
  it("serves more groups than one subscription carries (node-side rotation) with no gap or duplicate, under a slow consumer", async () => {
    const n = await node();
    const s = n.serve("rot", { manifests: false, chunks: true, window: { maxGroups: 1000 } });
    for (let i = 0; i < 300; i++) s.publish("chunks", i, bytes(i));
    const ac = new AbortController();
    const got: number[] = [];
    const events: string[] = [];
    for await (const { seq, bytes: b } of subscribeTrack({ remote: n.endpoint, streamId: "rot", track: "chunks", fromSeq: 0, signal: ac.signal, maxBufferedGroups: 8, onEvent: (e) => events.push(e.type) })) {
      expect(b[0]).toBe(seq & 0xff);
      got.push(seq);
      // A slow consumer: the subscription pauses and resumes rather than buffering everything.
      await new Promise((r) => setImmediate(r));
      if (seq === 299) ac.abort();
    }
    expect(got).toEqual([...Array(300).keys()]);
    expect(events.filter((e) => e === "connected")).toHaveLength(1);
  });

  it("ends quietly on abort, and publish refuses what the stream does not serve", async () => {
    const n = await node();
    const s = n.serve("abort", { manifests: true, chunks: false });
    expect(() => s.publish("chunks", 0, bytes(0))).toThrow(expect.objectContaining({ code: "not-served" }));
    expect(() => s.publish("manifests", -1, bytes(0))).toThrow(expect.objectContaining({ code: "bad-argument" }));
    // Over the default cap (one largest object, @ec/stream-rules): refused.
    expect(() => s.publish("manifests", 0, new Uint8Array(MAX_FRAME_BYTES + 1))).toThrow(expect.objectContaining({ code: "frame-too-large" }));
    expect(() => n.serve("abort", { manifests: true, chunks: true })).toThrow(TransportError);
    const ac = new AbortController();
    const it = subscribeTrack({ remote: n.endpoint, streamId: "abort", track: "manifests", signal: ac.signal });
    const seen: TrackItem[] = [];
    const done = (async () => {
      for await (const x of it) seen.push(x);
    })();
    s.publish("manifests", 0, bytes(0));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(done).resolves.toBeUndefined();
  });

  it("gives up with 'unreachable' after maxAttempts when nothing listens", async () => {
    const n = await node();
    const endpoint = n.endpoint;
    await n.close();
    const events: string[] = [];
    const it = subscribeTrack({ remote: endpoint, streamId: "x", track: "chunks", reconnect: { minDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 }, onEvent: (e) => events.push(e.type) });
    await expect((async () => { for await (const _ of it) { /* nothing */ } })()).rejects.toMatchObject({ code: "unreachable" });
    expect(events.filter((e) => e === "reconnecting")).toHaveLength(2);
  });

  it("rejects bad options at call time with typed errors", () => {
    expect(() => subscribeTrack({ remote: "127.0.0.1:1", streamId: "s", track: "chunks" })).toThrow(expect.objectContaining({ code: "bad-endpoint" }));
    expect(() => subscribeTrack({ remote: "127.0.0.1:1", allowInsecure: true, streamId: "a/b", track: "chunks" })).toThrow(expect.objectContaining({ code: "bad-stream-id" }));
    expect(() => subscribeTrack({ remote: "127.0.0.1:1", allowInsecure: true, streamId: "s", track: "video" as "chunks" })).toThrow(expect.objectContaining({ code: "bad-argument" }));
  });

  it("answers plain HTTP with 426 and unknown paths with 404", async () => {
    const n = await node();
    const r = await fetch(`http://127.0.0.1:${n.addr.port}/moq`);
    expect(r.status).toBe(426);
    expect(n.stats.sessions).toBe(0);
  });
});
