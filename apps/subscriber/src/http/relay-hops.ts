/**
 * Relay hops on the watch page: the counters an `ec-node relay` writes with `--stats-json`, read
 * from those files and cut down to what the page shows. A subscriber cannot see past its own
 * peers; these files are how the page shows what each hop in front of it verified and refused.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** One relay hop, as sent to the page (snapshot field `relays`). */
export interface RelayHop {
  /** The stats file's name (not its path). */
  file: string;
  /** The relay's EndpointAddr, once its stats exist. */
  endpoint: string | null;
  /** The relay's state (`verifying`, `untrusted`, ...) or `no-stats` while the file is missing or unreadable. */
  state: string;
  reason: string;
  objectsForwarded: number;
  manifestsForwarded: number;
  /** Objects the relay refused, by reason. */
  objectsRejected: Record<string, number>;
  upstreams: Array<{ peer: string; accepted: number; rejected: number; dropped: string | null }>;
}

const MAX_STATS_BYTES = 1024 * 1024;

/** Reads each relay's stats file; a missing or malformed one is a `no-stats` row, never an error. */
export function readRelayHops(files: readonly string[]): RelayHop[] {
  return files.map((f) => {
    const hop: RelayHop = { file: basename(f), endpoint: null, state: "no-stats", reason: "no stats file yet", objectsForwarded: 0, manifestsForwarded: 0, objectsRejected: {}, upstreams: [] };
    let s: Record<string, unknown>;
    try {
      const text = readFileSync(f, "utf8");
      if (text.length > MAX_STATS_BYTES) return { ...hop, reason: "stats file too large" };
      s = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return hop;
    }
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 300) : null);
    const counts = (v: unknown): Record<string, number> =>
      typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).map(([k, n]) => [k.slice(0, 40), num(n)])) : {};
    const gate = (s.gate ?? {}) as { objects?: { rejected?: unknown } };
    const ups = typeof s.upstreams === "object" && s.upstreams !== null ? Object.entries(s.upstreams as Record<string, Record<string, unknown>>) : [];
    return {
      file: hop.file,
      endpoint: str(s.endpoint),
      state: str(s.state) ?? "unknown",
      reason: str(s.reason) ?? "",
      objectsForwarded: num(s.objectsForwarded),
      manifestsForwarded: num(s.manifestsForwarded),
      objectsRejected: counts(gate.objects?.rejected),
      upstreams: ups.slice(0, 32).map(([peer, u]) => ({
        peer: peer.slice(0, 200),
        accepted: num(u?.accepted),
        rejected: Object.values(counts(u?.rejected)).reduce((a, b) => a + b, 0),
        dropped: str(u?.dropped),
      })),
    };
  });
}
