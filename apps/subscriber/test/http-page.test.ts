/**
 * The page in Debian's Chromium against a real watch server, with counters set by the test:
 * panels render what the subscriber says (trust on first use is flagged, rejections by reason and
 * by peer, dropped peers), follow changes over Server-Sent Events, and treat every string from
 * the server as text, never markup. Playback itself is covered by apps/ec-node/test/watch.e2e.test.ts.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { startWatchServer } from "../src/http/index.js";
import type { WatchServer } from "../src/http/index.js";
import { newSubscriberStats } from "../src/stats.js";

const WAIT_MS = 30_000;
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;
let dir: string;
let browser: BrowserContext;
let server: WatchServer;
const live = newSubscriberStats("page-test");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ec-watch-page-"));
  mkdirSync(join(dir, "hls"));
  server = await startWatchServer({ hlsDir: join(dir, "hls"), stats: () => live, sampleMs: 100 });
  browser = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("watch page rendering", () => {
  it("shows trust-on-first-use loudly, rejections by reason and peer, follows updates, and never renders server strings as markup", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById("stream-id")!.textContent === "page-test", undefined, { timeout: WAIT_MS });
    expect(await page.textContent("#conn")).toBe("live");
    expect(await page.textContent("#signer-key")).toBe("none verified yet");

    // A signer trusted on first use, a junk peer with a hostile name and reason.
    const junk = `ecmoq://${"ab".repeat(32)}@127.0.0.1:4444`;
    live.signer = "cd".repeat(32);
    live.signerPinned = false;
    live.manifests.accepted = 12;
    live.manifests.rejected.replay = 2;
    live.objects.accepted = 30;
    live.objects.rejected["hash-mismatch"] = 3;
    live.objects.rejected[HOSTILE] = 1;
    live.peers.objects[junk] = {
      role: "objects", connected: false, connects: 1, disconnects: 1, received: 4, accepted: 0,
      rejected: { "hash-mismatch": 3, [HOSTILE]: 1 }, duplicates: 0, dropped: `served 4 rejected objects ${HOSTILE}`,
    };
    live.peers.manifests[HOSTILE] = { role: "manifests", connected: true, connects: 1, disconnects: 0, received: 14, accepted: 12, rejected: {}, duplicates: 0 };
    // One address in both roles (a relay serving manifests and objects): one row per role, each with its own counters and state.
    const both = `ecmoq://${"ef".repeat(32)}@127.0.0.1:4445`;
    live.peers.manifests[both] = { role: "manifests", connected: false, connects: 1, disconnects: 1, received: 5, accepted: 5, rejected: {}, duplicates: 0 };
    live.peers.objects[both] = { role: "objects", connected: true, connects: 1, disconnects: 0, received: 30, accepted: 30, rejected: {}, duplicates: 0 };

    await page.waitForFunction(() => document.getElementById("manifests-verified")!.textContent === "12", undefined, { timeout: WAIT_MS });
    expect(await page.textContent("#signer-key")).toBe(live.signer);
    expect(await page.textContent("#signer-pinned")).toBe("NOT pinned: trusted on first use");
    expect(await page.getAttribute("#signer-pinned", "class")).toContain("badge-warn");
    expect(await page.textContent("#objects-accepted")).toBe("30");
    expect(await page.textContent('#manifests-rejected li[data-reason="replay"]')).toBe("replay2");
    expect(await page.textContent('#objects-rejected li[data-reason="hash-mismatch"] .n')).toBe("3");
    const junkRow = await page.textContent(`#rejected-by-peer tr[data-peer="${junk}"]`);
    expect(junkRow).toContain("3 hash-mismatch");
    expect(junkRow).toContain("dropped: served 4 rejected objects");
    // The long address is shortened on screen and whole in the tooltip.
    expect(await page.getAttribute(`#peer-rows tr[data-peer="${junk}"] td.peer`, "title")).toBe(junk);
    expect(await page.textContent(`#peer-rows tr[data-peer="${junk}"] td.peer`)).toBe("abababab…abab@127.0.0.1:4444");
    expect(await page.$$eval(`#peer-rows tr[data-peer="${both}"]`, (rows) => rows.map((r) => r.getAttribute("data-role")))).toEqual(["manifests", "objects"]);
    expect(await page.textContent(`#peer-rows tr[data-peer="${both}"][data-role="manifests"]`)).toMatch(/manifests\s*disconnected\s*1\s*5\s*5\s*0$/);
    expect(await page.textContent(`#peer-rows tr[data-peer="${both}"][data-role="objects"]`)).toMatch(/objects\s*connected\s*1\s*30\s*30\s*0$/);

    // Hostile strings are shown as text: no element was created from them, nothing ran.
    expect(await page.textContent("#objects-rejected")).toContain(HOSTILE);
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // The run ends: the page says so and why.
    live.result = { ok: false, reason: "timed out after 8 s: no object accepted" };
    await page.waitForFunction(() => document.getElementById("conn")!.textContent === "failed", undefined, { timeout: WAIT_MS });
    expect(await page.textContent("#result")).toBe("subscriber failed: timed out after 8 s: no object accepted");
    // No segment was ever written, so no player was started.
    expect(await page.evaluate(() => (window as unknown as { __ecWatch: { hls: unknown } }).__ecWatch.hls)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });
});
