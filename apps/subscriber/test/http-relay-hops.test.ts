/**
 * Relay hops on the watch page: `relayStatsFiles` (an `ec-node relay --stats-json` each) appear in
 * every snapshot as `relays`, cut down to what the page shows; a missing or garbled file is a
 * `no-stats` row, never an error; without files the field is absent (snapshot layout unchanged).
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWatchServer } from "../src/http/index.js";
import type { WatchSnapshot } from "../src/http/index.js";

const root = mkdtempSync(join(tmpdir(), "ec-watch-hops-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RELAY = "ecmoq://" + "ab".repeat(32) + "@127.0.0.1:4444";
const UP = "ecmoq://" + "cd".repeat(32) + "@127.0.0.1:4441";

async function snapshotWith(files: string[] | undefined): Promise<WatchSnapshot> {
  const s = await startWatchServer({ hlsDir: root, stats: () => undefined, ...(files ? { relayStatsFiles: files } : {}) });
  try {
    return (await (await fetch(`${s.url}api/stats`)).json()) as WatchSnapshot;
  } finally {
    await s.close();
  }
}

describe("watch server: relay hops", () => {
  it("shows each relay's state, forwarded counts, rejects and upstreams", async () => {
    const good = join(root, "hop.json");
    writeFileSync(
      good,
      JSON.stringify({
        endpoint: RELAY, state: "verifying", reason: "verified manifests", objectsForwarded: 12, manifestsForwarded: 12,
        gate: { objects: { rejected: { "hash-mismatch": 3 } } },
        upstreams: { [UP]: { accepted: 12, rejected: { "hash-mismatch": 3 }, dropped: "served 3 objects a current manifest refutes" } },
      }),
    );
    const garbled = join(root, "garbled.json");
    writeFileSync(garbled, "{ not json");
    const snap = await snapshotWith([good, garbled, join(root, "missing.json")]);
    expect(snap.relays).toEqual([
      {
        file: "hop.json", endpoint: RELAY, state: "verifying", reason: "verified manifests", objectsForwarded: 12, manifestsForwarded: 12,
        objectsRejected: { "hash-mismatch": 3 },
        upstreams: [{ peer: UP, accepted: 12, rejected: 3, dropped: "served 3 objects a current manifest refutes" }],
      },
      expect.objectContaining({ file: "garbled.json", state: "no-stats", endpoint: null, objectsForwarded: 0 }),
      expect.objectContaining({ file: "missing.json", state: "no-stats" }),
    ]);
  });

  it("leaves the snapshot as it was without relay files", async () => {
    expect("relays" in (await snapshotWith(undefined))).toBe(false);
  });
});
