/**
 * The browser as a verifying peer (issue #17), in Debian's Chromium against a live mesh on
 * loopback, opened as a user would: `hdhr-sim --live` → leader (`moq-publish`, manifests + objects)
 * → `ec-node relay` (objects, verified hop); a junk relay (random bytes at the right seqs and
 * sizes) mirrors the honest relay. The page is the one the nodes serve themselves
 * (`--serve-web 127.0.0.1:0`: @ec/web-peer's bundled page plus a generated config.json, the URL on
 * the node's second stdout line); no server-side subscriber anywhere: the page connects to the
 * nodes itself, verifies, decrypts and plays through MSE. Cases that need another setup use the
 * page's URL query overrides on the relay's page, or another node's own page.
 *
 * (a) the relay's page as served plays: video time advances ≥ 6 s and the page's verified counter
 *     equals chunks appended;
 * (b) junk relay listed first (`?objectPeer=<junk>&objectPeer=<relay>`): its objects rejected
 *     (hash-mismatch, counted), none appended, and playback goes on from the honest relay;
 * (c) an untrusted signer (`?trustedKey=<another key>`): nothing plays, and the page says why;
 * (d) an MPEG-2/AC-3 broadcast (the bundled ATSC-like fixture, live, its leader's own page):
 *     verified, but the page says plainly that a browser cannot decode it, and appends nothing;
 * (e) (last: it kills the leader) the leader dies while its own page and the relay's page play:
 *     each says it stalled and why (the verified stream's own one-line reason, dated for a live
 *     page): the leader's page that the leader is gone, the relay's that manifests stopped arriving
 *     via the relay; the pill beside the video says "stalled", not "playing".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { fixturePath } from "@ec/fixtures";
import { CHUNK_MS, Procs, RECORDING, keysIn } from "./procs/mesh.js";
import { launchChromiumProfile } from "./procs/chromium.js";
import { startNodeScript } from "./cli-harness.js";
import type { RunningCli } from "./cli-harness.js";

const STREAM = "web-peer-e2e";
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const WAIT_MS = 90_000;

const procs = new Procs();
let dir: string;
let keys: Awaited<ReturnType<typeof keysIn>>;
let browser: BrowserContext;
let leaderAddr: string;
let leaderPage: string;
let leaderProc: RunningCli;
let relayAddr: string;
let relayPage: string;
let junkAddr: string;

/** `moq-publish` from a live hdhr-sim playing `input`: a leader serving manifests, chunks and its own page. */
async function liveLeader(input: string, streamId: string): Promise<{ proc: RunningCli; addr: string; page: string }> {
  const sim = procs.cli(["hdhr-sim", "--input", input, "--live", "--channel", "5.1"]);
  const tuner = new URL(await sim.firstLine).host;
  const proc = procs.cli([
    "moq-publish", "--hdhr", tuner, "--channel", "5.1", "--stream-id", streamId, "--chunk-ms", String(CHUNK_MS),
    "--publish-manifests", "--signing-key", keys.leaderKey, "--serve-web", "127.0.0.1:0",
  ]);
  return { proc, addr: await proc.firstLine, page: await proc.secondLine };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "ec-web-peer-"));
  keys = await keysIn(dir);
  ({ proc: leaderProc, addr: leaderAddr, page: leaderPage } = await liveLeader(RECORDING, STREAM));
  const relay = procs.cli(["relay", "--stream-id", STREAM, "--remote", leaderAddr, "--trusted-key", keys.leaderPk, "--serve-web", "127.0.0.1:0"]);
  relayAddr = await relay.firstLine;
  relayPage = await relay.secondLine;
  // The junk relay is TypeScript: run through tsx, from the app's directory (it resolves @ec/moq-transport there).
  const junk = startNodeScript(fileURLToPath(new URL("./procs/junk-relay-watch.ts", import.meta.url)), [relayAddr, STREAM], {
    label: "junk-relay-watch", cwd: fileURLToPath(new URL("..", import.meta.url)), env: { NODE_OPTIONS: "--import tsx" },
  });
  procs.list.push(junk);
  junkAddr = await junk.firstLine;
  browser = await launchChromiumProfile(join(dir, "chromium"), { width: 1280, height: 1000 });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await procs.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Snapshot {
  verified: number;
  appended: number;
  skipped: number;
  playerAppended: number;
  state: string;
  currentTime: number;
  frames: number;
  ranges: number;
  why: string;
  whyText: string;
  stats: {
    signer?: string;
    manifests: { accepted: number; rejected: Record<string, number> };
    objects: { accepted: number; rejected: Record<string, number> };
    peers: Record<"manifests" | "objects", Record<string, { role: string; connected: boolean; accepted: number; received: number; rejected: Record<string, number> }>>;
  };
}

