/**
 * Why a run made no (or too little) progress, in one line an operator can act on: which peer, what
 * it did (gone, silent, stalled, unreachable, refused) and since when. Used for the exit reason when
 * `--timeout` ends a run (times read "N s before the end"), and by a page that still watches
 * (`media.live`: "N s ago"); reads only the counters, so it can be tested on its own.
 */
import { describeCounts } from "@ec/moq-transport";
import type { PeerStats, StreamStats } from "./stats.js";

/** What went wrong, as a code (tests and tools branch on this, never on the text). */
export type StuckKind =
  /** The manifest peer was never reached. */
  | "manifest-peer-unreachable"
  /** Reached, but it never sent a manifest. */
  | "manifest-peer-sent-nothing"
  /** Manifests arrived, none verified. */
  | "manifests-rejected"
  /** Manifests were verified, then the manifest peer disconnected and did not come back. */
  | "leader-gone"
  /** Still connected, but no manifest for a while. */
  | "manifest-peer-silent"
  /** Manifests keep coming but vouch for no new chunk. */
  | "manifests-stalled"
  /** Manifests fine; no object peer delivered a usable object. */
  | "no-object-accepted"
  /** Some media written (or played), not enough; nothing above explains it. */
  | "too-little-media";

export interface StuckReason {
  kind: StuckKind;
  /** One line: the cause, then manifests rejected (if any), the object peers' trouble, how much was written. */
  text: string;
}

export interface StuckInputs {
  stats: StreamStats;
  /** What the consumer made of the accepted chunks so far. */
  media: {
    seconds: number;
    /** Duration of the newest chunk it took, in 90 kHz ticks (the chunk length; default 2 s). */
    lastDurationTicks?: number;
    /** What the consumer does with media, for the text: "written" (default), "appended", ... */
    verb?: string;
    /**
     * The consumer is still watching (a page): times read "N s ago" and a gone peer "has not come
     * back". Default: a run that ended (a CLI exit reason), "N s before the end", "did not come back".
     */
    live?: boolean;
  };
  manifestPeer: string;
  /** Every object peer, in preference order (one never tried is named too). */
  objectPeers: readonly string[];
  /** When the run is judged (Date.now() in use). */
  nowMs: number;
}

/** Accepted manifests in a row with no new entry before the manifest window counts as stalled. */
export const STALL_AFTER_MANIFESTS = 5;

/** Manifests come once per chunk; this many chunk durations without one is silence. */
const SILENT_AFTER_CHUNKS = 3;
const DEFAULT_CHUNK_MS = 2000;

export function whyStuck(inputs: StuckInputs): StuckReason {
  const { stats, manifestPeer } = inputs;
  const when = clock(inputs);
  const mp = stats.peers.manifests[manifestPeer];
  const written = `${inputs.media.seconds.toFixed(1)} s of verified media ${inputs.media.verb ?? "written"}`;
  const objects = objectPeerTrouble(inputs, when);
  const tail = (parts: Array<string | undefined>) => parts.filter((p): p is string => !!p).join("; ");
  const rejectedManifests = Object.keys(stats.manifests.rejected).length ? `manifests rejected: ${describeCounts(stats.manifests.rejected)}` : undefined;

  if (stats.manifests.accepted === 0) {
    if (Object.keys(stats.manifests.rejected).length) {
      return { kind: "manifests-rejected", text: tail([`no manifest verified from ${manifestPeer}; rejected: ${describeCounts(stats.manifests.rejected)}`, written]) };
    }
    if (!mp?.connects) {
      return { kind: "manifest-peer-unreachable", text: tail([`manifest peer ${manifestPeer} unreachable${because(mp?.lastError)}`, written]) };
    }
    return { kind: "manifest-peer-sent-nothing", text: tail([`manifest peer ${manifestPeer} connected but sent no manifest${mp.connected ? "" : `, then disconnected${because(mp.lastError)}`}`, written]) };
  }

  const lastManifest = mp?.lastReceivedAtMs !== undefined ? ` (last manifest ${when.at(mp.lastReceivedAtMs)})` : "";
  if (mp && !mp.connected && mp.disconnectedAtMs !== undefined) {
    return {
      kind: "leader-gone",
      text: tail([`leader gone: manifest peer ${manifestPeer} disconnected ${when.at(mp.disconnectedAtMs)}${because(mp.lastError)} and ${when.live ? "has not come back" : "did not come back"}${lastManifest}`, rejectedManifests, objects, written]),
    };
  }
  if ((stats.manifests.stalled ?? 0) >= STALL_AFTER_MANIFESTS) {
    return {
      kind: "manifests-stalled",
      text: tail([`manifests from ${manifestPeer} stopped advancing: the last ${stats.manifests.stalled} vouched for no new chunk${lastManifest}`, rejectedManifests, objects, written]),
    };
  }
  const chunkMs = inputs.media.lastDurationTicks !== undefined ? inputs.media.lastDurationTicks / 90 : DEFAULT_CHUNK_MS;
  if (mp?.lastReceivedAtMs !== undefined && inputs.nowMs - mp.lastReceivedAtMs > SILENT_AFTER_CHUNKS * chunkMs) {
    return {
      kind: "manifest-peer-silent",
      text: tail([silentManifestPeer(inputs, mp.lastReceivedAtMs, when), rejectedManifests, objects, written]),
    };
  }
  if (stats.objects.accepted === 0) {
    const rejected = `objects rejected: ${describeCounts(stats.objects.rejected)}; unvouched evicted: ${stats.objects.evictedUnvouched}`;
    return { kind: "no-object-accepted", text: tail([`no object accepted`, objects, rejected, rejectedManifests]) };
  }
  return { kind: "too-little-media", text: tail([`only ${written}`, objects, rejectedManifests]) };
}

