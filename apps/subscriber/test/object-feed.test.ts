/**
 * ObjectFeed against real moq-lite nodes on loopback: failover order, the junk score (demoted at
 * the first rejected object, dropped at `dropAfter`), and the end of the run when no peer is left.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MoqNode, silentLogger } from "@ec/moq-transport";
import { ObjectFeed } from "../src/object-feed.js";
import type { FeedObject, FeedPeerEvent } from "../src/object-feed.js";

const nodes: MoqNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function relay(tag: number, count: number) {
  const n = await MoqNode.listen();
  nodes.push(n);
  const s = n.serve("of", { manifests: false, chunks: true });
  for (let i = 0; i < count; i++) s.publish("chunks", i, new Uint8Array([tag, i]));
  return { endpoint: n.endpoint, publish: (i: number) => s.publish("chunks", i, new Uint8Array([tag, i])) };
}

function feedOf(remotes: string[], ac: AbortController, onObject: (o: FeedObject, feed: ObjectFeed) => void, dropAfter = 3) {
  const events: Array<[string, FeedPeerEvent, string?]> = [];
  let next = 0;
  const feed: ObjectFeed = new ObjectFeed({
    remotes,
    allowInsecure: false,
    streamId: "of",
    signal: ac.signal,
    log: silentLogger,
    dropAfter,
    resumeFrom: () => next,
    onObject: (o) => {
      next = o.seq + 1;
      onObject(o, feed);
    },
    onPeerEvent: (peer, type, detail) => events.push([peer, type, detail]),
  });
  return { feed, events };
}

describe("ObjectFeed scoring", () => {
  it("demotes a peer at its first rejected object and carries on from the next relay at the next seq", async () => {
    const a = await relay(1, 10);
    const b = await relay(2, 10);
    const ac = new AbortController();
    const got: Array<[number, number]> = [];
    const { feed, events } = feedOf([a.endpoint, b.endpoint], ac, (o, f) => {
      got.push([o.bytes[0]!, o.seq]);
      if (o.peer === a.endpoint && o.seq === 2) expect(f.penalize(a.endpoint, "hash-mismatch")).toBe("demoted");
      if (o.seq === 9) ac.abort();
    });
    await feed.run();
    // 0..2 from A (2 was the junk), then 3.. from B: no seq twice, none skipped.
    const fromA = got.filter(([t]) => t === 1).map(([, s]) => s);
    expect(fromA).toEqual([0, 1, 2]);
    expect(got.map(([, s]) => s)).toEqual([...Array(10).keys()]);
    expect(events.filter(([p, t]) => p === a.endpoint && t === "demoted")).toHaveLength(1);
    expect(events.find(([, t]) => t === "demoted")![2]).toMatch(/hash-mismatch.*1 of 3/);
    expect(feed.preference).toEqual([b.endpoint, a.endpoint]);
    // The feed says it left A (so its "connected" flag drops) after demoting it, before B connected.
    const leftA = events.findIndex(([p, t]) => p === a.endpoint && t === "left");
    expect(leftA).toBeGreaterThan(events.findIndex(([p, t]) => p === a.endpoint && t === "demoted"));
    expect(leftA).toBeLessThan(events.findIndex(([p, t]) => p === b.endpoint && t === "connected"));
  });

  it("drops a peer at dropAfter rejections; the run fails, naming why, when no peer is left", async () => {
    const a = await relay(1, 5);
    const ac = new AbortController();
    const { feed, events } = feedOf([a.endpoint], ac, (o, f) => {
      f.penalize(o.peer, "size-mismatch");
    }, 2);
    await expect(feed.run()).rejects.toThrow(/no usable object peer left: .*served 2 rejected objects \(last: size-mismatch\)/);
    expect(events.filter(([, t]) => t === "demoted")).toHaveLength(1);
    expect(events.filter(([, t]) => t === "dropped")).toHaveLength(1);
    expect(feed.penalize(a.endpoint, "x")).toBe("already-dropped");
    expect(feed.preference).toEqual([]);
  });

  it("a demoted peer is still the last resort while it is not dropped", async () => {
    const a = await relay(1, 6);
    const ac = new AbortController();
    const seqs: number[] = [];
    const { feed } = feedOf([a.endpoint], ac, (o, f) => {
      seqs.push(o.seq);
      if (o.seq === 1) f.penalize(o.peer, "hash-mismatch");
      if (o.seq === 5) ac.abort();
    });
    await feed.run();
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
