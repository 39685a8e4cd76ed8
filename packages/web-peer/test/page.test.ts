/**
 * The watch page in Chromium: its config (config.json beside it, the query over it) and what it
 * shows — bad config, no pinned key, playing with counters, an MPEG-2/AC-3 stream refused in plain
 * words. The page code is the shipped page/app.ts; only the verified source is scripted here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TsChunker } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import { bundleForBrowser } from "./helpers/bundle.js";
import { launchChromium } from "./helpers/chromium.js";
import type { Browser } from "./helpers/chromium.js";
import { serveStatic } from "./helpers/static-server.js";
import type { StaticServer } from "./helpers/static-server.js";

const KEY = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
const PEER = `ecmoq://${"a".repeat(64)}@127.0.0.1:4443`;
const PAGE = fileURLToPath(new URL("../page/", import.meta.url));
let browser: Browser;
let server: StaticServer;
const routes = new Map<string, { type: string; body: Uint8Array | string }>();

beforeAll(async () => {
  routes.set("/app.js", { type: "text/javascript", body: await bundleForBrowser(fileURLToPath(new URL("./browser/page-harness.ts", import.meta.url))) });
  for (const name of ["h264-aac-1s-gop.ts", "mpeg2-ac3.ts"] as const) {
    const c = new TsChunker({ chunkMs: 1000 });
    [...c.push(readFileSync(fixturePath(name))), ...c.flush()].forEach((x, i) => routes.set(`/${name}/${i}.ts`, { type: "video/mp2t", body: x.bytes }));
  }
  server = await serveStatic([PAGE], routes);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const setConfig = (c: unknown) => (c === undefined ? routes.delete("/config.json") : routes.set("/config.json", { type: "application/json", body: JSON.stringify(c) }));
const why = (page: import("playwright-core").Page) => page.evaluate(() => ({ kind: document.getElementById("why")!.dataset.why, text: document.getElementById("why")!.textContent }));

describe("the watch page", () => {
  it("no config.json and no query: says what is missing", async () => {
    setConfig(undefined);
    const { page, errors } = await browser.page();
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "config");
    expect((await why(page)).text).toBe("Nothing plays: no stream id: set streamId in config.json or ?streamId=.");
    expect(server.requests).toContain("/config.json");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a config with no trusted key: nothing plays, and it says a key must be pinned", async () => {
    setConfig({ streamId: "s", manifestPeer: PEER, objectPeers: [PEER], trustedKeys: [] });
    const { page } = await browser.page();
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "no-trusted-key");
    expect((await why(page)).text).toMatch(/no signer key is pinned.*never trusts a signer on first use/);
    await page.close();
  });

  it("config.json + query override: plays, counters shown, verified == appended", async () => {
    setConfig({ streamId: "from-file", manifestPeer: PEER, objectPeers: [PEER], trustedKeys: [KEY] });
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}?streamId=from-query`);
    await page.waitForFunction(() => document.querySelector("video")!.currentTime > 2, undefined, { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById("appended")!.textContent === "12", undefined, { timeout: 60_000 });
    expect(await page.textContent("#stream-id")).toBe("from-query");
    expect(await page.textContent("#verified")).toBe("12");
    expect(await page.textContent("#signer-status")).toBe("pinned");
    expect(await page.textContent("#signer-key")).toBe(KEY);
    expect(await page.textContent(`#peer-rows tr[data-peer="${PEER}"] td[data-n="accepted"]`)).toBe("12");
    expect((await why(page)).kind).toBe("playing");
    expect(await page.textContent("#player-state")).toBe("playing");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("stalled: the pill and the reason line say so while no chunk comes, and go back to playing when chunks flow again", async () => {
    setConfig({ streamId: "s", manifestPeer: PEER, objectPeers: [PEER], trustedKeys: [KEY] });
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}?holdAt=4`);
    await page.waitForFunction(() => document.getElementById("appended")!.textContent === "4", undefined, { timeout: 60_000 });
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "stalled", undefined, { timeout: 60_000 });
    expect((await why(page)).text).toBe("Stalled: the scripted source is holding its chunks.");
    expect(await page.textContent("#player-state")).toBe("stalled");
    expect(await page.getAttribute("#player-state", "class")).toContain("pill-bad");
    await page.evaluate(() => void ((window as unknown as { __ecRelease: boolean }).__ecRelease = true));
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "playing", undefined, { timeout: 60_000 });
    // The same render that cleared the reason line set the pill back.
    expect(await page.evaluate(() => document.getElementById("player-state")!.textContent)).toBe("playing");
    expect(Number(await page.textContent("#appended"))).toBeGreaterThan(4);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("MPEG-2/AC-3: says plainly the browser cannot decode it; nothing appended", async () => {
    setConfig({ streamId: "s", manifestPeer: PEER, objectPeers: [PEER], trustedKeys: [KEY] });
    const { page, errors } = await browser.page();
    await page.goto(`${server.url}?fixture=mpeg2-ac3.ts`);
    await page.waitForFunction(() => document.getElementById("why")!.dataset.why === "codec-unsupported", undefined, { timeout: 60_000 });
    const w = await why(page);
    expect(w.text).toMatch(/^Nothing plays because of the codecs\. This stream is MPEG-2 video \(stream type 0x02\) and AC-3 \(Dolby Digital\) \(stream type 0x81\), which web browsers cannot decode/);
    expect(await page.textContent("#appended")).toBe("0");
    expect(await page.textContent("#player-state")).toBe("unsupported");
    expect(await page.evaluate(() => document.querySelector("video")!.buffered.length)).toBe(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: fileURLToPath(new URL("../../../test-artifacts/web-peer-mpeg2.png", import.meta.url)) });
    await page.close();
  });
});
