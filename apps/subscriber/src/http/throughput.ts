/**
 * The last few minutes of what the subscriber did, one sample per tick, kept on the server so a
 * page opened late (or reloaded) still draws the whole chart.
 */
import type { SubscriberStats } from "../stats.js";

/** What happened during one sampling interval ending at `atMs` (deltas, not totals). */
export interface ThroughputSample {
  /** End of the interval, ms since the Unix epoch. */
  atMs: number;
  /** Verified media bytes written to HLS. */
  bytes: number;
  objectsAccepted: number;
  objectsRejected: number;
  manifestsAccepted: number;
}

interface Totals {
  bytes: number;
  objectsAccepted: number;
  objectsRejected: number;
  manifestsAccepted: number;
}

function totalsOf(s: SubscriberStats | undefined): Totals {
  if (!s) return { bytes: 0, objectsAccepted: 0, objectsRejected: 0, manifestsAccepted: 0 };
  return {
    bytes: s.bytesWritten,
    objectsAccepted: s.objects.accepted,
    objectsRejected: sum(s.objects.rejected),
    manifestsAccepted: s.manifests.accepted,
  };
}

function sum(counts: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

/** A bounded ring of {@link ThroughputSample}s. */
export class ThroughputHistory {
  readonly #max: number;
  readonly #samples: ThroughputSample[] = [];
  #prev: Totals | undefined;

  /** Keeps the newest `maxSamples` samples. */
  constructor(maxSamples: number) {
    this.#max = Math.max(1, Math.floor(maxSamples));
  }

  /**
   * Records the interval since the previous call. The first call only sets the baseline (delta 0),
   * so a server started beside a long-running subscriber does not draw its whole past as one spike.
   */
  sample(stats: SubscriberStats | undefined, atMs: number): ThroughputSample {
    const now = totalsOf(stats);
    const prev = this.#prev ?? now;
    this.#prev = now;
    // Counters only grow; clamp at 0 in case a new stats object replaced the old one.
    const d = (a: number, b: number) => Math.max(0, a - b);
    const s: ThroughputSample = {
      atMs,
      bytes: d(now.bytes, prev.bytes),
      objectsAccepted: d(now.objectsAccepted, prev.objectsAccepted),
      objectsRejected: d(now.objectsRejected, prev.objectsRejected),
      manifestsAccepted: d(now.manifestsAccepted, prev.manifestsAccepted),
    };
    this.#samples.push(s);
    if (this.#samples.length > this.#max) this.#samples.splice(0, this.#samples.length - this.#max);
    return s;
  }

  /** Samples with `atMs > afterMs`, oldest first (all of them when `afterMs` is undefined). */
  since(afterMs?: number): ThroughputSample[] {
    if (afterMs === undefined) return [...this.#samples];
    return this.#samples.filter((s) => s.atMs > afterMs);
  }
}
