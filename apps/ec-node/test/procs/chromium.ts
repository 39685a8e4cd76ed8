/**
 * Debian's Chromium (`/usr/bin/chromium`), headless, driven by playwright-core: the browser every
 * page test and the first-frame bench open the nodes' pages in. Autoplay without a gesture (the
 * pages start video themselves), no GPU, no QUIC, no background traffic of the browser's own.
 */
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
];

/** A browser with a fresh profile in `profileDir` (created). */
export function launchChromiumProfile(profileDir: string, viewport?: { width: number; height: number }): Promise<BrowserContext> {
  mkdirSync(profileDir, { recursive: true });
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], ...(viewport ? { viewport } : {}) });
}

/** A browser with no profile on disk; `extraArgs` after the usual ones (e.g. a certificate to trust). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
