/**
 * A peer that restarts (same identity and address, sequence numbers starting over) must not leave a
 * subscription waiting for seqs of its old run: after reconnecting, `subscribeTrack` looks at the
 * peer's live edge, says `restarted`, and delivers the new run from its window.
 */
import { afterEach, describe, expect, it } from "vitest";
import { generateNodeIdentity, MoqNode, subscribeTrack } from "../src/index.js";

const nodes: MoqNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

const frame = (run: number, seq: number) => new Uint8Array([run, seq & 0xff, 1, 2, 3]);

/**
 * Subscribes and records [run, seq] of each frame. `overwrite`: the consumer then destroys each
 * frame it was given (as one that decrypts in place does), keeping the first two bytes as identity.
 */
async function collect(remote: string, until: (got: Array<[number, number]>) => boolean, onEvent: (t: string) => void, fromSeq?: number, overwrite = false) {
  const ac = new AbortController();
  const got: Array<[number, number]> = [];
  const it = subscribeTrack({
    remote,
    streamId: "rs",
    track: "chunks",
    fromSeq,
    signal: ac.signal,
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
    onEvent: (e) => onEvent(e.type),
    ...(overwrite ? { frameIdentity: (f: Uint8Array) => f.slice(0, 2) } : {}),
  });
  const done = (async () => {
    for await (const { seq, bytes } of it) {
      got.push([bytes[0]!, seq]);
      if (overwrite) bytes.fill(0xff);
      if (until(got)) ac.abort();
    }
  })();
  return { got, done, ac };
}

describe("subscribeTrack across a peer restart", () => {
  it.each([
    ["behind", 3, false],
    ["at the same seq with other bytes", 6, false],
    ["at the same seq with other bytes, to a consumer that overwrites frames (frameIdentity)", 6, true],
  ])("a restarted peer whose newest group is %s: restarted event, then the new run from its window", async (_what, newRunLast, overwrite) => {
    const identity = generateNodeIdentity();
    const a = await MoqNode.listen({ identity });
    const port = Number(a.endpoint.split(":").at(-1));
    const sa = a.serve("rs", { manifests: false, chunks: true });
    for (let i = 0; i <= 6; i++) sa.publish("chunks", i, frame(1, i));
    const events: string[] = [];
    const c = await collect(a.endpoint, (g) => g.some(([run, seq]) => run === 2 && seq === newRunLast), (t) => events.push(t), 0, overwrite);
    while (c.got.length < 7) await new Promise((r) => setTimeout(r, 10));
    await a.close();
    // The same node identity and port, a new run: seqs start over.
    const b = await MoqNode.listen({ identity, listen: `127.0.0.1:${port}` });
    nodes.push(b);
    const sb = b.serve("rs", { manifests: false, chunks: true });
    for (let i = 0; i <= newRunLast; i++) sb.publish("chunks", i, frame(2, i));
    await c.done;
    expect(events).toContain("restarted");
    expect(c.got.slice(0, 7)).toEqual([...Array(7).keys()].map((i) => [1, i]));
    expect(c.got.slice(7)).toEqual([...Array(newRunLast + 1).keys()].map((i) => [2, i]));
  });

  it.each([
    ["", false],
    [", also for a consumer that overwrites the frames it is given (frameIdentity)", true],
  ])("a peer that did not restart (same newest group, same bytes) is resumed from last + 1, without a restarted event%s", async (_what, overwrite) => {
    const identity = generateNodeIdentity();
    const a = await MoqNode.listen({ identity });
    const port = Number(a.endpoint.split(":").at(-1));
    const sa = a.serve("rs", { manifests: false, chunks: true });
    for (let i = 0; i <= 4; i++) sa.publish("chunks", i, frame(1, i));
    const events: string[] = [];
    const c = await collect(a.endpoint, (g) => g.some(([, seq]) => seq === 6), (t) => events.push(t), 0, overwrite);
    while (c.got.length < 5) await new Promise((r) => setTimeout(r, 10));
    await a.close();
    // Back with the same window (a deterministic relay re-reading the same input), then more.
    const b = await MoqNode.listen({ identity, listen: `127.0.0.1:${port}` });
    nodes.push(b);
    const sb = b.serve("rs", { manifests: false, chunks: true });
    for (let i = 0; i <= 4; i++) sb.publish("chunks", i, frame(1, i));
    while (!events.includes("connected") || events.filter((e) => e === "connected").length < 2) await new Promise((r) => setTimeout(r, 10));
    // The reconnect's probe has been served the newest group (4) before anything newer exists, so
    // it is the bytes of seq 4 that decide, not a newer group.
    while (b.stats.framesServed < 1) await new Promise((r) => setTimeout(r, 10));
    for (let i = 5; i <= 6; i++) sb.publish("chunks", i, frame(1, i));
    await c.done;
    expect(events).not.toContain("restarted");
    expect(c.got).toEqual([...Array(7).keys()].map((i) => [1, i]));
  });
});
