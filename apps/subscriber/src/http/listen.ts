/**
 * Where the watch server binds. The page has no login, so it must never reach the network by
 * accident: a bare port (`8080`, `:8080`) binds loopback, and any other interface has to be named
 * (`0.0.0.0:8080`, `192.168.1.5:8080`).
 */
import { isIP } from "node:net";
import { WatchServerError } from "./errors.js";

/** A parsed listen address. */
export interface WatchListen {
  /** IPv4 address, IPv6 address (no brackets) or hostname. */
  host: string;
  /** 0 = any free port. */
  port: number;
  /** True when `host` can only be reached from this machine. */
  loopback: boolean;
}

/** The interface used when the listen address names only a port (or nothing). */
export const DEFAULT_WATCH_HOST = "127.0.0.1";

const MAX_LEN = 300;

/**
 * Parses `host:port`, `[v6]:port`, `:port` or `port` (port 0 = a free one). Without a host the
 * address is {@link DEFAULT_WATCH_HOST}.
 * @throws WatchServerError `bad-listen`, with a one-line message naming the problem.
 */
export function parseWatchListen(text: string): WatchListen {
  if (typeof text !== "string" || text.length === 0) throw bad(String(text), "empty");
  if (text.length > MAX_LEN) throw bad(text, `longer than ${MAX_LEN} characters`);
  if (/[^\x21-\x7e]/.test(text)) throw bad(text, "contains whitespace or non-ASCII characters");
  if (text.includes("://") || text.includes("/")) throw bad(text, "give host:port, not a URL");
  let host: string;
  let portText: string;
  if (/^\d+$/.test(text)) {
    host = DEFAULT_WATCH_HOST;
    portText = text;
  } else if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw bad(text, "unterminated [ in IPv6 host");
    host = text.slice(1, close);
    if (isIP(host) !== 6) throw bad(text, "not a valid IPv6 address inside [ ]");
    if (text[close + 1] !== ":") throw bad(text, "missing :port after ]");
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw bad(text, "missing :port");
    host = text.slice(0, colon) || DEFAULT_WATCH_HOST;
    portText = text.slice(colon + 1);
    if (host.includes(":")) throw bad(text, "IPv6 host must be in brackets, e.g. [::1]:8080");
    if (/^[0-9.]+$/.test(host)) {
      if (isIP(host) !== 4) throw bad(text, "not a valid IPv4 address");
    } else if (!isDnsName(host)) {
      throw bad(text, "host is not a valid hostname");
    }
  }
  if (!/^(0|[1-9][0-9]{0,4})$/.test(portText)) throw bad(text, "port must be a decimal number 0..65535 without leading zeros");
  const port = Number(portText);
  if (port > 65535) throw bad(text, "port must be 0..65535");
  return { host, port, loopback: isLoopbackHost(host) };
}

/** Whether `host` (a name or an address without brackets) only ever means this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(h);
  return false;
}

/** `http://host:port/` (or `https://`) for a bound address (IPv6 in brackets). */
export function formatHttpUrl(host: string, port: number, scheme: "http" | "https" = "http"): string {
  return `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}:${port}/`;
}

function isDnsName(host: string): boolean {
  if (host.length > 253) return false;
  return host.split(".").every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l));
}

function bad(text: string, problem: string): WatchServerError {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return new WatchServerError("bad-listen", `bad listen address ${JSON.stringify(shown)}: ${problem}`);
}
