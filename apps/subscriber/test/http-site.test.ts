/**
 * The site server against a real directory of files: what it serves, and everything it refuses.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SITE_CSP, startSiteServer, WatchServerError } from "../src/http/index.js";
import type { SiteServer, SiteServerOptions } from "../src/http/index.js";
import { makeTestCert } from "../../../packages/moq-transport/test/tls-cert.js";
import { raw } from "./http-raw.js";

const SECRET = "TOP-SECRET-MARKER-9a7e";
let root: string;
let site: string;
const servers: SiteServer[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ec-site-srv-"));
  site = join(root, "page");
  mkdirSync(join(site, "assets"), { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>peer</title><script type=module src=./app.js></script>");
  writeFileSync(join(site, "app.js"), "fetch('./config.json');");
  writeFileSync(join(site, "assets", "style.css"), "body{}");
  writeFileSync(join(site, "assets", "mod.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(site, "config.json"), '{"stale":true}');
  // Things that must never be served.
  writeFileSync(join(root, "secret.txt"), SECRET);
  writeFileSync(join(site, ".env"), SECRET);
  mkdirSync(join(site, ".git"));
  writeFileSync(join(site, ".git", "config"), SECRET);
  symlinkSync(join(root, "secret.txt"), join(site, "evil.txt"));
  symlinkSync(root, join(site, "up"));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function serve(opts: Partial<SiteServerOptions> = {}): Promise<SiteServer> {
  const s = await startSiteServer({ listen: "127.0.0.1:0", dir: site, generated: { "config.json": '{"streamId":"demo"}' }, ...opts });
  servers.push(s);
  return s;
}

describe("site server", () => {
  it("serves the page, its files with their content types, and the generated config.json over the file on disk", async () => {
    const s = await serve();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
    const index = await raw(s.port, "/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["content-security-policy"]).toBe(SITE_CSP);
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    expect(index.body.toString()).toContain("<title>peer</title>");
    expect((await raw(s.port, "/index.html")).body).toEqual(index.body);
    const expected: Array<[string, string]> = [
      ["/app.js", "text/javascript; charset=utf-8"],
      ["/assets/style.css", "text/css; charset=utf-8"],
      ["/assets/mod.wasm", "application/wasm"],
      ["/config.json", "application/json; charset=utf-8"],
    ];
    for (const [path, type] of expected) {
      const r = await raw(s.port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers["content-type"], path).toBe(type);
      expect(r.headers["content-security-policy"], path).toBeUndefined();
    }
    expect(JSON.parse((await raw(s.port, "/config.json?x=1")).body.toString())).toEqual({ streamId: "demo" });
  });

  it("answers HEAD with headers only and a matching If-None-Match with 304", async () => {
    const s = await serve();
    const full = await raw(s.port, "/app.js");
    const head = await raw(s.port, "/app.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(full.body.length));
    expect(head.body.length).toBe(0);
    const etag = full.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await raw(s.port, "/app.js", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await raw(s.port, "/app.js", { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  });

  it("refuses other methods, traversal, directories, dotfiles and symlinks, and never leaks a byte outside", async () => {
    const s = await serve();
    for (const m of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const r = await raw(s.port, "/", { method: m });
      expect(r.status, m).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
    }
    const refused: Array<[string, number]> = [
      ["/../secret.txt", 400],
      ["/assets/../../secret.txt", 400],
      ["/%2e%2e/secret.txt", 400],
      ["/assets%2f..%2f..%2fsecret.txt", 400],
      ["/%252e%252e/secret.txt", 400],
      ["/assets/", 400],
      ["//etc/passwd", 400],
      ["/a\\b", 400],
      ["http://127.0.0.1/index.html", 400],
      ["/assets", 404],
      ["/.env", 404],
      ["/.git/config", 404],
      ["/evil.txt", 404],
      ["/up/secret.txt", 404],
      ["/secret.txt", 404],
      ["/nope.js", 404],
    ];
    for (const [target, status] of refused) {
      const r = await raw(s.port, target);
      expect(r.status, target).toBe(status);
      expect(r.body.toString(), target).not.toContain(SECRET);
    }
  });

  it("bound to loopback, answers only loopback Host names (DNS rebinding)", async () => {
    const s = await serve();
    expect((await raw(s.port, "/", { host: "evil.example:80" })).status).toBe(403);
    expect((await raw(s.port, "/", { host: `localhost:${s.port}` })).status).toBe(200);
  });

  it("serves HTTPS with a certificate", async () => {
    const cert = makeTestCert();
    const s = await serve({ tls: { cert: cert.cert, key: cert.key } });
    expect(s.url).toBe(`https://127.0.0.1:${s.port}/`);
    const body = await new Promise<string>((resolve, reject) => {
      get(`${s.url}config.json`, { ca: cert.cert }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve(text));
      }).on("error", reject);
    });
    expect(JSON.parse(body)).toEqual({ streamId: "demo" });
  });

  it("fails at start, one line, for a directory without index.html, a missing directory, a bad certificate or a taken port", async () => {
    const empty = mkdtempSync(join(tmpdir(), "ec-site-empty-"));
    const bad = async (opts: Partial<SiteServerOptions>) => {
      const err = await startSiteServer({ listen: "127.0.0.1:0", dir: site, ...opts }).then(
        (srv) => (servers.push(srv), undefined),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WatchServerError);
      expect((err as Error).message).not.toContain("\n");
      return err as WatchServerError;
    };
    expect((await bad({ dir: empty })).code).toBe("missing-asset");
    expect((await bad({ dir: join(root, "nope") })).code).toBe("missing-asset");
    expect((await bad({ tls: { cert: "junk", key: "junk" } })).code).toBe("bad-option");
    expect((await bad({ listen: "nope" })).code).toBe("bad-listen");
    const taken = await serve();
    expect((await bad({ listen: `127.0.0.1:${taken.port}` })).code).toBe("listen-failed");
    rmSync(empty, { recursive: true, force: true });
  });
});
