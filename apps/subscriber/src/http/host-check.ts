/**
 * DNS-rebinding guard. A page on some web site can point its own host name at 127.0.0.1 and then
 * read a loopback server as "same origin". It cannot change the `Host` header the browser sends,
 * though, so a server bound to loopback answers only requests addressed to a loopback name.
 */
import { isLoopbackHost } from "./listen.js";

/** The host name in a `Host` header (`[::1]:80` -> `::1`), lowercased; undefined when unparsable. */
export function hostHeaderName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  if (h.startsWith("[")) {
    const close = h.indexOf("]");
    if (close < 0) return undefined;
    const rest = h.slice(close + 1);
    if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined;
    return h.slice(1, close);
  }
  const parts = h.split(":");
  if (parts.length > 2) return undefined;
  if (parts.length === 2 && !/^\d{1,5}$/.test(parts[1]!)) return undefined;
  return parts[0] || undefined;
}

/**
 * Whether a request with this `Host` header may be answered by a server whose bind address is
 * loopback (`boundLoopback`) or not. HTTP/1.0 requests without a `Host` are allowed: a browser
 * always sends one.
 */
export function hostAllowed(header: string | undefined, boundLoopback: boolean): boolean {
  if (!boundLoopback) return true;
  if (header === undefined) return true;
  const name = hostHeaderName(header);
  return name !== undefined && isLoopbackHost(name);
}
