import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { VECTOR_FILE } from "./vectors/generate.js";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/without-node-crypto.mjs", import.meta.url));

describe("isomorphic build (dist/index.js)", () => {
  it("exists (run `pnpm --filter @ec/chunk-crypto build` first)", () => {
    expect(existsSync(dist)).toBe(true);
  });

  it("has no static or dynamic node: import and no require; imports only @noble/* and @ec/stream-rules", () => {
    const js = readFileSync(dist, "utf8");
    expect(js).not.toMatch(/from\s*["']node:/);
    expect(js).not.toMatch(/import\s*\(\s*["']node:/);
    expect(js).not.toMatch(/\brequire\s*\(/);
    const specifiers = [...js.matchAll(/^\s*import\s[^"']*["']([^"']+)["']/gm)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s).toMatch(/^(@noble\/(ciphers|hashes)\/|@ec\/stream-rules$)/);
  });

  it.each([
    ["no-process", "without process/getBuiltinModule (as in a browser)"],
    ["broken-native", "with a node:crypto that fails the self-test"],
  ])("%s: %s, auto falls back to portable and matches every shared vector", (mode) => {
    const out = execFileSync(process.execPath, [fixture, dist, VECTOR_FILE, mode], { encoding: "utf8", timeout: 30_000 });
    const vectors = JSON.parse(readFileSync(VECTOR_FILE, "utf8")) as { valid: unknown[]; invalid: unknown[] };
    const summary = JSON.parse(out) as {
      processVisible: boolean;
      nativeAvailable: boolean;
      backends: string[];
      valid: number;
      invalid: number;
      failures: string[];
      forcedNative: string;
    };
    expect(summary.processVisible).toBe(mode !== "no-process");
    expect(summary.nativeAvailable).toBe(false);
    expect(new Set(summary.backends)).toEqual(new Set(["portable"]));
    expect(summary.failures).toEqual([]);
    expect(summary.valid).toBe(vectors.valid.length);
    expect(summary.invalid).toBe(vectors.invalid.length);
    expect(summary.forcedNative).toBe("backend-unavailable");
  });
});
