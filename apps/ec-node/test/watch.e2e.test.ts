/**
 * Watch it (issue #10): `moq-subscribe --serve-http` in a real mesh, looked at with a real browser.
 *
 * A fake tuner feeds a leader (manifests only) and an honest relay (objects only); a junk relay
 * serves random bytes at the right seqs. The subscriber is given the junk relay first and the
 * honest one second, so it must reject junk (hash-mismatch), drop that peer and fail over. Debian's
 * Chromium, driven by playwright-core, opens the page: the video must play, the counters must move
 * while the publishers run, and the junk relay must show up in the rejected panel.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { fixturePath } from "@ec/fixtures";
import { CLI, runCli, startCli } from "./cli-harness.js";
import type { RunningCli } from "./cli-harness.js";
import { launchChromiumProfile } from "./procs/chromium.js";

const STREAM = "watch-e2e";
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ARTIFACTS = join(REPO, "test-artifacts");
const JUNK_RELAY = fileURLToPath(new URL("./procs/junk-relay-watch.ts", import.meta.url));
/** Generous: this machine's two cores are shared by Chromium, four node processes and the test. */
const WAIT_MS = 60_000;


let dir: string;
const running: RunningCli[] = [];
const others: ChildProcess[] = [];
let browser: BrowserContext | undefined;

function start(args: string[]): RunningCli {
  const r = startCli(args);
  running.push(r);
  return r;
}

/** Starts the junk relay (TypeScript, run through tsx) mirroring `upstream`; resolves to its EndpointAddr. */
function startJunkRelay(upstream: string): Promise<string> {
  const proc = spawn(process.execPath, ["--import", "tsx", JUNK_RELAY, upstream, STREAM], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  others.push(proc);
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once("line", (l) => resolve(l.trim()));
    proc.once("exit", (code) => reject(new Error(`junk relay exited (${code}): ${stderr.slice(-1000)}`)));
  });
}

/** Debian's Chromium, headless, with a fresh profile. */
const launchChromium = (): Promise<BrowserContext> => launchChromiumProfile(join(dir, "chromium-profile"), { width: 1400, height: 1000 });

const num = async (page: Page, sel: string) => Number((await page.textContent(sel))!.replace(/,/g, ""));

/** Waits until the element at `sel` exists and its text matches `re` (the page updates once a second). */
async function waitText(page: Page, sel: string, re: RegExp, context: () => string = () => ""): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, src, flags]) => new RegExp(src!, flags).test(document.querySelector(s!)?.textContent ?? ""),
      [sel, re.source, re.flags],
      { timeout: WAIT_MS, polling: 250 },
    );
  } catch (err) {
    const reads = JSON.stringify(await page.textContent(sel).catch(() => null));
    throw new Error(`${sel} never matched ${re}; it reads ${reads}: ${(err as Error).message}\n${context()}`);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ec-watch-"));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  await Promise.all(running.splice(0).map((r) => r.stop()));
  for (const p of others) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  await Promise.all(others.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once("exit", r)) : null)));
  rmSync(dir, { recursive: true, force: true });
});

