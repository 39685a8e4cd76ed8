/**
 * What a {@link MoqNode} and each of its served streams share: limits, the logger, the counters,
 * the open sessions and the served streams. Both roles hold this one object (the moq-dev `js/net`
 * pattern of role handles over one state), so neither reaches into the other's private members.
 */
import type { Broadcast, Connection, Group, Track } from "@moq/lite";
import type Session from "@moq/qmux";
import type { Logger } from "./log.js";
import type { TrackName } from "./names.js";
import type { NodeLimits, NodeStats } from "./node.js";

/** One peer's qmux session and what the node keeps for it. */
export interface PeerSession {
  readonly id: number;
  readonly conn: Connection.Established;
  readonly transport: Session;
  /** Broadcast objects published on this session, one per stream (see ServedStream.attach). */
  readonly broadcasts: Map<string, Broadcast>;
  /** Large payload chunks handed to qmux and not yet sent. */
  readonly inflight: Set<Uint8Array>;
  readonly subs: Set<Subscription>;
  closed: boolean;
}

/** One subscription a peer holds on a session. */
export interface Subscription {
  readonly name: TrackName;
  readonly track: Track;
  /** Groups handed to moq-lite (and their payload), by seq, until evicted from the window. */
  readonly written: Map<number, { group: Group; bytes: Uint8Array }>;
}

/** What the node needs of a served stream: publish it on a new session, stop it. */
export interface ServedStreamRole {
  attach(s: PeerSession): void;
  close(): void;
}

export class NodeState {
  readonly limits: Readonly<Required<NodeLimits>>;
  readonly log: Logger;
  /** Open peer sessions. */
  readonly sessions = new Set<PeerSession>();
  /** Served streams by stream id; a stream removes itself when it closes. */
  readonly streams = new Map<string, ServedStreamRole>();
  readonly #counters = { subscriptions: 0, framesServed: 0, bytesServed: 0 };
  readonly #refused: Record<string, number> = {};

  constructor(limits: Readonly<Required<NodeLimits>>, log: Logger) {
    this.limits = limits;
    this.log = log;
  }

  /** Counts one refusal by `reason` (the keys of {@link NodeStats.refused}). */
  refuse(reason: string): void {
    this.#refused[reason] = (this.#refused[reason] ?? 0) + 1;
  }

  /** Counts one frame of `bytes` handed to a subscriber. */
  served(bytes: number): void {
    this.#counters.framesServed++;
    this.#counters.bytesServed += bytes;
  }

  /** A subscription opened (+1) or ended (-1). */
  subscriptionsChanged(delta: 1 | -1): void {
    this.#counters.subscriptions += delta;
  }

  /** A snapshot of the counters. */
  stats(): NodeStats {
    return { sessions: this.sessions.size, ...this.#counters, refused: { ...this.#refused } };
  }

  /** Closes one peer session: its broadcasts, the moq-lite connection and the qmux session. */
  dropSession(s: PeerSession, reason: string): void {
    if (s.closed) return;
    s.closed = true;
    this.sessions.delete(s);
    for (const b of s.broadcasts.values()) b.close();
    s.broadcasts.clear();
    try {
      s.conn.close();
    } catch {
      /* already closed */
    }
    s.transport.close({ closeCode: 0, reason: reason.slice(0, 64) });
    this.log.debug("session closed", { session: s.id, reason });
  }
}
