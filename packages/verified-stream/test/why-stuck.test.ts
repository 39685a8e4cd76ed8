import { describe, expect, it } from "vitest";
import { newStreamStats, peerStats } from "../src/stats.js";
import type { StreamStats } from "../src/stats.js";
import { STALL_AFTER_MANIFESTS, whyStuck } from "../src/why-stuck.js";

/** The stream's counters plus what a consumer (here, an HLS writer) made of the chunks. */
type SubscriberStats = StreamStats & { segments: number; mediaSeconds: number; lastSegment?: { seq: number; name: string; writtenAtMs: number; durationTicks: number } };
const newSubscriberStats = (streamId: string): SubscriberStats => ({ ...newStreamStats(streamId, false), segments: 0, mediaSeconds: 0 });

const LEADER = "ecmoq://aa@127.0.0.1:4000";
const RELAY_A = "ecmoq://bb@127.0.0.1:4001";
const RELAY_B = "ecmoq://cc@127.0.0.1:4002";
const T0 = Date.parse("2026-12-01T00:00:00.000Z");
const NOW = T0 + 40_000;

/** A run that verified 6 manifests and wrote 12 s from RELAY_A, leader and relay both connected. */
function progressed(): SubscriberStats {
  const stats = newSubscriberStats("s");
  stats.manifests.accepted = 6;
  stats.objects.accepted = 6;
  stats.segments = 6;
  stats.mediaSeconds = 12;
  stats.lastSegment = { seq: 5, name: "seg-5.ts", writtenAtMs: T0 + 12_000, durationTicks: 180_000 };
  const m = peerStats(stats, LEADER, "manifests");
  Object.assign(m, { connected: true, connects: 1, received: 6, accepted: 6, lastReceivedAtMs: NOW - 1000 });
  const a = peerStats(stats, RELAY_A, "objects");
  Object.assign(a, { connected: true, connects: 1, received: 6, accepted: 6, lastReceivedAtMs: NOW - 1000 });
  return stats;
}

const judge = (stats: SubscriberStats, objectPeers = [RELAY_A]) =>
  whyStuck({ stats, media: { seconds: stats.mediaSeconds, lastDurationTicks: stats.lastSegment?.durationTicks }, manifestPeer: LEADER, objectPeers, nowMs: NOW });