const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = (window as any).__ecWebPeer;
    const v = document.querySelector("video")!;
    const n = (id: string) => Number(document.getElementById(id)!.textContent!.replace(/,/g, ""));
    return {
      verified: n("verified"),
      appended: n("appended"),
      skipped: n("skipped"),
      playerAppended: s.player?.counters.chunksAppended ?? 0,
      state: s.player?.state ?? "none",
      currentTime: v.currentTime,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      ranges: v.buffered.length,
      why: document.getElementById("why")!.dataset.why!,
      whyText: document.getElementById("why")!.textContent!,
      stats: s.source ? JSON.parse(JSON.stringify(s.source.stats())) : { manifests: { accepted: 0, rejected: {} }, objects: { accepted: 0, rejected: {} }, peers: { manifests: {}, objects: {} } },
    };
  });
}

/**
 * Opens a node's page (`url`, as printed by `--serve-web`) with the page's URL query overrides
 * (`[field, value]` pairs, a field repeated for a list), as a user would paste them.
 */
async function openPage(url: string, overrides: Array<[string, string]> = []): Promise<{ page: Page; errors: string[]; debug: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const debug: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => void (m.type() === "debug" && debug.push(m.text())));
  const query = new URLSearchParams(overrides).toString();
  const resp = await page.goto(query ? `${url}?${query}` : url);
  expect(resp?.status()).toBe(200);
  await page.waitForFunction(() => "__ecWebPeer" in window);
  return { page, errors, debug };
}

/** Counters read at one instant from the page's live state: verified (the stream), appended (watch), appended (player). */
interface Agreed {
  verified: number;
  appended: number;
  playerAppended: number;
}

/**
 * Waits until the page has played `seconds` of video from where it first had media; then until,
 * at one instant, every chunk the stream verified has been appended (an append may be in flight
 * when a new chunk is verified), and the page's own counters show the same.
 */
async function playsFor(page: Page, seconds: number): Promise<{ snap: Snapshot; agreed: Agreed }> {
  await page.waitForFunction(() => document.querySelector("video")!.buffered.length > 0, undefined, { timeout: WAIT_MS, polling: 250 });
  const t0 = await page.evaluate(() => document.querySelector("video")!.buffered.start(0));
  await page.waitForFunction((t) => document.querySelector("video")!.currentTime >= t, t0 + seconds, { timeout: WAIT_MS, polling: 250 });
  const agreed = (await (
    await page.waitForFunction(
      () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const s = (window as any).__ecWebPeer;
        const a = { verified: s.source.stats().objects.accepted, appended: s.watch.appended, playerAppended: s.player.counters.chunksAppended };
        return a.verified > 0 && a.verified === a.appended && a.appended === a.playerAppended ? a : false;
      },
      undefined,
      { timeout: WAIT_MS, polling: 50 },
    )
  ).jsonValue()) as Agreed;
  await page.waitForFunction(
    () => {
      const n = (id: string) => Number(document.getElementById(id)!.textContent!.replace(/,/g, ""));
      return n("verified") > 0 && n("verified") === n("appended");
    },
    undefined,
    { timeout: WAIT_MS, polling: 100 },
  );
  return { snap: await snapshot(page), agreed };
}

