/**
 * Attack: a relay listed FIRST answers with frames of `--max-object-bytes − 1` (32 MiB − 1), six
 * groups at a time, again and again (issue 14 item 2). Judged only when complete, one such frame
 * cost 34 s and 40 CPU-seconds (moq-lite's receive copy is quadratic) and six pushed RSS from 114 to
 * 317 MB. Now each frame is refused at its length prefix, unread: a verified manifest vouches for
 * each seq's exact size, and a seq no manifest vouches for yet gets a live maximum (4× the largest
 * vouched object, at least 1 MiB). The relay is demoted at once (then dropped), the honest second
 * relay serves, and the subscriber's resident set stays near that of a subscriber with no attacker.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  MOQ_HOSTILE, MOQ_PKG, meshSuite, publishArgs, readPlaylist, readStats, sampleRss, segmentChunkIndexes,
} from "./procs/mesh.js";

const STREAM = "atk-oversize";
const MAX_OBJECT = 32 * 1024 * 1024; // the --max-object-bytes default
const MiB = 1024 * 1024;
/** The stated bound on a subscriber's extra resident set under this attack (see the test). */
const RSS_BOUND = 96 * MiB;
const suite = meshSuite("ec-atk-oversize-");
const { procs } = suite;

describe("attack: frames of max-object-bytes − 1, six at a time, from the first relay", () => {
  it("are refused at the length prefix; the honest relay serves; RSS stays bounded", async () => {
    const { dir, keys, chunks } = suite;
    const opts = { speed: 1, startupDelayMs: 3000 };
    const leader = procs.cli(publishArgs(STREAM, ["--publish-manifests", "--signing-key", keys.leaderKey, "--publish-chunks=false"], opts));
    const honest = procs.cli(publishArgs(STREAM, [], opts));
    const bad = procs.script(MOQ_HOSTILE, [JSON.stringify({ mode: "server", behaviour: "oversize", streamId: STREAM, frameBytes: MAX_OBJECT - 1, parallel: 6, intervalMs: 20 })], MOQ_PKG);
    const [addrL, addrH, badReady] = await Promise.all([leader.firstLine, honest.firstLine, bad.firstLine]);
    const addrBad = `127.0.0.1:${(JSON.parse(badReady) as { port: number }).port}`;

    const subscriber = (name: string, remotes: string[], extra: string[] = [], timeout = "40s") => {
      const hls = join(dir, `hls-${name}`);
      const statsPath = join(dir, `stats-${name}.json`);
      const proc = procs.cli([
        "moq-subscribe", ...remotes.flatMap((r) => ["--remote", r]), "--remote-manifests", addrL, "--insecure-remote",
        "--stream-id", STREAM, "--trusted-key", keys.leaderPk, "--hls-dir", hls, "--hls-window", "0", "--backfill", "12",
        "--stop-after", "6s", "--timeout", timeout, "--stats-json", statsPath, ...extra,
      ]);
      return { hls, statsPath, proc, rss: sampleRss(proc.proc.pid!), cpu: sampleCpu(proc.proc.pid!) };
    };
    // The same subscriber without the attacker: its resident set is the baseline.
    const control = subscriber("control", [addrH]);
    const attacked = subscriber("attacked", [addrBad, addrH]);
    // Sustained: the attacker is the only object relay and is never dropped, so every group it
    // sends (six 32 MiB frames every 20 ms) reaches this subscriber's guard for 8 s.
    const sustained = subscriber("sustained", [addrBad], ["--junk-threshold", "1000000"], "8s");
    const [resC, resA, resS] = await Promise.all([control.proc.exit, attacked.proc.exit, sustained.proc.exit]);
    for (const x of [control, attacked, sustained]) {
      x.rss.stop();
      x.cpu.stop();
    }
    expect(resC.code, resC.stderr.slice(-2000)).toBe(0);
    expect(resA.code, resA.stderr.slice(-3000)).toBe(0);

    const s = readStats(attacked.statsPath);
    const b = s.peers.objects[addrBad];
    // Refused at the prefix: bigger than the vouched size (size-mismatch) or, not vouched yet, than the live maximum (oversize).
    const refused = (r: Record<string, number>) => (r["size-mismatch"] ?? 0) + (r.oversize ?? 0);
    expect(refused(b.rejected)).toBeGreaterThanOrEqual(1);
    expect(Object.keys(b.rejected).every((k) => k === "size-mismatch" || k === "oversize")).toBe(true);
    expect(b.accepted).toBe(0);
    expect(b.demotions).toBeGreaterThanOrEqual(1);
    expect(resA.stderr).toMatch(/frame refused at its length prefix/);
    expect(s.peers.objects[addrH].accepted).toBe(s.objects.accepted);
    const idx = segmentChunkIndexes(attacked.hls, chunks);
    expect(idx.length).toBeGreaterThanOrEqual(6);
    expect(idx).not.toContain(-1);
    idx.forEach((v, i) => expect(v, `segment ${i}`).toBe(idx[0]! + i));
    expect(readPlaylist(attacked.hls).endList).toBe(true);

    // The sustained attack: no segment (nothing honest to write), many frames refused, a clear reason.
    expect(resS.code).toBe(1);
    const ss = readStats(sustained.statsPath);
    expect(ss.segments).toBe(0);
    expect(refused(ss.peers.objects[addrBad].rejected)).toBeGreaterThanOrEqual(6);
    expect(ss.result.reason).toMatch(/timed out/);

    // Memory: no 32 MiB frame is buffered (six would be 192 MiB, plus moq-lite's copies). What remains
    // is bounded by qmux's receive window per session (16 MiB, DIAL_CONFIG.maxData), sessions being
    // replaced while the old ones are collected, and V8 heap slack: stated bound 96 MiB over the
    // control. Measured: +35 to +54 MiB after 8 s of sustained attack, +48 MiB after 30 s.
    const extra = Math.max(attacked.rss.peak, sustained.rss.peak) - control.rss.peak;
    process.stdout.write(
      `[attacks-oversize-frame] RSS peak: control ${(control.rss.peak / MiB).toFixed(1)} MiB, attacked ${(attacked.rss.peak / MiB).toFixed(1)} MiB; ` +
        `first manifest -> first segment: control ${readStats(control.statsPath).firstSegmentAtMs - readStats(control.statsPath).firstManifestAtMs} ms, ` +
        `attacked ${s.firstSegmentAtMs - s.firstManifestAtMs} ms; frames refused ${refused(b.rejected)}; ` +
        `sustained: RSS peak ${(sustained.rss.peak / MiB).toFixed(1)} MiB, frames refused ${refused(ss.peers.objects[addrBad].rejected)}; ` +
        `CPU s: control ${control.cpu.seconds.toFixed(1)}, attacked ${attacked.cpu.seconds.toFixed(1)}, sustained ${sustained.cpu.seconds.toFixed(1)}\n`,
    );
    expect(extra).toBeLessThan(RSS_BOUND);
  });
});

/** CPU time (user + system, from /proc/<pid>/stat) a process has used, sampled every 100 ms until it exits. */
function sampleCpu(pid: number): { readonly seconds: number; stop(): void } {
  const tick = 100; // USER_HZ on Linux
  let seconds = 0;
  const read = () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      seconds = (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      /* exited: keep the last reading */
    }
  };
  const t = setInterval(read, 100);
  return {
    get seconds() {
      return seconds;
    },
    stop: () => clearInterval(t),
  };
}