describe("watch page (issue #10)", () => {
  it("plays the verified stream in Chromium, counters move, and a junk relay shows up as rejected", async () => {
    // Mesh: fake tuner -> leader (manifests) + honest relay (objects); junk relay mirrors the honest one's seqs.
    const keyPath = join(dir, "leader.key");
    const pk = (await runCli(["keygen", "--out", keyPath])).stdout.trim();
    expect(pk).toMatch(/^[0-9a-f]{64}$/);
    const sim = start(["hdhr-sim", "--input", fixturePath("h264-aac-1s-gop.ts"), "--channel", "5.1", "--tuners", "2"]);
    const tuner = (await sim.firstLine).replace("http://", "");
    const common = ["--hdhr", tuner, "--channel", "5.1", "--stream-id", STREAM, "--startup-delay-ms", "1000"];
    const leader = start(["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"]);
    const relay = start(["moq-publish", ...common]);
    const [leaderAddr, relayAddr] = await Promise.all([leader.firstLine, relay.firstLine]);
    const junkAddr = await startJunkRelay(relayAddr);
    expect(junkAddr).toMatch(/^ecmoq:\/\/[0-9a-f]{64}@127\.0\.0\.1:\d+$/);

    const hls = join(dir, "hls");
    const sub = start([
      "moq-subscribe", "--remote", junkAddr, "--remote", relayAddr, "--remote-manifests", leaderAddr,
      "--stream-id", STREAM, "--trusted-key", pk, "--hls-dir", hls, "--hls-window", "10",
      "--serve-http", "127.0.0.1:0",
    ]);
    const url = await sub.firstLine;
    // Loopback by default, the real port, and nothing else on the line.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(url).not.toMatch(/:0\/$/);

    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    const cspViolations: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const resp = await page.goto(url);
    expect(resp?.status()).toBe(200);
    expect(resp?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    expect(resp?.headers()["content-security-policy"]).toContain("script-src 'self'");
    expect(await page.title()).toBe("every.channel · watch");

    // The video plays: time advances and frames are decoded.
    await page.waitForFunction(
      () => {
        const v = document.querySelector("video")!;
        return v.currentTime > 1 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
      },
      undefined,
      { timeout: WAIT_MS, polling: 250 },
    );
    const t1 = await page.evaluate(() => document.querySelector("video")!.currentTime);
    await page.waitForFunction((t) => document.querySelector("video")!.currentTime > t + 2, t1, { timeout: WAIT_MS, polling: 250 });
    const frames = await page.evaluate(() => document.querySelector("video")!.getVideoPlaybackQuality().totalVideoFrames);
    expect(frames).toBeGreaterThan(0);
    const size = await page.evaluate(() => [document.querySelector("video")!.videoWidth, document.querySelector("video")!.videoHeight]);
    expect(size).toEqual([640, 360]);

    // The counters move while the publishers run (the page gets them by Server-Sent Events).
    const m1 = await num(page, "#manifests-verified");
    const o1 = await num(page, "#objects-accepted");
    expect(m1).toBeGreaterThan(0);
    await page.waitForFunction(
      ([m, o]) => {
        const n = (id: string) => Number(document.getElementById(id)!.textContent!.replace(/,/g, ""));
        return n("manifests-verified") > m! && n("objects-accepted") > o!;
      },
      [m1, o1],
      { timeout: WAIT_MS, polling: 250 },
    );

    // Signer panel: the pinned leader key.
    expect(await page.textContent("#signer-key")).toBe(pk);
    expect(await page.textContent("#signer-pinned")).toMatch(/^pinned/);

    // The junk relay is in the rejected panel (by reason and by peer), and marked in the peers table
    // as demoted or dropped (the subscriber turns away from a relay at its first refuted object).
    await waitText(page, `#rejected-by-peer tr[data-peer="${junkAddr}"]`, /\d+ hash-mismatch.*objects, .*(demoted|dropped)/, () => sub.stderr().slice(-6000));
    expect(Number(await page.textContent('#objects-rejected li[data-reason="hash-mismatch"] .n'))).toBeGreaterThanOrEqual(1);
    await waitText(page, `#peer-rows tr[data-peer="${junkAddr}"]`, /objects.*(demoted|dropped).*hash-mismatch/);
    await waitText(page, `#peer-rows tr[data-peer="${relayAddr}"]`, /objects\s*connected/);
    await waitText(page, `#peer-rows tr[data-peer="${leaderAddr}"]`, /manifests\s*connected/);
    // The honest relay is not blamed.
    expect(await page.$(`#rejected-by-peer tr[data-peer="${relayAddr}"]`)).toBeNull();

    // No hls.js fatal error, no script error, nothing blocked by the page's own CSP.
    const watch = await page.evaluate(() => {
      const w = (window as unknown as { __ecWatch: { fatal: unknown[]; snapshots: number; hls: unknown } }).__ecWatch;
      return { fatal: w.fatal, snapshots: w.snapshots, hasHls: w.hls !== null };
    });
    expect(watch.fatal).toEqual([]);
    expect(watch.hasHls).toBe(true);
    expect(watch.snapshots).toBeGreaterThan(1);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);

    // Let the chart gather a few samples, then keep a picture of it all.
    await page.waitForFunction(() => (window as unknown as { __ecWatch: { samples: unknown[] } }).__ecWatch.samples.length >= 5, undefined, {
      timeout: WAIT_MS,
    });
    await page.screenshot({ path: join(ARTIFACTS, "watch-e2e.png"), fullPage: true });

    // The same counters over plain JSON agree with the page.
    const snap = (await (await fetch(`${url}api/stats`)).json()) as {
      stats: { peers: Record<"manifests" | "objects", Record<string, { rejected: Record<string, number> }>>; signer: string; signerPinned: boolean };
    };
    expect(snap.stats.signer).toBe(pk);
    expect(snap.stats.signerPinned).toBe(true);
    expect(snap.stats.peers.objects[junkAddr]!.rejected["hash-mismatch"]).toBeGreaterThanOrEqual(1);
    expect(snap.stats.peers.objects[relayAddr]!.rejected).toEqual({});

    await browser.close();
    browser = undefined;
    await sub.stop();
    expect((await sub.exit).code).toBe(0);
  });

  it("ec-node demo serves the page, keeps running until Ctrl-C, then exits 0", async () => {
    const out = join(dir, "demo-out");
    const proc = spawn(process.execPath, [CLI, "demo", "--out", out, "--serve-http", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "pipe"] });
    others.push(proc);
    let stdout = "";
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    const exit = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on("data", (d) => {
        stdout += d;
        const m = /watch:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void exit.then((code) => reject(new Error(`demo exited (${code}) before printing its URL: ${stderr.slice(-2000)}`)));
    });
    expect(stdout).toContain("running until Ctrl-C");
    // The page and the counters are there, and the stream keeps going with no --duration.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("every.channel");
    type Snap = { stats: { streamId: string; segments: number; signerPinned: boolean } | null };
    const stats = async () => ((await (await fetch(`${url}api/stats`)).json()) as Snap).stats;
    await expect.poll(async () => (await stats())?.segments ?? 0, { timeout: WAIT_MS, interval: 500 }).toBeGreaterThanOrEqual(2);
    const s = (await stats())!;
    expect(s.streamId).toBe("demo");
    expect(s.signerPinned).toBe(true);
    const playlist = await fetch(`${url}hls/index.m3u8`);
    expect(playlist.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(await playlist.text()).toMatch(/^#EXTM3U/);
    // Ctrl-C (SIGINT to the demo, as a terminal sends it): a clean stop with a summary.
    proc.kill("SIGINT");
    expect(await exit, stderr.slice(-3000)).toBe(0);
    expect(stdout).toMatch(/done: \d+ segments/);
  });
});
