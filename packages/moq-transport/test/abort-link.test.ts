// One caller's AbortSignal shared by many subscriptions: one listener on it, whatever their number
// (issue 19: the fan-out bench's 50 subscribers on one signal printed MaxListenersExceededWarning).
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { followAbort } from "../src/abort-link.js";
import { MoqNode, subscribeTrack } from "../src/index.js";

const listeners = (s: AbortSignal) => getEventListeners(s, "abort").length;

/** Collects the process warnings emitted while `run` runs. */
async function warningsDuring(run: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const on = (w: Error) => seen.push(w);
  process.on("warning", on);
  try {
    await run();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", on);
  }
  return seen;
}

describe("followAbort", () => {
  it("links any number of controllers through one listener, removed with the last unlink", () => {
    const parent = new AbortController();
    const children = Array.from({ length: 100 }, () => new AbortController());
    const unlinks = children.map((c) => followAbort(parent.signal, c));
    expect(listeners(parent.signal)).toBe(1);
    unlinks.slice(0, 99).forEach((u) => u());
    expect(listeners(parent.signal)).toBe(1);
    unlinks[99]!();
    unlinks[99]!(); // twice is harmless
    expect(listeners(parent.signal)).toBe(0);
    parent.abort();
    expect(children.some((c) => c.signal.aborted)).toBe(false);
  });

  it("aborts every linked controller, not the unlinked ones; a late link aborts at once", () => {
    const parent = new AbortController();
    const a = new AbortController();
    const b = new AbortController();
    followAbort(parent.signal, a);
    const unlinkB = followAbort(parent.signal, b);
    unlinkB();
    parent.abort();
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(listeners(parent.signal)).toBe(0);
    const late = new AbortController();
    followAbort(parent.signal, late);
    expect(late.signal.aborted).toBe(true);
  });

  it("a fresh set of links after the last unlink works the same", () => {
    const parent = new AbortController();
    followAbort(parent.signal, new AbortController())();
    const c = new AbortController();
    followAbort(parent.signal, c);
    expect(listeners(parent.signal)).toBe(1);
    parent.abort();
    expect(c.signal.aborted).toBe(true);
  });
});

describe("subscribeTrack: many subscriptions on one caller signal", () => {
  let node: MoqNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  it("12 subscriptions sharing a signal add one listener to it and no MaxListenersExceededWarning; all end on abort", async () => {
    node = await MoqNode.listen({ limits: { maxSessions: 20 } });
    const server = node.serve("share", { manifests: false, chunks: true, window: { maxGroups: 8 } });
    server.publish("chunks", 0, new Uint8Array(64).fill(1));
    const ac = new AbortController();
    const N = 12;
    const got = new Array<number>(N).fill(0);
    let loops: Array<Promise<void>> = [];
    const warnings = await warningsDuring(async () => {
      loops = Array.from({ length: N }, async (_, i) => {
        for await (const { seq } of subscribeTrack({ remote: node!.endpoint, streamId: "share", track: "chunks", fromSeq: 0, signal: ac.signal })) {
          expect(seq).toBe(0);
          got[i]!++;
        }
      });
      // Every subscription is running (each has received the group) before we look.
      while (got.some((g) => g === 0)) await new Promise((r) => setTimeout(r, 10));
      expect(listeners(ac.signal)).toBe(1);
    });
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    ac.abort();
    await Promise.all(loops);
    expect(got).toEqual(new Array(N).fill(1));
    expect(listeners(ac.signal)).toBe(0);
  });
});
