/**
 * The counters of a {@link VerifiedStream}: what was accepted, what was rejected and why, per peer.
 * The totals are the ObjectGate's own counters plus what the stream decided before the gate
 * (duplicates, unvouched objects); the per-peer ones come from verdicts and transport events.
 * The Node subscriber serialises them in `--stats-json` (beside its writer's counters); a page
 * shows them as they are.
 */
import type { GateStats } from "@ec/manifest";

export type PeerRole = "manifests" | "objects";

/**
 * How a peer stands, derived from its counters (see {@link peerState}): `connected`, `connecting`
 * (never connected yet), `disconnected`, `failing` (left for a liveness failure, retried later),
 * `demoted` (served junk, behind the others), `dropped` (for good).
 */
export type PeerState = "connected" | "connecting" | "disconnected" | "failing" | "demoted" | "dropped";

/**
 * One peer in one role. An address that is both the manifest peer and an object peer (a relay
 * serving a page with `--serve-web` is both) has two of these, one per role, each with its own
 * counters and connection state: "the leader is gone behind the relay" and "the relay is silent"
 * stay apart.
 */
export interface PeerStats {
  /** The role these counters are for (the same as the group {@link StreamStats.peers} holds it in). */
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
  /** Objects of this peer held unjudged after it restarted, until a new epoch's manifest (the old one refuted them). */
  heldForNewEpoch?: number;
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

export interface StreamStats {
  streamId: string;
  signer?: string;
  /** False: no key was pinned and the first signer seen was trusted (trust on first use). */
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
    /** Objects the consumer already had (not verified again). */
    duplicates: number;
    /** Rejections held against the sending relay (the rest were late, ahead, or judged against manifests that may not be current). */
    blamed?: number;
    /** Objects dropped from the waiting buffer before any manifest vouched for them. */
    evictedUnvouched: number;
    /** Held objects dropped undecided: from a dropped peer, or held across an epoch change and refuted by the new run. */
    discarded?: number;
    pending: number;
  };
  /**
   * Per peer, per role, keyed by address: `peers.manifests[addr]` counts the manifests that peer
   * sent, `peers.objects[addr]` the objects; an address in both roles is in both groups.
   */
  peers: PeersByRole;
  /** When the first verified manifest was accepted (ms since the epoch). */
  firstManifestAtMs?: number;
}

export type PeersByRole = Record<PeerRole, Record<string, PeerStats>>;

export const PEER_ROLES: readonly PeerRole[] = ["manifests", "objects"];

export function newStreamStats(streamId: string, signerPinned: boolean): StreamStats {
  return {
    streamId,
    signerPinned,
    manifests: { accepted: 0, rejected: {} },
    objects: { accepted: 0, rejected: {}, duplicates: 0, evictedUnvouched: 0, pending: 0 },
    peers: { manifests: {}, objects: {} },
  };
}

/** What the stream counted itself: objects it decided before or without the gate. */
export interface OwnCounts {
  /** Objects the consumer already had (not offered to the gate). */
  duplicates: number;
  /** With `acceptUnvouched`: objects accepted with no manifest. */
  unvouched: number;
}

/** Copies the gate's counters (it owns those numbers) and the stream's own into `stats`. */
export function showGateCounters(stats: StreamStats, gate: GateStats, own: OwnCounts, current: boolean): void {
  stats.manifests.accepted = gate.manifests.accepted;
  stats.manifests.rejected = { ...gate.manifests.rejected } as Record<string, number>;
  stats.manifests.current = current;
  const o = stats.objects;
  o.accepted = gate.objects.accepted + own.unvouched;
  o.rejected = { ...gate.objects.rejected } as Record<string, number>;
  o.blamed = gate.objects.blamed;
  o.duplicates = own.duplicates;
  o.evictedUnvouched = gate.objects.evicted;
  o.discarded = gate.objects.discarded;
  o.pending = gate.objects.pending;
}

export function peerStats(stats: StreamStats, peer: string, role: PeerRole): PeerStats {
  return (stats.peers[role][peer] ??= {
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

/** Every peer entry, manifest peers first, with its address (a UI's table; an address in both roles is listed twice). */
export function listPeers<P = PeerStats>(peers: Record<PeerRole, Record<string, P>>): Array<{ addr: string; ps: P }> {
  return PEER_ROLES.flatMap((role) => Object.entries(peers[role]).map(([addr, ps]) => ({ addr, ps })));
}

/** One word for a peer's standing, for a UI (the counters say the rest). */
export function peerState(ps: PeerStats): PeerState {
  if (ps.dropped) return "dropped";
  if (ps.demoted && !ps.connected) return "demoted";
  if (ps.connected) return "connected";
  if (ps.failed) return "failing";
  return ps.connects === 0 ? "connecting" : "disconnected";
}

export function bump(counts: Record<string, number>, reason: string, by = 1): void {
  counts[reason] = (counts[reason] ?? 0) + by;
}
