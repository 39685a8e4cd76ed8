/**
 * The watch server: the HLS directory, a page that plays it, and the subscriber's counters as
 * JSON and Server-Sent Events. `node:http` only. Read-only: GET and HEAD, nothing else.
 *
 * Routes (see route.ts): `/` page, `/app.js`, `/style.css`, `/favicon.svg`, `/vendor/hls.min.js`,
 * `/hls/<file>.m3u8|.ts`, `/api/stats` (JSON), `/api/events` (text/event-stream).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { silentLogger } from "@ec/moq-transport";
import type { Logger } from "@ec/moq-transport";
import type { SubscriberStats } from "../stats.js";
import { loadWebAssets } from "./assets.js";
import { WatchServerError } from "./errors.js";
import { bindServer, serverCloser } from "./bind.js";
import { EventClients } from "./events.js";
import { BASE_HEADERS } from "./headers.js";
import { sendHlsFile, send } from "./hls-file.js";
import { formatHttpUrl, parseWatchListen } from "./listen.js";
import { sendMemoryFile } from "./memory-file.js";
import { readRelayHops } from "./relay-hops.js";
import { admitRequest, refuseTarget } from "./request-gate.js";
import { routeRequest } from "./route.js";
import { buildSnapshot } from "./snapshot.js";
import type { WatchSnapshot } from "./snapshot.js";
import { ThroughputHistory } from "./throughput.js";

/** Options of {@link startWatchServer}. */
export interface WatchServerOptions {
  /**
   * `host:port`, `[v6]:port`, `:port` or `port`; port 0 picks a free one. Default `127.0.0.1:0`.
   * A bare port binds loopback: reaching the network takes a named host.
   */
  listen?: string;
  /** The subscriber's HLS directory (it may not exist yet). Only `.m3u8`/`.ts` files in it are served. */
  hlsDir: string;
  /** The live counters, read on every request and tick; `undefined` until the subscriber has started. */
  stats: () => SubscriberStats | undefined;
  log?: Logger;
  /** How often the throughput history is sampled and event streams get an update (default 1000 ms). */
  sampleMs?: number;
  /** How much throughput history is kept (default 5 minutes). */
  historyMs?: number;
  /** Concurrent event streams (default 32); more get 503. */
  maxEventClients?: number;
  /** `--stats-json` files of relays in front of this subscriber, shown on the page as relay hops. */
  relayStatsFiles?: string[];
}

/** A running watch server. */
export interface WatchServer {
  /** `http://host:port/` with the real port: the page. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends event streams, stops listening, and drops open connections. */
  close(): Promise<void>;
}

/**
 * The page runs only its own scripts. hls.js needs `blob:` for its transmuxing worker and for the
 * MediaSource URL it gives the video element.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Starts the watch server and resolves once it listens.
 * @throws WatchServerError `bad-listen` (bad address), `bad-option`, `missing-asset` (broken install),
 *   `listen-failed` (port in use, address not local, permission).
 */
export async function startWatchServer(opts: WatchServerOptions): Promise<WatchServer> {
  const log = opts.log ?? silentLogger;
  const where = parseWatchListen(opts.listen ?? "127.0.0.1:0");
  const sampleMs = opts.sampleMs ?? 1000;
  const historyMs = opts.historyMs ?? 5 * 60_000;
  const maxEventClients = opts.maxEventClients ?? 32;
  if (!Number.isFinite(sampleMs) || sampleMs < 10 || sampleMs > 60_000) throw new WatchServerError("bad-option", "sampleMs must be 10..60000");
  if (!Number.isFinite(historyMs) || historyMs < sampleMs || historyMs > 24 * 3_600_000) throw new WatchServerError("bad-option", "historyMs must be sampleMs..24h");
  if (!Number.isSafeInteger(maxEventClients) || maxEventClients < 1) throw new WatchServerError("bad-option", "maxEventClients must be >= 1");
  if (typeof opts.hlsDir !== "string" || opts.hlsDir.length === 0) throw new WatchServerError("bad-option", "hlsDir is required");
  const assets = loadWebAssets();
  const history = new ThroughputHistory(Math.ceil(historyMs / sampleMs));
  const events = new EventClients(maxEventClients);
  const relayFiles = opts.relayStatsFiles ?? [];
  const snapshot = (since: number | undefined): WatchSnapshot =>
    buildSnapshot(opts.stats(), Date.now(), sampleMs, history.since(since), relayFiles.length ? readRelayHops(relayFiles) : undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!admitRequest(req, res, where.loopback, log, "watch")) return;
    const target = req.url ?? "";
    const route = routeRequest(target);
    if (route.kind === "refused") return refuseTarget(res, target, route, log, "watch");
    const head = req.method === "HEAD";
    switch (route.kind) {
      case "asset": {
        const headers = route.asset === "index.html" ? { ...BASE_HEADERS, "content-security-policy": PAGE_CSP } : BASE_HEADERS;
        return sendMemoryFile(req, res, assets.get(route.asset)!, headers);
      }
      case "hls": {
        const r = await sendHlsFile(opts.hlsDir, route.name, head, res, BASE_HEADERS);
        if (r === "not-regular") log.warn("watch: refused a non-regular file (symlink?) in the HLS directory", { name: route.name });
        return;
      }
      case "stats": {
        const body = Buffer.from(JSON.stringify(snapshot(undefined)));
        res.writeHead(200, {
          ...BASE_HEADERS,
          "content-type": "application/json; charset=utf-8",
          "content-length": String(body.length),
          "cache-control": "no-cache",
        });
        res.end(head ? undefined : body);
        return;
      }
      case "events": {
        if (head) {
          res.writeHead(200, { ...BASE_HEADERS, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
          res.end();
          return;
        }
        if (!events.open(res, BASE_HEADERS, snapshot)) send(res, 503, BASE_HEADERS, "too many event streams\n", { "retry-after": "5" });
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error("watch: request failed", { error: (err as Error).message });
      if (!res.headersSent) send(res, 500, BASE_HEADERS, "internal error\n");
      else res.destroy();
    });
  });
  const addr = await bindServer(server, where, "http");
  server.on("error", (err) => log.error("watch: server error", { error: err.message }));
  const url = formatHttpUrl(where.host, addr.port);
  if (!where.loopback) {
    log.warn("watch: serving beyond this machine; anyone who can reach this address can watch and read the counters", { url });
  }

  history.sample(opts.stats(), Date.now());
  const timer = setInterval(() => {
    history.sample(opts.stats(), Date.now());
    events.broadcast(snapshot);
  }, sampleMs);
  timer.unref();

  const close = serverCloser(server, () => {
    clearInterval(timer);
    events.closeAll();
  });
  return { url, host: where.host, port: addr.port, close };
}
