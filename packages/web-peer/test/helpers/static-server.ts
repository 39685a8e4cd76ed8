/**
 * A minimal static file server for the browser tests (until `ec-node --serve-web` serves the page):
 * files from one or more directories, plus in-memory routes, on loopback, GET only.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".ts": "video/mp2t",
  ".bin": "application/octet-stream",
};

export interface StaticServer {
  url: string;
  /** Paths requested so far (for "the page loaded X" assertions). */
  requests: string[];
  routes: Map<string, { type: string; body: Uint8Array | string }>;
  close(): Promise<void>;
}

export async function serveStatic(dirs: string[], routes = new Map<string, { type: string; body: Uint8Array | string }>()): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    if (req.method !== "GET") return void res.writeHead(405).end();
    const route = routes.get(path);
    if (route) return void res.writeHead(200, { "content-type": route.type, "cache-control": "no-store" }).end(route.body);
    const rel = normalize(path === "/" ? "/index.html" : path).replace(/^(\.\.[/\\])+/, "");
    for (const dir of dirs) {
      try {
        const body = await readFile(join(dir, rel));
        return void res.writeHead(200, { "content-type": TYPES[extname(rel)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
      } catch {
        /* try the next directory */
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    routes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
