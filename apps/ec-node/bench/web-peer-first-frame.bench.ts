/**
 * Page load to first frame: the web-peer page as the leader serves it (`moq-publish --serve-web`:
 * @ec/web-peer's bundled page and a generated config.json; the browser subscribes, verifies,
 * decrypts, transmuxes and appends itself) beside the HLS watch page of
 * `moq-subscribe --serve-http` (hls.js playing what a server-side subscriber already verified and
 * wrote), same live mesh, same Chromium, same run, trials alternating. Measured in the page:
 * `performance.now()` (ms since navigation start) at the first `requestVideoFrameCallback`, or the
 * first poll that sees a decoded frame, whichever comes first.
 *
 * Not the same work: the HLS page's subscriber is already running (its start-up is not counted),
 * while the web-peer page starts from nothing each time (dial, first manifest, first objects).
 */
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { percentile, quickRun, type BenchRow } from "../../../scripts/bench-lib.js";
import { launchChromiumProfile } from "../test/procs/chromium.js";
import { sdRecording, tempDir } from "./lib/media.js";
import { cliOnce, ProcGroup, sleep } from "./lib/procs.js";

const STREAM = "bench-web-peer";

/** Runs in every page before its own scripts: notes when the first video frame is shown. */
const FIRST_FRAME_PROBE = `(() => {
  const w = window;
  w.__firstFrameMs = undefined;
  const seen = () => { if (w.__firstFrameMs === undefined) w.__firstFrameMs = performance.now(); };
  const hook = () => {
    const v = document.querySelector("video");
    if (!v) return void setTimeout(hook, 5);
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(seen);
    const poll = () => { if (w.__firstFrameMs !== undefined) return; if (v.getVideoPlaybackQuality().totalVideoFrames > 0) seen(); else setTimeout(poll, 10); };
    poll();
  };
  hook();
})();`;

export default async function (): Promise<BenchRow[]> {
  const trials = quickRun() ? 2 : 5;
  const rec = await sdRecording(240);
  const dir = tempDir("web-peer");
  const keyPath = join(dir, "leader.key");
  const pk = await cliOnce(["keygen", "--out", keyPath]);
  const mesh = new ProcGroup();
  let browser: BrowserContext | undefined;
  try {
    const leader = mesh.cli("leader", ["moq-publish", "--input", rec, "--stream-id", STREAM, "--chunk-ms", "1000", "--publish-manifests", "--signing-key", keyPath, "--serve-web", "127.0.0.1:0"]);
    const leaderAddr = await leader.firstLine();
    const pageUrl = await leader.stdoutLine(1);
    const sub = mesh.cli("subscriber", [
      "moq-subscribe", "--remote", leaderAddr, "--stream-id", STREAM, "--trusted-key", pk, "--hls-dir", join(dir, "hls"),
      "--hls-window", "10", "--serve-http", "127.0.0.1:0",
    ], "debug");
    const hlsUrl = await sub.firstLine();
    await sub.waitFor((l) => l.msg === "segment written", 60_000, "first HLS segment");
    await sleep(4000);
    browser = await launchChromiumProfile(join(dir, "chromium"));
    await browser.addInitScript(FIRST_FRAME_PROBE);
    const firstFrame = async (url: string): Promise<number> => {
      const page = await browser!.newPage();
      try {
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { __firstFrameMs?: number }).__firstFrameMs !== undefined, undefined, { timeout: 60_000, polling: 20 });
        return await page.evaluate(() => (window as unknown as { __firstFrameMs: number }).__firstFrameMs);
      } finally {
        await page.close();
      }
    };
    const ours: number[] = [];
    const hls: number[] = [];
    for (let i = 0; i < trials; i++) {
      ours.push(await firstFrame(pageUrl));
      hls.push(await firstFrame(hlsUrl));
    }
    const median = (xs: number[]) => percentile(xs, 50);
    return [
      {
        name: "page load -> first frame: web-peer page (verifies in the page, 1 s chunks)",
        value: median(ours),
        unit: "ms",
        baselineName: "HLS watch page (hls.js; server-side subscriber already running)",
        baseline: median(hls),
        note: `median of ${trials}; web-peer ${ours.map((x) => x.toFixed(0)).join(" ")} ms, HLS ${hls.map((x) => x.toFixed(0)).join(" ")} ms`,
        detail: { trials, oursMs: ours.join(" "), hlsMs: hls.join(" ") },
      },
    ];
  } finally {
    await browser?.close().catch(() => {});
    await mesh.stopAll();
  }
}
