/**
 * The seed's end-to-end test (ECP-0032), against the fake tuner, with every node a real
 * `ec-node` process on loopback: record with `capture` from `hdhr-sim`; leader A publishes only
 * manifests, relay B only objects; the subscriber takes manifests from A and objects from B.
 */
import { describe, expect, it, beforeAll, afterAll, afterEach } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Parser } from "m3u8-parser";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import type { TsChunk } from "@ec/hdhr-capture";
import { runCli, startCli } from "./cli-harness.js";
import type { RunningCli } from "./cli-harness.js";

const STREAM = "e2e-split";
let dir: string;
let rec: string;
let leaderPk: string;
let otherKeyPath: string;
let leaderKeyPath: string;
let chunks: TsChunk[];
const running: RunningCli[] = [];

function start(args: string[]): RunningCli {
  const r = startCli(args);
  running.push(r);
  return r;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ec-e2e-"));
  // 1. A fake tuner on the bundled fixture, and a recording made from it with `capture`.
  const sim = start(["hdhr-sim", "--input", fixturePath("h264-aac-1s-gop.ts"), "--speed", "4", "--channel", "5.1"]);
  const base = await sim.firstLine;
  expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  rec = join(dir, "rec.ts");
  const cap = await runCli(["capture", "--hdhr", base.replace("http://", ""), "--channel", "5.1", "--duration", "8", "--out", rec]);
  expect(cap.code, cap.stderr).toBe(0);
  await sim.stop();
  expect(statSync(rec).size % 188).toBe(0);
  // The chunks every honest publisher must produce from that recording.
  const chunker = new TsChunker({ chunkMs: 2000 });
  chunks = [...chunker.push(readFileSync(rec)), ...chunker.flush()];
  expect(chunks.length).toBeGreaterThanOrEqual(4);
  // 2. Keys.
  leaderKeyPath = join(dir, "leader.key");
  otherKeyPath = join(dir, "other.key");
  leaderPk = (await runCli(["keygen", "--out", leaderKeyPath])).stdout.trim();
  expect((await runCli(["keygen", "--out", otherKeyPath])).code).toBe(0);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function publishers(signingKey: string) {
  const common = ["--input", rec, "--stream-id", STREAM, "--speed", "4", "--startup-delay-ms", "1500"];
  const a = start(["moq-publish", ...common, "--publish-manifests", "--signing-key", signingKey, "--publish-chunks=false"]);
  const b = start(["moq-publish", ...common, "--publish-chunks=true"]);
  return { a, b };
}

function segmentsIn(hls: string): string[] {
  return existsSync(hls) ? readdirSync(hls).filter((f) => f.endsWith(".ts")).sort() : [];
}

describe("split-source mesh (ECP-0032)", () => {
  it("writes verified HLS from manifests of one peer and objects of another", async () => {
    const { a, b } = publishers(leaderKeyPath);
    const [addrA, addrB] = await Promise.all([a.firstLine, b.firstLine]);
    expect(addrA).not.toBe(addrB);
    const hls = join(dir, "hls-ok");
    const statsPath = join(dir, "stats-ok.json");
    const sub = await runCli(
      [
        "moq-subscribe", "--remote", addrB, "--remote-manifests", addrA, "--stream-id", STREAM,
        "--subscribe-manifests", "--require-manifest", "--trusted-key", leaderPk,
        "--hls-dir", hls, "--hls-window", "0", "--stop-after", "6s", "--timeout", "60s", "--stats-json", statsPath,
      ],
      { timeoutMs: 90_000 },
    );
    expect(sub.code, sub.stderr.slice(-3000)).toBe(0);

    // The playlist parses and lists exactly the segments on disk, ended cleanly.
    const text = readFileSync(join(hls, "index.m3u8"), "utf8");
    const parser = new Parser();
    parser.push(text);
    parser.end();
    const playlist = parser.manifest as { segments: Array<{ uri: string; duration: number }>; endList?: boolean };
    expect(playlist.endList).toBe(true);
    const listed = playlist.segments.map((s) => s.uri);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(segmentsIn(hls)).toEqual([...listed].sort());

    // Every segment is byte-for-byte the recording's chunk, in order, from the first one.
    listed.forEach((uri, i) => {
      expect(Buffer.compare(readFileSync(join(hls, uri)), Buffer.from(chunks[i]!.bytes)), `segment ${uri}`).toBe(0);
      expect(playlist.segments[i]!.duration).toBeCloseTo(chunks[i]!.durationTicks / 90_000, 3);
    });

    // ffprobe reads the playlist with the expected duration.
    const listedSeconds = playlist.segments.reduce((t, s) => t + s.duration, 0);
    expect(listedSeconds).toBeGreaterThanOrEqual(6);
    const probed = Number(
      execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", join(hls, "index.m3u8")]).toString(),
    );
    expect(Math.abs(probed - listedSeconds)).toBeLessThan(0.5);

    // The counters say where things came from: objects only from B, manifests only from A.
    const stats = JSON.parse(readFileSync(statsPath, "utf8"));
    expect(stats.result.ok).toBe(true);
    expect(stats.objects.accepted).toBeGreaterThanOrEqual(listed.length);
    expect(stats.objects.rejected).toEqual({});
    expect(stats.peers.objects[addrB].role).toBe("objects");
    expect(stats.peers.objects[addrB].accepted).toBe(stats.objects.accepted);
    expect(stats.peers.manifests[addrA].role).toBe("manifests");
    expect(stats.peers.manifests[addrA].accepted).toBeGreaterThan(0);
    expect(stats.signer).toBe(leaderPk);
    // Objects were received into memory that written segments gave back (FramePool), and every
    // segment above is still the recording's chunk: reuse never let one object's bytes into another.
    expect(stats.receiveBuffers.lent).toBeGreaterThanOrEqual(listed.length);
    expect(stats.receiveBuffers.reused).toBeGreaterThan(0);
  });

  it("no manifests, no data: a leader signing with an untrusted key gets nothing written", async () => {
    const { a, b } = publishers(otherKeyPath);
    const [addrA, addrB] = await Promise.all([a.firstLine, b.firstLine]);
    const hls = join(dir, "hls-untrusted");
    const sub = await runCli([
      "moq-subscribe", "--remote", addrB, "--remote-manifests", addrA, "--stream-id", STREAM,
      "--trusted-key", leaderPk, "--hls-dir", hls, "--stop-after", "6s", "--timeout", "8s",
    ]);
    expect(sub.code).toBe(1);
    expect(sub.stderr.trimEnd().split("\n").at(-1)).toMatch(/^ec-node moq-subscribe: timed out .*no manifest verified .*unknown-signer/);
    expect(segmentsIn(hls)).toEqual([]);
  });

  it("no manifests, no data: with the leader gone, objects alone are never written", async () => {
    const { a, b } = publishers(leaderKeyPath);
    const [addrA, addrB] = await Promise.all([a.firstLine, b.firstLine]);
    await a.stop();
    const hls = join(dir, "hls-noleader");
    const sub = await runCli([
      "moq-subscribe", "--remote", addrB, "--remote-manifests", addrA, "--stream-id", STREAM,
      "--trusted-key", leaderPk, "--hls-dir", hls, "--stop-after", "6s", "--timeout", "8s",
    ]);
    expect(sub.code).toBe(1);
    expect(sub.stderr.trimEnd().split("\n").at(-1)).toMatch(/^ec-node moq-subscribe: timed out .*manifest peer .* unreachable|no manifest received/);
    expect(segmentsIn(hls)).toEqual([]);
  });

  it("two publishers fed the same recording serve byte-identical objects", async () => {
    // Two chunk-serving publishers; one subscriber per publisher with the same leader; the segments must match.
    // (5 s: a subscriber that joins as-fast-as-possible publishers late gets three of the 8 s
    // recording's objects; with grid chunking (chunking v2) the recording's first and last chunks
    // are partial, so three objects can hold 5 s rather than 6 s.)
    const common = ["--input", rec, "--stream-id", STREAM, "--as-fast-as-possible"];
    const lead = start(["moq-publish", ...common, "--publish-manifests", "--signing-key", leaderKeyPath, "--publish-chunks=false"]);
    const r1 = start(["moq-publish", ...common]);
    const r2 = start(["moq-publish", ...common]);
    const [addrL, addr1, addr2] = await Promise.all([lead.firstLine, r1.firstLine, r2.firstLine]);
    const outs = await Promise.all(
      [addr1, addr2].map((addr, i) =>
        runCli([
          "moq-subscribe", "--remote", addr, "--remote-manifests", addrL, "--stream-id", STREAM, "--trusted-key", leaderPk,
          "--hls-dir", join(dir, `hls-twin${i}`), "--hls-window", "0", "--stop-after", "5s", "--timeout", "30s",
        ]),
      ),
    );
    for (const o of outs) expect(o.code, o.stderr.slice(-2000)).toBe(0);
    const s0 = segmentsIn(join(dir, "hls-twin0"));
    expect(s0.length).toBeGreaterThanOrEqual(3);
    for (const name of s0.slice(0, 3)) {
      expect(readFileSync(join(dir, "hls-twin0", name)).equals(readFileSync(join(dir, "hls-twin1", name)))).toBe(true);
    }
  });
});

describe.skipIf(!process.env.EC_HDHR_HOST)("split-source mesh against a real HDHomeRun (EC_HDHR_HOST)", () => {
  it("records, publishes split, and writes verified HLS", async () => {
    const host = process.env.EC_HDHR_HOST!;
    const channel = process.env.EC_HDHR_CHANNEL ?? "2.1";
    const realRec = join(dir, "real.ts");
    const cap = await runCli(["capture", "--hdhr", host, "--channel", channel, "--duration", "12", "--out", realRec], { timeoutMs: 60_000 });
    expect(cap.code, cap.stderr).toBe(0);
    const common = ["--input", realRec, "--stream-id", "real", "--startup-delay-ms", "1500"];
    const a = start(["moq-publish", ...common, "--publish-manifests", "--signing-key", leaderKeyPath, "--publish-chunks=false"]);
    const b = start(["moq-publish", ...common]);
    const [addrA, addrB] = await Promise.all([a.firstLine, b.firstLine]);
    const hls = join(dir, "hls-real");
    const sub = await runCli(
      ["moq-subscribe", "--remote", addrB, "--remote-manifests", addrA, "--stream-id", "real", "--trusted-key", leaderPk,
        "--hls-dir", hls, "--hls-window", "0", "--stop-after", "8s", "--timeout", "60s"],
      { timeoutMs: 90_000 },
    );
    expect(sub.code, sub.stderr.slice(-2000)).toBe(0);
    expect(segmentsIn(hls).length).toBeGreaterThan(0);
    execFileSync("ffmpeg", ["-v", "error", "-xerror", "-i", join(hls, "index.m3u8"), "-f", "null", "-"]);
  });
});