/**
 * A manifest peer still connected but sending no manifest. When it is also an object peer it is a
 * relay (a page served by a relay uses it for both): it cannot sign, it only passes the leader's
 * manifests on, so the sentence says manifests stopped arriving via it and points at the leader.
 */
function silentManifestPeer({ manifestPeer, objectPeers }: StuckInputs, lastMs: number, when: Clock): string {
  if (objectPeers.includes(manifestPeer)) {
    return `manifests stopped arriving via ${manifestPeer} since ${when.stamp(lastMs)}: it is still connected but passes on no manifest, so the leader behind it (or its link to the leader) is likely gone`;
  }
  return `manifest peer ${manifestPeer} silent since ${when.stamp(lastMs)}: connected, but no manifest`;
}

/** "object peers: A unreachable (ECONNREFUSED), B dropped (3 junk)": only the peers that had trouble. */
function objectPeerTrouble({ stats, objectPeers }: StuckInputs, when: Clock): string | undefined {
  const parts: string[] = [];
  for (const peer of objectPeers) {
    const ps = stats.peers.objects[peer];
    const line = ps ? describeObjectPeer(ps, when) : "never tried";
    if (line) parts.push(`${peer} ${line}`);
  }
  return parts.length ? `object peers: ${parts.join(", ")}` : undefined;
}

function describeObjectPeer(ps: PeerStats, when: Clock): string | undefined {
  if (ps.dropped) return `dropped (${ps.dropped})`;
  // A liveness failure (unreachable, dial-timeout, no-group, frame-stalled, no-progress): retried, but it never delivered.
  if (ps.failed && !ps.accepted) return `failing (${ps.failed})`;
  if (!ps.connects) return `unreachable${because(ps.lastError)}`;
  if (!ps.connected && ps.disconnectedAtMs !== undefined) return `disconnected ${when.at(ps.disconnectedAtMs)}${because(ps.lastError)}`;
  if (ps.demoted) return `demoted (${ps.demoted})`;
  if (ps.received === 0) return "connected but sent no object";
  return undefined;
}

function because(detail: string | undefined): string {
  return detail ? ` (${detail})` : "";
}

/** How a time is told: when the run is judged, and whether it has ended or is still watched. */
interface Clock {
  live: boolean;
  /** "at 2026-12-01T00:21:30.000Z, 14.2 s before the end" (live: "…, 14.2 s ago") */
  at(ms: number): string;
  /** "2026-12-01T00:21:30.000Z, 14.2 s before the end" (live: "…, 14.2 s ago") */
  stamp(ms: number): string;
}

function clock({ nowMs, media }: StuckInputs): Clock {
  const live = media.live === true;
  const stamp = (ms: number) => `${new Date(ms).toISOString()}, ${((nowMs - ms) / 1000).toFixed(1)} s ${live ? "ago" : "before the end"}`;
  return { live, stamp, at: (ms) => `at ${stamp(ms)}` };
}
