/**
 * What the transport said about each peer, shown in the per-peer counters and logs. The
 * sources and subscriptions own the decisions (failover, demotion, drop); this only records them.
 */
import type { Logger, SourceEvent } from "@ec/moq-transport";
import { bump, peerStats } from "./stats.js";
import type { PeerRole, StreamStats } from "./stats.js";

/** One peer event (`connected`, `disconnected`, `left`, `dropped`, `error`, `unreachable`, `dial-failed`, `auth-failed`, `demoted`, `restarted`). */
export function notePeerEvent(stats: StreamStats, log: Logger, peer: string, role: PeerRole, type: string, detail?: string): void {
  const ps = peerStats(stats, peer, role);
  switch (type) {
    case "connected":
      ps.connected = true;
      ps.connects++;
      ps.disconnectedAtMs = undefined;
      return log.info("peer connected", { peer, role });
    case "disconnected":
      ps.connected = false;
      ps.disconnects++;
      ps.disconnectedAtMs = Date.now();
      if (detail) ps.lastError = detail;
      return log.warn("peer disconnected", { peer, role, detail });
    case "left":
      // Our choice (failover, demotion), not the peer's: no longer connected, not counted as a disconnect.
      ps.connected = false;
      return;
    case "dropped":
      ps.connected = false;
      ps.dropped = detail;
      return log.warn("peer dropped", { peer, role, reason: detail });
    case "error":
    case "unreachable":
    case "dial-failed":
      // Kept for the exit reason: why this peer cannot be reached (or keeps failing).
      if (detail) ps.lastError = detail;
      return;
    case "auth-failed":
      if (detail) ps.lastError = `identity check failed: ${detail}`;
      return log.error("peer identity check failed", { peer, role, detail });
    case "demoted":
      ps.demotions = (ps.demotions ?? 0) + 1;
      ps.demoted = detail;
      return log.warn("peer demoted", { peer, role, reason: detail });
    case "restarted":
      ps.restarts = (ps.restarts ?? 0) + 1;
      return log.warn("peer restarted: its sequence numbers started over", { peer, role });
  }
}

/** One object-source event, except `frame-refused` (a rejection: the caller judges it). */
export function noteSourceEvent(stats: StreamStats, log: Logger, e: Exclude<SourceEvent, { type: "frame-refused" }>): void {
  if (e.type === "subscribing") return;
  if (e.type === "failed") {
    const ps = peerStats(stats, e.peer, "objects");
    ps.connected = false;
    bump((ps.failures ??= {}), e.reason);
    ps.failed = `${e.reason}: ${e.detail}`;
    return log.warn("object peer failed", { peer: e.peer, reason: e.reason, detail: e.detail, retryInMs: e.retryInMs });
  }
  notePeerEvent(stats, log, e.peer, "objects", e.type, "detail" in e ? e.detail : undefined);
}
