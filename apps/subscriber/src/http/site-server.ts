/**
 * The site server: a static web page (a directory read at start) plus generated files such as a
 * `config.json`, over HTTP or HTTPS. `ec-node moq-publish`/`relay --serve-web` use it to serve the
 * browser verifying peer and tell it how to reach the node's mesh.
 *
 * Read-only (GET and HEAD), no directory listing (a request names one file exactly, or `/` for
 * `index.html`), traversal refused (target.ts) and impossible by construction (files are looked up
 * in memory, site-files.ts), content types by extension with `nosniff`, ETag/304, and the watch
 * page's DNS-rebinding guard when bound to loopback.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { silentLogger } from "@ec/moq-transport";
import type { Logger } from "@ec/moq-transport";
import { bindServer, serverCloser } from "./bind.js";
import { WatchServerError } from "./errors.js";
import { BASE_HEADERS } from "./headers.js";
import { send } from "./hls-file.js";
import { formatHttpUrl, parseWatchListen } from "./listen.js";
import { sendMemoryFile } from "./memory-file.js";
import { admitRequest, refuseTarget } from "./request-gate.js";
import { readSiteDir, siteFile, type SiteFile } from "./site-files.js";
import { splitTarget } from "./target.js";

/** Options of {@link startSiteServer}. */
export interface SiteServerOptions {
  /** `host:port`, `[v6]:port`, `:port` or `port` (a bare port binds 127.0.0.1); port 0 picks a free one. */
  listen: string;
  /** The page's directory: must hold `index.html`; read once, at start. */
  dir: string;
  /** Files made by the caller, by name (e.g. `config.json`); they take precedence over the directory's. */
  generated?: Record<string, string | Buffer>;
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  log?: Logger;
}

/** A running site server. */
export interface SiteServer {
  /** `http(s)://host:port/` with the real port: the page. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * The page's policy: its own scripts (and WebAssembly), media from `blob:` (MSE), and WebSocket
 * connections to any node (`ws:`/`wss:`: the mesh's nodes listen on other ports and hosts).
 */
export const SITE_CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Starts the site server and resolves once it listens.
 * @throws WatchServerError `bad-listen`, `missing-asset` (no such directory, no index.html),
 *   `bad-option` (site too big, bad certificate), `listen-failed`.
 */
export async function startSiteServer(opts: SiteServerOptions): Promise<SiteServer> {
  const log = opts.log ?? silentLogger;
  const where = parseWatchListen(opts.listen);
  const files = readSiteDir(opts.dir);
  for (const [name, body] of Object.entries(opts.generated ?? {})) files.set(name, siteFile(name, body));
  const scheme = opts.tls ? "https" : "http";

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!admitRequest(req, res, where.loopback, log, "web")) return;
    const target = req.url ?? "";
    const segs = splitTarget(target);
    if (!Array.isArray(segs)) return refuseTarget(res, target, segs, log, "web");
    const name = segs.length === 1 && segs[0] === "" ? "index.html" : segs.join("/");
    const file: SiteFile | undefined = files.get(name);
    if (!file) return send(res, 404, BASE_HEADERS, "not found\n");
    sendMemoryFile(req, res, file, name.endsWith(".html") ? { ...BASE_HEADERS, "content-security-policy": SITE_CSP } : BASE_HEADERS);
  };

  let server: Server;
  try {
    server = opts.tls ? (createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handle) as unknown as Server) : createServer(handle);
  } catch (err) {
    throw new WatchServerError("bad-option", `TLS certificate/key rejected: ${String((err as Error)?.message ?? err).replace(/\s+/g, " ").slice(0, 160)}`);
  }
  // A client that fails the TLS handshake never becomes a request; nothing to answer.
  server.on("tlsClientError", (_err: Error, socket: { destroy(): void }) => socket.destroy());
  const addr = await bindServer(server, where, scheme);
  server.on("error", (err) => log.error("web: server error", { error: err.message }));
  const url = formatHttpUrl(where.host, addr.port, scheme);
  if (!where.loopback) log.info("web: serving the page beyond this machine", { url });

  return { url, host: where.host, port: addr.port, close: serverCloser(server) };
}
