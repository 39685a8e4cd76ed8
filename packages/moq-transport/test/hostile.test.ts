import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, items, Procs } from "./helpers.js";

const procs = new Procs();
beforeAll(() => ensureBuilt());
afterEach(() => procs.killAll());

const STREAM = "hostile-test";
const MiB = 1024 * 1024;

describe("hostile peers", () => {
  it("a flood of sessions, subscriptions and announces, and stalled readers: limits hold, memory stays bounded, honest subscribers keep receiving", async () => {
    const SIZE = 256 * 1024;
    const pub = procs.spawn(
      "publisher.mjs",
      {
        streamId: STREAM,
        serve: { manifests: true, chunks: true },
        publish: ["manifests", "chunks"],
        intervalMs: 20,
        size: SIZE,
        window: { maxGroups: 16 },
        limits: { maxSessions: 24, maxSubscriptionsPerSession: 8, maxAnnouncesPerSession: 2 },
      },
      { exposeGc: true },
    );
    const { endpoint, port } = await pub.ready();
    const honest = procs.spawn("subscriber.mjs", { subs: [{ remote: endpoint, streamId: STREAM, track: "chunks", size: SIZE }] });
    await honest.waitCount((l) => l.type === "item", 10);
    const base = await pub.stats();

    const stall = procs.spawn("hostile.mjs", { mode: "stall", port, streamId: STREAM, sessions: 4 });
    expect((await stall.waitFor((l) => l.type === "done" || l.type === "exited")).opened).toBe(4);
    const flood = procs.spawn("hostile.mjs", { mode: "flood", port, streamId: STREAM, sessions: 40, subsPerSession: 60, announcesPerSession: 20 });
    const done = await flood.waitFor((l) => l.type === "done" || l.type === "exited");
    expect(done.type).toBe("done");
    expect(done.refused).toBeGreaterThan(0); // beyond maxSessions: HTTP 503

    // Keep the attack running while the window (16 groups) turns over many times.
    const n = items(honest, "chunks").length;
    await honest.waitCount((l) => l.type === "item", n + 50);
    const mid = await pub.stats();
    await honest.waitCount((l) => l.type === "item", n + 200);
    const after = await pub.stats();

    expect(after.stats.sessions).toBeLessThanOrEqual(24);
    expect(after.stats.refused.sessions).toBeGreaterThan(0);
    expect(after.stats.refused.subscriptions).toBeGreaterThan(0);
    expect(after.stats.refused.announces).toBeGreaterThan(0);
    expect(after.stats.refused["not-served"]).toBeGreaterThan(0);
    // Every stalled reader was cut once it fell behind the window.
    expect(after.stats.refused.lagging).toBeGreaterThanOrEqual(4);
    // Memory is bounded by the limits, not by traffic: 150 more groups (38 MiB of chunks, 20k+ frames
    // to the flood's subscriptions) later, the node holds about what it held before. Measured as
    // what is referenced after a GC (heap + buffers): RSS after a GC also moves with what the
    // allocator keeps (it drifted 34 MiB once on a loaded machine with nothing retained).
    expect(after.held - mid.held).toBeLessThan(32 * MiB);
    // The total is the fixed cost of the sessions the limits admit (24 sessions x 8 subscriptions,
    // about 6 MB of RSS per flooding session here); it is a ceiling, the line above is the real test.
    expect(after.rss - base.rss).toBeLessThan(256 * MiB);
    expect(items(honest, "chunks").every((l) => l.ok)).toBe(true);
  });

  it("an upstream that sends oversized frames: refused unread, memory bounded, the relay keeps serving", async () => {
    const bad = procs.spawn("hostile.mjs", { mode: "oversize-server", streamId: STREAM, frameBytes: 48 * MiB, intervalMs: 5 });
    const { port: badPort } = await bad.ready();
    const SIZE = 64 * 1024;
    const good = procs.spawn("publisher.mjs", {
      streamId: STREAM,
      serve: { manifests: false, chunks: true },
      publish: ["chunks"],
      intervalMs: 20,
      size: SIZE,
    });
    const g = await good.ready();
    const relayOpts = (upstreams: unknown[]) => ({
      streamId: STREAM,
      allowInsecure: true,
      upstreams,
      serve: { manifests: false, chunks: true },
      verify: "none",
      limits: { maxFrameBytes: 1 * MiB },
    });
    // Baseline: the same relay with only the honest upstream, measured in the same run.
    const control = procs.spawn("relay.mjs", relayOpts([{ remote: g.endpoint, tracks: ["chunks"] }]), { exposeGc: true });
    const attacked = procs.spawn(
      "relay.mjs",
      relayOpts([
        { remote: `127.0.0.1:${badPort}`, tracks: ["chunks"] },
        { remote: g.endpoint, tracks: ["chunks"] },
      ]),
      { exposeGc: true },
    );
    const [c, r] = await Promise.all([control.ready(), attacked.ready()]);
    const subC = procs.spawn("subscriber.mjs", { subs: [{ remote: c.endpoint, streamId: STREAM, track: "chunks", size: SIZE }] });
    const sub = procs.spawn("subscriber.mjs", { subs: [{ remote: r.endpoint, streamId: STREAM, track: "chunks", size: SIZE }] });
    // The hostile upstream offers tens of 48 MiB frames (gigabytes) while the honest one keeps going.
    await bad.waitFor((l) => l.type === "progress" && l.served >= 20);
    await sub.waitCount((l) => l.type === "item", 60);
    await subC.waitCount((l) => l.type === "item", 60);
    const [after, base] = await Promise.all([attacked.stats(), control.stats()]);
    const refusedFrames = attacked.lines.filter((l) => l.type === "event" && l.event === "frame-refused");
    expect(refusedFrames.length).toBeGreaterThanOrEqual(10);
    expect(after.relay.upstreamErrors).toBeGreaterThanOrEqual(10);
    // Unguarded, moq-lite would read every 48 MiB frame into memory (several at once).
    expect(after.rss - base.rss).toBeLessThan(48 * MiB);
    expect(items(sub, "chunks").every((l) => l.ok)).toBe(true);
    expect(after.relay.forwarded).toBeGreaterThanOrEqual(60);
  });
});
