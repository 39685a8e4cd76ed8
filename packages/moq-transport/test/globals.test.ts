/**
 * A library leaves its host's globals alone: importing @ec/moq-transport (the built package, as a
 * consumer loads it) keeps every console method the same function object. Quieting `@moq/lite`'s
 * chatter is the explicit `quietMoqLiteLogs()`, which drops only calls made from @moq/* files and
 * restores the originals on request.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, pkgDir } from "./helpers.js";

const METHODS = ["debug", "log", "info", "warn", "error"] as const;
type Method = (typeof METHODS)[number];
const c = console as unknown as Record<Method, (...args: unknown[]) => void>;

describe("importing @ec/moq-transport", () => {
  it("leaves console.log (and the other console methods) the same function objects", async () => {
    ensureBuilt();
    const before = METHODS.map((m) => c[m]);
    const mod = (await import(pathToFileURL(join(pkgDir, "dist", "index.js")).href)) as { quietMoqLiteLogs: unknown };
    expect(typeof mod.quietMoqLiteLogs).toBe("function");
    METHODS.forEach((m, i) => expect(c[m], `console.${m}`).toBe(before[i]));
  });
});

describe("quietMoqLiteLogs()", () => {
  const dir = mkdtempSync(join(tmpdir(), "ec-quiet-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("drops console calls from @moq/* files only, and restores the original methods", async () => {
    ensureBuilt();
    const { quietMoqLiteLogs } = (await import(pathToFileURL(join(pkgDir, "dist", "index.js")).href)) as {
      quietMoqLiteLogs: () => () => void;
    };
    // A module at a path shaped like an installed @moq/lite file, calling console.log as @moq/lite does.
    const moqDir = join(dir, "node_modules", "@moq", "lite");
    mkdirSync(moqDir, { recursive: true });
    writeFileSync(join(moqDir, "chatter.mjs"), "export function chatter(s) { console.log(s); }\n");
    const { chatter } = (await import(pathToFileURL(join(moqDir, "chatter.mjs")).href)) as { chatter: (s: string) => void };

    const seen: unknown[][] = [];
    const original = c.log;
    const spy = (...args: unknown[]) => void seen.push(args);
    c.log = spy;
    const debug = process.env.EC_MOQ_DEBUG;
    delete process.env.EC_MOQ_DEBUG; // read when the wrapper installs: unset means drop
    try {
      const restore = quietMoqLiteLogs();
      expect(c.log).not.toBe(spy);
      expect(quietMoqLiteLogs()).toBe(restore); // idempotent: one wrapper, one restore
      chatter("from moq");
      c.log("from the app");
      expect(seen).toEqual([["from the app"]]);
      restore();
      expect(c.log).toBe(spy);
      chatter("after restore");
      expect(seen).toEqual([["from the app"], ["after restore"]]);
    } finally {
      c.log = original;
      if (debug !== undefined) process.env.EC_MOQ_DEBUG = debug;
    }
  });
});
