import { describe, expect, it } from "vitest";
import { ThroughputHistory } from "../src/http/throughput.js";
import { buildSnapshot } from "../src/http/snapshot.js";
import { newSubscriberStats } from "../src/stats.js";

describe("ThroughputHistory", () => {
  it("records deltas per interval; the first sample only sets the baseline", () => {
    const s = newSubscriberStats("x");
    s.bytesWritten = 10_000; // a subscriber that ran before the server started
    s.objects.accepted = 4;
    const h = new ThroughputHistory(10);
    expect(h.sample(s, 1000)).toEqual({ atMs: 1000, bytes: 0, objectsAccepted: 0, objectsRejected: 0, manifestsAccepted: 0 });
    s.bytesWritten += 500;
    s.objects.accepted += 1;
    s.objects.rejected["hash-mismatch"] = 2;
    s.objects.rejected["aead-failed"] = 1;
    s.manifests.accepted = 3;
    expect(h.sample(s, 2000)).toEqual({ atMs: 2000, bytes: 500, objectsAccepted: 1, objectsRejected: 3, manifestsAccepted: 3 });
    expect(h.sample(s, 3000)).toEqual({ atMs: 3000, bytes: 0, objectsAccepted: 0, objectsRejected: 0, manifestsAccepted: 0 });
  });

  it("never goes negative when the counters are replaced by a fresh object", () => {
    const h = new ThroughputHistory(10);
    const a = newSubscriberStats("x");
    a.bytesWritten = 900;
    h.sample(a, 1);
    const b = newSubscriberStats("x");
    b.bytesWritten = 100;
    expect(h.sample(b, 2).bytes).toBe(0);
    b.bytesWritten = 300;
    expect(h.sample(b, 3).bytes).toBe(200);
  });

  it("keeps only the newest samples, and since() returns those after a time", () => {
    const h = new ThroughputHistory(3);
    for (let t = 1; t <= 5; t++) h.sample(undefined, t);
    expect(h.since().map((s) => s.atMs)).toEqual([3, 4, 5]);
    expect(h.since(3).map((s) => s.atMs)).toEqual([4, 5]);
    expect(h.since(5)).toEqual([]);
  });
});

describe("buildSnapshot", () => {
  it("derives the live edge from the newest segment, by the server clock", () => {
    const s = newSubscriberStats("x");
    expect(buildSnapshot(s, 10_000, 1000, []).liveEdge).toEqual({ newestSegmentAgeMs: null, newestSegmentSeq: null, newestSegmentSeconds: null });
    s.lastSegment = { seq: 9, name: "00002.ts", writtenAtMs: 7_500, durationTicks: 90_000 };
    const snap = buildSnapshot(s, 10_000, 1000, []);
    expect(snap.liveEdge).toEqual({ newestSegmentAgeMs: 2_500, newestSegmentSeq: 9, newestSegmentSeconds: 1 });
    expect(snap.v).toBe(1);
    expect(snap.stats).toBe(s);
    expect(buildSnapshot(undefined, 1, 1000, []).stats).toBeNull();
  });
});
