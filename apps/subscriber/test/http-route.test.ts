import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { join, resolve, sep } from "node:path";
import { routeRequest, MAX_TARGET_LENGTH } from "../src/http/route.js";

describe("routeRequest: the page, the API and HLS files", () => {
  it("routes exactly the page's files, the API, and HLS names", () => {
    expect(routeRequest("/")).toEqual({ kind: "asset", asset: "index.html" });
    expect(routeRequest("/index.html")).toEqual({ kind: "asset", asset: "index.html" });
    expect(routeRequest("/app.js")).toEqual({ kind: "asset", asset: "app.js" });
    expect(routeRequest("/style.css")).toEqual({ kind: "asset", asset: "style.css" });
    expect(routeRequest("/favicon.svg")).toEqual({ kind: "asset", asset: "favicon.svg" });
    expect(routeRequest("/vendor/hls.min.js")).toEqual({ kind: "asset", asset: "hls.min.js" });
    expect(routeRequest("/api/stats")).toEqual({ kind: "stats" });
    expect(routeRequest("/api/events")).toEqual({ kind: "events" });
    expect(routeRequest("/hls/index.m3u8")).toEqual({ kind: "hls", name: "index.m3u8" });
    expect(routeRequest("/hls/00012.ts")).toEqual({ kind: "hls", name: "00012.ts" });
    // A query string (cache busters) is ignored.
    expect(routeRequest("/hls/index.m3u8?_HLS_msn=3")).toEqual({ kind: "hls", name: "index.m3u8" });
    expect(routeRequest("/api/stats?t=1")).toEqual({ kind: "stats" });
    // Percent-encoding of ordinary characters is decoded once.
    expect(routeRequest("/hls/%30%30%30%31%32.ts")).toEqual({ kind: "hls", name: "00012.ts" });
  });

  it("answers 404 for anything else that is well formed", () => {
    for (const t of [
      "/package.json",
      "/web/index.html",
      "/src/http/server.ts",
      "/vendor/hls.js",
      "/vendor/hls.min.js.map",
      "/node_modules/hls.js/dist/hls.min.js",
      "/api/stats.json",
      "/hls",
      "/hls/stats.json",
      "/hls/secret.txt",
      "/hls/index.m3u8.tmp",
      "/hls/.hls-sink-00001.ts-1-1-x.tmp",
      "/hls/.hidden.ts",
      "/hls/a/b.ts",
      "/HLS/index.m3u8",
    ]) {
      expect(routeRequest(t), t).toMatchObject({ kind: "refused", status: 404 });
    }
  });

  it("refuses traversal in every spelling with 400", () => {
    for (const t of [
      "/hls/../secret.ts",
      "/hls/..",
      "/..",
      "/../etc/passwd",
      "/hls/./index.m3u8",
      "/hls/%2e%2e/secret.ts",
      "/hls/%2E%2E/secret.ts",
      "/hls/.%2e/secret.ts",
      "/hls/%2e./secret.ts",
      "/hls/..%2fsecret.ts",
      "/hls/..%2Fsecret.ts",
      "/hls/%2e%2e%2fsecret.ts",
      "/hls/..%5csecret.ts",
      "/hls/..\\secret.ts",
      "/hls/%252e%252e%252fsecret.ts", // double encoding: still has % after one decode
      "/hls/%252e%252e/secret.ts",
      "/hls/%25252e.ts",
      "/hls//etc/passwd",
      "//etc/passwd",
      "/hls/%2Fetc%2Fpasswd",
      "/hls/%2fetc%2fpasswd.ts",
      "/hls/index.m3u8%00",
      "/hls/secret.ts%00.m3u8",
      "/hls/%00",
      "/hls/%c0%ae%c0%ae/secret.ts", // overlong UTF-8 dot: malformed
      "/hls/%e0%80%ae.ts",
      "/hls/%",
      "/hls/%zz.ts",
      "/hls/a%0a.ts",
      "/hls/a%20b.ts",
      "/hls/",
      "/api/",
      "http://127.0.0.1/hls/../secret.ts",
      "http://127.0.0.1/",
      "*",
      "hls/index.m3u8",
      "/hls/index.m3u8#x",
      "/hls/\u0000index.m3u8",
      "/hls/\u00e9.ts",
      "/hls/a b.ts",
      `/${"a".repeat(MAX_TARGET_LENGTH)}`,
    ]) {
      expect(routeRequest(t), JSON.stringify(t)).toMatchObject({ kind: "refused", status: 400 });
    }
  });

  it("property: whatever the target, an HLS route is one safe name that stays inside the directory", () => {
    const dir = resolve("/srv/hls");
    const pieces = fc.constantFrom("..", ".", "%2e", "%2E", "%2f", "%2F", "%5c", "%25", "%00", "/", "\\", "index.m3u8", "00001.ts", "hls", "a", ".ts", "%c0%ae", "%252e", "?", "#", "\u0000");
    const target = fc.oneof(
      fc.array(pieces, { maxLength: 8 }).map((p) => `/hls/${p.join("")}`),
      fc.array(pieces, { maxLength: 8 }).map((p) => `/${p.join("/")}`),
      fc.string({ maxLength: 64 }).map((s) => `/hls/${s}`),
      fc.string({ maxLength: 64, unit: "binary" }),
    );
    fc.assert(
      fc.property(target, (t) => {
        const r = routeRequest(t);
        if (r.kind !== "hls") return;
        expect(r.name).not.toMatch(/[/\\%\0]|\.\./);
        expect(r.name).toMatch(/\.(m3u8|ts)$/);
        expect(r.name.startsWith(".")).toBe(false);
        const full = join(dir, r.name);
        expect(full.startsWith(dir + sep)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("property: never throws, always a route or a 400/404 refusal", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000, unit: "binary" }), (t) => {
        const r = routeRequest(t);
        if (r.kind === "refused") expect([400, 404]).toContain(r.status);
        else expect(["asset", "hls", "stats", "events"]).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
  });
});