describe("whyStuck: the exit reason names what happened", () => {
  it("leader gone: the manifest peer disconnected and never came back; says when and why", () => {
    const stats = progressed();
    Object.assign(stats.peers.manifests[LEADER]!, {
      connected: false,
      disconnects: 1,
      disconnectedAtMs: T0 + 13_000,
      lastReceivedAtMs: T0 + 12_500,
      lastError: "connect ECONNREFUSED 127.0.0.1:4000",
    });
    const r = judge(stats);
    expect(r.kind).toBe("leader-gone");
    expect(r.text).toContain(`manifest peer ${LEADER} disconnected at 2026-12-01T00:00:13.000Z, 27.0 s before the end`);
    expect(r.text).toContain("(connect ECONNREFUSED 127.0.0.1:4000)");
    expect(r.text).toContain("last manifest at 2026-12-01T00:00:12.500Z");
    expect(r.text).toContain("12.0 s of verified media written");
    expect(r.text).not.toContain("\n");
  });

  it("manifest peer silent: still connected, no manifest for several chunk durations; says since when", () => {
    const stats = progressed();
    stats.peers.manifests[LEADER]!.lastReceivedAtMs = T0 + 12_000;
    const r = judge(stats);
    expect(r.kind).toBe("manifest-peer-silent");
    expect(r.text).toContain(`manifest peer ${LEADER} silent since 2026-12-01T00:00:12.000Z, 28.0 s before the end`);
    // What was refused before the silence is kept in the line.
    stats.manifests.rejected = { replay: 7 };
    expect(judge(stats).text).toMatch(/silent since .*; manifests rejected: 7 replay; 12\.0 s of verified media written$/);
  });

  it("a manifest within the last chunks is not silence", () => {
    const stats = progressed();
    expect(judge(stats).kind).toBe("too-little-media");
    expect(judge(stats).text).toMatch(/^only 12\.0 s of verified media written$/);
  });

  it("manifests that stopped advancing are named as such", () => {
    const stats = progressed();
    stats.manifests.stalled = STALL_AFTER_MANIFESTS + 2;
    const r = judge(stats);
    expect(r.kind).toBe("manifests-stalled");
    expect(r.text).toContain(`manifests from ${LEADER} stopped advancing: the last ${STALL_AFTER_MANIFESTS + 2} vouched for no new chunk`);
  });

  it("names every object peer that was unreachable, dropped, disconnected or never tried, and why", () => {
    const stats = progressed();
    stats.objects.accepted = 0;
    stats.mediaSeconds = 0;
    stats.segments = 0;
    delete stats.lastSegment;
    Object.assign(stats.peers.objects[RELAY_A]!, { dropped: "3 junk: size-mismatch", received: 3, accepted: 0 });
    const b = peerStats(stats, RELAY_B, "objects");
    b.lastError = "connect ECONNREFUSED 127.0.0.1:4002";
    const never = "ecmoq://dd@127.0.0.1:4003";
    const r = judge(stats, [RELAY_A, RELAY_B, never]);
    expect(r.kind).toBe("no-object-accepted");
    expect(r.text).toContain(`${RELAY_A} dropped (3 junk: size-mismatch)`);
    expect(r.text).toContain(`${RELAY_B} unreachable (connect ECONNREFUSED 127.0.0.1:4002)`);
    expect(r.text).toContain(`${never} never tried`);
  });

  it("object peer trouble is added to a manifest-side cause, and a healthy peer is not listed", () => {
    const stats = progressed();
    Object.assign(stats.peers.manifests[LEADER]!, { connected: false, disconnectedAtMs: T0 + 13_000 });
    const b = peerStats(stats, RELAY_B, "objects");
    Object.assign(b, { connects: 2, connected: false, disconnectedAtMs: T0 + 20_000, lastError: "session ended" });
    const r = judge(stats, [RELAY_A, RELAY_B]);
    expect(r.kind).toBe("leader-gone");
    expect(r.text).toContain(`object peers: ${RELAY_B} disconnected at 2026-12-01T00:00:20.000Z, 20.0 s before the end (session ended)`);
    expect(r.text).not.toContain(`${RELAY_A} `);
  });

  it("before any manifest: unreachable (with the error), connected but silent, or only rejected manifests", () => {
    const stats = newSubscriberStats("s");
    expect(judge(stats)).toMatchObject({ kind: "manifest-peer-unreachable", text: expect.stringContaining(`manifest peer ${LEADER} unreachable`) });
    peerStats(stats, LEADER, "manifests").lastError = "WebSocket upgrade refused: 404";
    expect(judge(stats).text).toContain(`manifest peer ${LEADER} unreachable (WebSocket upgrade refused: 404)`);
    Object.assign(stats.peers.manifests[LEADER]!, { connects: 1, connected: true });
    expect(judge(stats)).toMatchObject({ kind: "manifest-peer-sent-nothing", text: expect.stringContaining("connected but sent no manifest") });
    stats.manifests.rejected = { "bad-signature": 4 };
    expect(judge(stats)).toMatchObject({ kind: "manifests-rejected", text: expect.stringContaining("rejected: 4 bad-signature") });
  });

  it("a live consumer (a page still watching) is told times as \"ago\", never \"before the end\"", () => {
    const stats = progressed();
    Object.assign(stats.peers.manifests[LEADER]!, { connected: false, disconnectedAtMs: T0 + 13_000, lastReceivedAtMs: T0 + 12_500 });
    Object.assign(peerStats(stats, RELAY_B, "objects"), { connects: 1, connected: false, disconnectedAtMs: T0 + 20_000 });
    const media = { seconds: 12, verb: "appended", live: true };
    const gone = whyStuck({ stats, media, manifestPeer: LEADER, objectPeers: [RELAY_A, RELAY_B], nowMs: NOW });
    expect(gone.kind).toBe("leader-gone");
    expect(gone.text).toContain(`manifest peer ${LEADER} disconnected at 2026-12-01T00:00:13.000Z, 27.0 s ago and has not come back (last manifest at 2026-12-01T00:00:12.500Z, 27.5 s ago)`);
    expect(gone.text).toContain(`${RELAY_B} disconnected at 2026-12-01T00:00:20.000Z, 20.0 s ago`);
    expect(gone.text).not.toContain("before the end");
    const silent = progressed();
    silent.peers.manifests[LEADER]!.lastReceivedAtMs = T0 + 12_000;
    const quiet = whyStuck({ stats: silent, media, manifestPeer: LEADER, objectPeers: [RELAY_A], nowMs: NOW });
    expect(quiet).toMatchObject({ kind: "manifest-peer-silent", text: expect.stringContaining(`silent since 2026-12-01T00:00:12.000Z, 28.0 s ago: connected`) });
    // The same counters judged at the end of a run keep the CLI's wording.
    expect(judge(stats, [RELAY_A, RELAY_B]).text).toContain("27.0 s before the end and did not come back");
  });

  it("one address in both roles (a page served by a relay): each role judged on its own counters, and silence says manifests stopped arriving via the relay", () => {
    const stats = progressed();
    // RELAY_A serves both: its manifest-role entry is connected and current, its object-role entry has just disconnected.
    Object.assign(peerStats(stats, RELAY_A, "manifests"), { connected: true, connects: 1, received: 6, accepted: 6, lastReceivedAtMs: NOW - 1000 });
    Object.assign(stats.peers.objects[RELAY_A]!, { connected: false, disconnects: 1, disconnectedAtMs: NOW - 500 });
    const media = { seconds: 12, lastDurationTicks: 180_000, verb: "appended", live: true };
    const asObjectPeer = whyStuck({ stats, media, manifestPeer: RELAY_A, objectPeers: [RELAY_A], nowMs: NOW });
    // The object connection dropping is not "the leader is gone": the manifest role is still connected.
    expect(asObjectPeer.kind).toBe("too-little-media");
    expect(asObjectPeer.text).toContain(`object peers: ${RELAY_A} disconnected`);
    // Now the relay stays connected for both, but no manifest comes (its leader died behind it).
    Object.assign(stats.peers.objects[RELAY_A]!, { connected: true, connects: 2, disconnectedAtMs: undefined });
    stats.peers.manifests[RELAY_A]!.lastReceivedAtMs = T0 + 12_000;
    const r = whyStuck({ stats, media, manifestPeer: RELAY_A, objectPeers: [RELAY_A], nowMs: NOW });
    expect(r.kind).toBe("manifest-peer-silent");
    expect(r.text).toMatch(
      new RegExp(`^manifests stopped arriving via ${RELAY_A.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} since 2026-12-01T00:00:12\\.000Z, 28\\.0 s ago: it is still connected but passes on no manifest, so the leader behind it \\(or its link to the leader\\) is likely gone; 12\\.0 s of verified media appended$`),
    );
    // A manifest peer that is not an object peer keeps the plain wording.
    stats.peers.manifests[LEADER]!.lastReceivedAtMs = T0 + 12_000;
    expect(judge(stats).text).toContain(`manifest peer ${LEADER} silent since`);
  });
});
