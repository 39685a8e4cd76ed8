/**
 * Attack: peers that flood. While a subscriber streams from an honest leader and relay:
 *  - a relay floods it with thousands of objects no manifest vouches for (seqs far ahead);
 *  - hostile clients open thousands of subscriptions and announce interests on the honest relay
 *    and leader (@ec/moq-transport's hostile.mjs: plain @moq/lite, none of our code).
 * Memory stays bounded — the subscriber's peak RSS against a twin subscriber that is not flooded,
 * the relay's RSS against its own level before the flood — and the honest stream is served whole.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import {
  meshSuite, MOQ_HOSTILE, MOQ_PKG, publishArgs, readStats, sampleRss, segmentChunkIndexes, tryStats, waitFor,
} from "./procs/mesh.js";

const STREAM = "atk-flood";
const MiB = 1024 * 1024;
const suite = meshSuite("ec-atk-flood-");
const { procs } = suite;

describe("attack: floods", () => {
  it("objects with no manifest, subscriptions and announces by the thousand: memory bounded, honest peers served", async () => {
    const { dir, keys, chunks } = suite;
    const opts = { speed: 1.5, startupDelayMs: 2500 };
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"], opts));
    const relay = procs.cli(publishArgs(STREAM, [], opts));
    const [addrL, addrR] = await Promise.all([leader.firstLine, relay.firstLine]);
    const flooder = await procs.script("junk-relay.mjs", [
      "--upstream", addrR, "--stream-id", STREAM, "--mode", "unvouched", "--flood-count", "24", "--flood-bytes", String(256 * 1024),
    ]).firstLine;
    const sub = (name: string, remotes: string[]) => {
      const statsPath = join(dir, `stats-${name}.json`);
      const hls = join(dir, `hls-${name}`);
      const p = procs.cli([
        "moq-subscribe", ...remotes.flatMap((r) => ["--remote", r]), "--remote-manifests", addrL, "--stream-id", STREAM,
        "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--backfill", "12", "--stop-after", "7s", "--timeout", "50s",
        "--stats-json", statsPath,
      ]);
      return { p, statsPath, hls, rss: sampleRss(p.proc.pid!) };
    };
    const flooded = sub("flooded", [flooder, addrR]);
    const twin = sub("twin", [addrR]);
    const relayRss = sampleRss(relay.proc.pid!);

    // Once the stream flows, the session flood starts against the relay and the leader.
    await waitFor("the first segments", () => (tryStats(twin.statsPath)?.segments ?? 0) >= 2);
    const relayBefore = relayRss.last;
    const port = (addr: string) => Number(addr.split(":").at(-1));
    const floods = [addrR, addrL].map((a) => {
      const f = procs.script(MOQ_HOSTILE, [JSON.stringify({ mode: "flood", port: port(a), streamId: STREAM, sessions: 8, subsPerSession: 250, announcesPerSession: 125 })], MOQ_PKG);
      let out = "";
      f.proc.stdout!.on("data", (d) => (out += d));
      return { f, out: () => out };
    });
    await waitFor("both session floods", () => floods.every((x) => x.out().includes('"type":"done"')));
    // Each opened sessions and fired 2000 subscriptions and 1000 announce interests at its node.
    for (const x of floods) {
      const done = JSON.parse(x.out().split("\n").find((l) => l.includes('"type":"done"'))!);
      expect(done.opened).toBeGreaterThan(0);
      expect(done.subs).toBeGreaterThanOrEqual(done.opened * 250);
    }

    const [resF, resT] = await Promise.all([flooded.p.exit, twin.p.exit]);
    const relayAfter = relayRss.last;
    for (const r of [flooded.rss, twin.rss, relayRss]) r.stop();
    expect(resF.code, resF.stderr.slice(-3000)).toBe(0);
    expect(resT.code, resT.stderr.slice(-3000)).toBe(0);

    // … the flooding relay was refused and left, and nothing it sent was kept or written.
    const s = readStats(flooded.statsPath);
    const fp = s.peers.objects[flooder];
    expect(fp.rejected["unvouched-ahead"]).toBeGreaterThanOrEqual(1);
    expect(fp.accepted).toBe(0);
    expect(fp.demotions).toBeGreaterThanOrEqual(1);
    expect(s.objects.pending).toBeLessThanOrEqual(64);
    expect(s.peers.objects[addrR].accepted).toBe(s.objects.accepted);
    for (const hls of [flooded.hls, twin.hls]) {
      const idx = segmentChunkIndexes(hls, chunks);
      expect(idx.length).toBeGreaterThanOrEqual(7);
      idx.forEach((v, i) => expect(v).toBe(idx[0]! + i));
    }
    // Memory: the flooded subscriber peaks near its unflooded twin (the flood is 24 x 256 KiB per
    // chunk, ~70 MiB offered in all; bursts stay inside the flooder's own 64-group window so that it
    // is not cut as a lagging reader before its objects arrive), and the relay under thousands of
    // subscriptions stays near where it was before the flood.
    expect(flooded.rss.peak).toBeLessThan(twin.rss.peak + 48 * MiB);
    expect(relayAfter).toBeLessThan(relayBefore + 96 * MiB);
  });
});
