/**
 * Serves a built static page directory (e.g. @ec/web-peer's dist/page) on loopback, plus a
 * generated config.json, the way `ec-node … --serve-web` will: the browser tests need a page
 * origin, and no server-side subscriber is in the path (this server only hands out files).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

export interface StaticPage {
  url: string;
  /** Replaces the config.json served (undefined: 404, as with no config). */
  setConfig(config: unknown): void;
  close(): Promise<void>;
}

export async function serveStaticPage(dir: string, config?: unknown): Promise<StaticPage> {
  let cfg = config;
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (req.method !== "GET") return void res.writeHead(405).end();
    if (path === "/config.json") {
      if (cfg === undefined) return void res.writeHead(404).end();
      return void res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" }).end(JSON.stringify(cfg));
    }
    const rel = normalize(path === "/" ? "/index.html" : path);
    if (rel.includes("..")) return void res.writeHead(400).end();
    try {
      const body = await readFile(join(dir, rel));
      res.writeHead(200, { "content-type": TYPES[extname(rel)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    setConfig: (c) => (cfg = c),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
