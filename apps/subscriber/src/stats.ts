/**
 * The counters an operator reads: what was accepted, what was rejected and why, per peer.
 * Serialised as-is by `--stats-json`. The totals are the components' own counters (ObjectGate,
 * SegmentWriter), copied in by {@link showCounters}; the per-peer ones come from verdicts and
 * transport events.
 */
import type { GateStats } from "@ec/manifest";
import type { SegmentWriterCounters } from "@ec/hls-sink";
import { secondsFromTicks } from "@ec/stream-rules";

export type PeerRole = "manifests" | "objects";

export interface PeerStats {
  role: PeerRole;
  connected: boolean;
  connects: number;
  disconnects: number;
  received: number;
  accepted: number;
  rejected: Record<string, number>;
  duplicates: number;
  /** Set when this peer was dropped (junk, failed identity check); the reason. */
  dropped?: string;
  /** Rejected objects held against this peer (its junk score; `dropAfter` of them drop it). */
  junk?: number;
  /** Times this peer was demoted (moved behind the others) for serving junk. */
  demotions?: number;
  /** Why it was last demoted. */
  demoted?: string;
  /** Times the peer was seen to restart (its sequence numbers started over). */
  restarts?: number;
  /** Liveness failures by reason (unreachable, dial-timeout, no-group, frame-stalled, no-progress, ...): left, retried later. */
  failures?: Record<string, number>;
  /** The last liveness failure: "<reason>: <detail>". */
  failed?: string;
  /** The newest error or disconnect detail reported for this peer (why it is unreachable, if it is). */
  lastError?: string;
  /** When it last disconnected (ms since the epoch); cleared when it connects again. */
  disconnectedAtMs?: number;
  /** When it last sent anything (a manifest or an object; ms since the epoch). */
  lastReceivedAtMs?: number;
}

export interface SubscriberStats {
  startedAt: string;
  streamId: string;
  signer?: string;
  signerPinned: boolean;
  epoch?: string;
  manifests: {
    accepted: number;
    rejected: Record<string, number>;
    /** Accepted manifests in a row that vouched for no new chunk (a window that is not advancing). */
    stalled?: number;
    /**
     * Whether the newest accepted manifest is recent enough to blame a relay for a mismatch
     * (false: a replayed previous-run manifest or a silent source; mismatches are not held against relays).
     */
    current?: boolean;
  };
  objects: {
    accepted: number;
    rejected: Record<string, number>;
    duplicates: number;
    /** Rejections held against the sending relay (the rest were late, ahead, or judged against manifests that may not be current). */
    blamed?: number;
    /** Objects dropped from the waiting buffer before any manifest vouched for them. */
    evictedUnvouched: number;
    pending: number;
  };
  segments: number;
  discontinuities: number;
  bytesWritten: number;
  mediaSeconds: number;
  peers: Record<string, PeerStats>;
  /** The newest segment in place: with writtenAtMs, a UI can show how far behind live it is. */
  lastSegment?: { seq: number; name: string; writtenAtMs: number; durationTicks: number };
  /** When the first verified manifest was accepted, and the first segment written (ms since the epoch). */
  firstManifestAtMs?: number;
  firstSegmentAtMs?: number;
  /** Why the run ended (exit reason), once it has. */
  result?: { ok: boolean; reason: string };
}

export function newSubscriberStats(streamId: string): SubscriberStats {
  return {
    startedAt: new Date().toISOString(),
    streamId,
    signerPinned: false,
    manifests: { accepted: 0, rejected: {} },
    objects: { accepted: 0, rejected: {}, duplicates: 0, evictedUnvouched: 0, pending: 0 },
    segments: 0,
    discontinuities: 0,
    bytesWritten: 0,
    mediaSeconds: 0,
    peers: {},
  };
}

/** What the app itself counted: objects it decided before or without the gate. */
export interface AppCounts {
  /** Objects the writer already had (not offered to the gate). */
  duplicates: number;
  /** With --require-manifest=false: objects accepted with no manifest. */
  unvouched: number;
}

/** Copies the components' counters into `stats` (they own the numbers; this only shows them). */
export function showCounters(stats: SubscriberStats, gate: GateStats, writer: SegmentWriterCounters, app: AppCounts, current: boolean): void {
  stats.manifests.accepted = gate.manifests.accepted;
  stats.manifests.rejected = { ...gate.manifests.rejected } as Record<string, number>;
  stats.manifests.current = current;
  const o = stats.objects;
  o.accepted = gate.objects.accepted + app.unvouched;
  o.rejected = { ...gate.objects.rejected } as Record<string, number>;
  o.blamed = gate.objects.blamed;
  o.duplicates = app.duplicates + writer.duplicates;
  o.evictedUnvouched = gate.objects.evicted;
  o.pending = gate.objects.pending;
  stats.segments = writer.segmentsWritten;
  stats.discontinuities = writer.discontinuities;
  stats.bytesWritten = writer.bytesWritten;
  stats.mediaSeconds = secondsFromTicks(writer.mediaTicksWritten);
}

export function peerStats(stats: SubscriberStats, peer: string, role: PeerRole): PeerStats {
  return (stats.peers[peer] ??= {
    role,
    connected: false,
    connects: 0,
    disconnects: 0,
    received: 0,
    accepted: 0,
    rejected: {},
    duplicates: 0,
    junk: 0,
    demotions: 0,
    restarts: 0,
  });
}

export function bump(counts: Record<string, number>, reason: string, by = 1): void {
  counts[reason] = (counts[reason] ?? 0) + by;
}

/** "3 unknown-signer, 1 expired" — the CLI's one format for counts (defined in @ec/moq-transport). */
export { describeCounts } from "@ec/moq-transport";