describe("web peer in Chromium (issue #17)", () => {
  it("(a) the relay's page plays from a live mesh: ≥ 6 s of video, verified == appended, signer pinned", async () => {
    // As served: the relay's generated config.json (manifests and objects from the relay, the leader's key pinned).
    const { page, errors, debug } = await openPage(relayPage);
    const { snap: s, agreed } = await playsFor(page, 6);
    expect(s.state).toBe("playing");
    expect(s.frames).toBeGreaterThan(0);
    expect(agreed.appended).toBe(agreed.verified);
    expect(agreed.playerAppended).toBe(agreed.appended);
    expect(s.skipped).toBe(0);
    expect(await page.textContent("#dropped-late")).toBe("0");
    expect(s.stats.objects.rejected).toEqual({});
    expect(s.stats.signer).toBe(keys.leaderPk);
    expect(s.why).toBe("playing");
    expect(await page.textContent("#signer-status")).toBe("pinned");
    expect(await page.textContent("#signer-key")).toBe(keys.leaderPk);
    // Everything played came from the relay the page was served by. It is both the manifest and the
    // object peer, counted apart per role: its manifests in one entry, its objects in the other.
    expect(Object.keys(s.stats.peers.manifests)).toEqual([relayAddr]);
    expect(Object.keys(s.stats.peers.objects)).toEqual([relayAddr]);
    expect(s.stats.peers.manifests[relayAddr]).toMatchObject({ role: "manifests", connected: true, accepted: s.stats.manifests.accepted });
    expect(s.stats.peers.objects[relayAddr]).toMatchObject({ role: "objects", connected: true, accepted: s.stats.objects.accepted });
    // The table has a row per role for it, each with its own verified count.
    expect(await page.$$eval(`#peer-rows tr[data-peer="${relayAddr}"]`, (rows) => rows.map((r) => r.getAttribute("data-role")))).toEqual(["manifests", "objects"]);
    for (const role of ["manifests", "objects"] as const) {
      const shown = await page.textContent(`#peer-rows tr[data-peer="${relayAddr}"][data-role="${role}"] td[data-n="accepted"]`);
      expect(Number(shown!.replace(/,/g, ""))).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
    // The console stays readable: none of @moq/lite's per-frame console.debug chatter (dropped from the page's bundle).
    expect(debug).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "web-peer-a-plays.png"), fullPage: true });
    await page.close();
  }, 150_000);

  it("(b) junk relay first: rejected per reason, nothing of it appended, playback continues from the honest relay", async () => {
    const { page, errors } = await openPage(relayPage, [["objectPeer", junkAddr], ["objectPeer", relayAddr]]);
    const { snap: s, agreed } = await playsFor(page, 6);
    const junk = s.stats.peers.objects[junkAddr]!;
    const honest = s.stats.peers.objects[relayAddr]!;
    expect(junk.received).toBeGreaterThan(0);
    expect(junk.accepted).toBe(0);
    expect(junk.rejected["hash-mismatch"]).toBeGreaterThanOrEqual(1);
    // Every accepted object came from the honest relay (its object-role counters; the manifests it
    // serves the page are counted apart), and every one of them reached the video.
    expect(honest.accepted).toBe(s.stats.objects.accepted);
    expect(s.stats.peers.manifests[relayAddr]!.accepted).toBe(s.stats.manifests.accepted);
    expect(Object.keys(s.stats.peers.manifests)).toEqual([relayAddr]);
    expect(agreed.appended).toBe(agreed.verified);
    expect(Number(await page.textContent('#objects-rejected li[data-reason="hash-mismatch"] .n'))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent(`#peer-rows tr[data-peer="${junkAddr}"][data-role="objects"] td[data-n="rejected"]`)).toMatch(/\d+ hash-mismatch/);
    expect(Number(await page.textContent("#failovers"))).toBeGreaterThanOrEqual(1);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "web-peer-b-junk-relay.png"), fullPage: true });
    await page.close();
  }, 150_000);

  it("(c) untrusted signer: nothing plays, and the page says why", async () => {
    const { page, errors } = await openPage(relayPage, [["trustedKey", keys.otherPk]]);
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "untrusted-signer", undefined, { timeout: WAIT_MS, polling: 250 });
    // Several manifests came and were all refused: nothing was appended meanwhile.
    await page.waitForFunction(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => ((window as any).__ecWebPeer.source.stats().manifests.rejected["unknown-signer"] ?? 0) >= 3,
      undefined,
      { timeout: WAIT_MS, polling: 250 },
    );
    const s = await snapshot(page);
    expect(s.stats.manifests.accepted).toBe(0);
    expect(s.stats.objects.accepted).toBe(0);
    expect(s.verified).toBe(0);
    expect(s.appended).toBe(0);
    expect(s.ranges).toBe(0);
    expect(s.currentTime).toBe(0);
    expect(s.whyText).toMatch(/^Nothing plays because the manifests are signed by a key this page does not trust \(\d+ unknown-signer\)/);
    expect(s.whyText).toContain(keys.otherPk);
    expect(await page.textContent("#signer-status")).toBe("untrusted");
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "web-peer-c-untrusted.png"), fullPage: true });
    await page.close();
  }, 150_000);

  it("(d) MPEG-2/AC-3 live: chunks verified, the page says the browser cannot decode them, nothing appended", async () => {
    // That broadcast's own leader serves the page for it.
    const mpeg2 = await liveLeader(fixturePath("mpeg2-ac3.ts"), "web-peer-mpeg2");
    const { page, errors } = await openPage(mpeg2.page);
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "codec-unsupported", undefined, { timeout: WAIT_MS, polling: 250 });
    const s = await snapshot(page);
    // The chunks were verified (a verified manifest vouched for each), then refused by the player.
    expect(s.stats.objects.accepted).toBeGreaterThanOrEqual(1);
    // Handed to the player, which refused them: skipped, never appended.
    expect(s.skipped).toBeGreaterThanOrEqual(1);
    expect(s.appended).toBe(0);
    expect(s.state).toBe("unsupported");
    expect(s.ranges).toBe(0);
    expect(s.whyText).toMatch(/This stream is MPEG-2 video \(stream type 0x02\) and AC-3 \(Dolby Digital\) \(stream type 0x81\), which web browsers cannot decode/);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "web-peer-d-mpeg2.png"), fullPage: true });
    await page.close();
  }, 150_000);

  it("(e) the leader dies while its page and the relay's page play: each says it stalled, and why", async () => {
    // The leader's own page (manifests and objects from the leader), and the relay's (both from the relay).
    const { page, errors } = await openPage(leaderPage);
    const { page: viaRelay, errors: relayErrors } = await openPage(relayPage);
    await Promise.all([playsFor(page, 2), playsFor(viaRelay, 2)]);
    leaderProc.proc.kill("SIGKILL");
    await leaderProc.exit;
    const stalled = () => document.getElementById("why")!.dataset.why === "stalled";
    await page.waitForFunction(stalled, undefined, { timeout: WAIT_MS, polling: 250 });
    const s = await snapshot(page);
    expect(s.whyText).toMatch(new RegExp(`^Stalled: leader gone: manifest peer ${escapeRe(leaderAddr)} disconnected`));
    // Told as a live page tells it: how long ago, not "before the end" of a run that has not ended.
    expect(s.whyText).toMatch(/ disconnected at \S+Z, \d+\.\d s ago\b.* and has not come back/);
    expect(s.whyText).not.toContain("before the end");
    // The pill beside the video says so too, not "playing".
    expect(await page.textContent("#player-state")).toBe("stalled");
    // Everything appended was verified before the leader went.
    expect(s.appended).toBe(s.stats.objects.accepted);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "web-peer-e-leader-gone.png"), fullPage: true });
    await page.close();

    // Behind the relay: the relay is still there, but no manifest comes through it any more.
    await viaRelay.waitForFunction(stalled, undefined, { timeout: WAIT_MS, polling: 250 });
    const r = await snapshot(viaRelay);
    expect(r.whyText).toMatch(new RegExp(`^Stalled: manifests stopped arriving via ${escapeRe(relayAddr)} since \\S+Z, \\d+\\.\\d s ago: it is still connected but passes on no manifest, so the leader behind it \\(or its link to the leader\\) is likely gone`));
    // Each role of the relay has its own state: its manifest role is connected, and the page is not
    // told the relay itself is gone.
    expect(r.stats.peers.manifests[relayAddr]).toMatchObject({ role: "manifests", connected: true });
    expect(r.whyText).not.toContain("leader gone: manifest peer");
    expect(await viaRelay.textContent("#player-state")).toBe("stalled");
    expect(r.appended).toBe(r.stats.objects.accepted);
    expect(relayErrors).toEqual([]);
    await viaRelay.screenshot({ path: join(ARTIFACTS, "web-peer-e-leader-gone-via-relay.png"), fullPage: true });
    await viaRelay.close();
  }, 150_000);
});
