/**
 * The checks both HTTP servers (the watch server and the site server) make before routing a
 * request, and how they answer what they refuse: a `Host` that is not a loopback name on a
 * loopback server (403, the DNS-rebinding guard), a method other than GET/HEAD (405), a hostile or
 * unknown target (400/404, see target.ts). One place, so the two servers cannot drift apart.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@ec/moq-transport";
import { clip } from "./clip.js";
import { BASE_HEADERS } from "./headers.js";
import { send } from "./hls-file.js";
import { hostAllowed } from "./host-check.js";
import type { RouteRefusal } from "./target.js";

/** Which server logs (`watch: refused …`, `web: refused …`). */
export type ServerLabel = "watch" | "web";

/**
 * Whether the request may be routed; when not, it has been answered (403 or 405) and logged.
 * `loopback`: the server is bound to a loopback address.
 */
export function admitRequest(req: IncomingMessage, res: ServerResponse, loopback: boolean, log: Logger, label: ServerLabel): boolean {
  if (!hostAllowed(req.headers.host, loopback)) {
    log.warn(`${label}: refused a request for another host name (DNS rebinding?)`, { host: clip(req.headers.host ?? "") });
    send(res, 403, BASE_HEADERS, "forbidden: this server answers only to its loopback address\n");
    return false;
  }
  const method = req.method ?? "";
  if (method !== "GET" && method !== "HEAD") {
    send(res, 405, BASE_HEADERS, "method not allowed\n", { allow: "GET, HEAD" });
    return false;
  }
  return true;
}

/** Answers a refused target (400 logged as a warning, 404 at debug: scanners are common). */
export function refuseTarget(res: ServerResponse, target: string, refusal: RouteRefusal, log: Logger, label: ServerLabel): void {
  (refusal.status === 400 ? log.warn : log.debug)(`${label}: refused`, { target: clip(target), status: refusal.status, why: refusal.why });
  send(res, refusal.status, BASE_HEADERS, refusal.status === 400 ? "bad request\n" : "not found\n");
}
