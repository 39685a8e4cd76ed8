/**
 * The JSON the page reads, from `GET /api/stats` and as each `stats` event of `GET /api/events`.
 * Layout version 1; documented in docs/protocol/watch.md.
 */
import type { SubscriberStats } from "../stats.js";
import type { RelayHop } from "./relay-hops.js";
import type { ThroughputSample } from "./throughput.js";

/** One view of the subscriber, as sent to the page. */
export interface WatchSnapshot {
  /** Layout version of this object. */
  v: 1;
  /** Server clock when the snapshot was taken, ms since the Unix epoch (the page's clock may differ). */
  nowMs: number;
  /** The subscriber's live counters; `null` before the subscriber has started. */
  stats: SubscriberStats | null;
  /** How fresh the output is: age of the newest segment written, by the server's clock. */
  liveEdge: { newestSegmentAgeMs: number | null; newestSegmentSeq: number | null; newestSegmentSeconds: number | null };
  /**
   * Per-interval activity. In `/api/stats` and the first event: the whole kept history; in later
   * events: only samples newer than the previous event's.
   */
  throughput: { sampleMs: number; samples: ThroughputSample[] };
  /** Relay hops in front of this subscriber (from their `--stats-json`), when the server was given any. */
  relays?: RelayHop[];
}

/** Builds a snapshot from the current counters. */
export function buildSnapshot(
  stats: SubscriberStats | undefined,
  nowMs: number,
  sampleMs: number,
  samples: ThroughputSample[],
  relays?: RelayHop[],
): WatchSnapshot {
  const last = stats?.lastSegment;
  return {
    v: 1,
    nowMs,
    stats: stats ?? null,
    liveEdge: {
      newestSegmentAgeMs: last ? Math.max(0, nowMs - last.writtenAtMs) : null,
      newestSegmentSeq: last ? last.seq : null,
      newestSegmentSeconds: last ? last.durationTicks / 90_000 : null,
    },
    throughput: { sampleMs, samples },
    ...(relays === undefined ? {} : { relays }),
  };
}
