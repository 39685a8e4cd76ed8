/**
 * The one place that turns what a user types for a device ("192.168.1.50", "10.0.0.7:8080",
 * "http://hdhr.local:5004/") into the base URL its JSON API lives under.
 */
import { HdhrError } from "../errors.js";

/**
 * Base URL (origin only, no path) for a device given as "ip", "ip:port", "[v6]:port", "name",
 * or an http(s) URL. Port 80 when none is given, as on a real HDHomeRun.
 *
 * @throws HdhrError `bad-host` for anything else.
 */
export function deviceBaseUrl(host: string): URL {
  const text = typeof host === "string" ? host.trim() : "";
  if (text === "") throw new HdhrError("bad-host", "device host is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new HdhrError("bad-host", `not a device address: ${JSON.stringify(text.slice(0, 100))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HdhrError("bad-host", `device URL must be http or https, got ${url.protocol}`);
  }
  if (url.username || url.password) throw new HdhrError("bad-host", "device URL must not carry credentials");
  if (url.hostname === "") throw new HdhrError("bad-host", `no host name in ${JSON.stringify(text.slice(0, 100))}`);
  return new URL(url.origin);
}
