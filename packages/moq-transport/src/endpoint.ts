import { TransportError } from "./errors.js";
import { fromHex, toHex } from "./hex.js";
import { isValidPublicKey } from "./identity.js";
import { ipVersion } from "./ip.js";

/**
 * Where a node listens and who it is. Text form (see {@link formatEndpointAddr}):
 *
 *     ecmoq://<64 lowercase hex: Ed25519 public key>@<host>:<port>
 *     ecmoq://3b6a27bc...e1f0@127.0.0.1:4443
 *     ecmoq://3b6a27bc...e1f0@[::1]:4443
 *
 * An insecure address is a bare `host:port`: it carries no key, so the dialer cannot tell the
 * node from an impostor. It is accepted only when the caller opts in (`allowInsecure`).
 */
export interface EndpointAddr {
  /** Hostname, IPv4 address, or IPv6 address (without brackets). */
  host: string;
  /** TCP port, 1..65535. */
  port: number;
  /** The node's Ed25519 public key; absent only when `insecure`. */
  publicKey?: Uint8Array;
  /** True when the address carries no identity and the dialer skips authentication. */
  insecure: boolean;
}

/** The URI scheme of a secure EndpointAddr. */
export const ENDPOINT_SCHEME = "ecmoq";
const MAX_LEN = 400;

function bad(text: string, problem: string): TransportError {
  // The text is an address, not a secret; clip it so a hostile argument cannot flood a log line.
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return new TransportError("bad-endpoint", `bad endpoint ${JSON.stringify(shown)}: ${problem}`);
}

/**
 * Parses an EndpointAddr. Strict: no whitespace, lowercase 64-hex key that is a valid Ed25519
 * point, IPv6 in brackets, decimal port 1..65535 without leading zeros.
 * @throws TransportError `bad-endpoint` with a one-line message naming the problem.
 */
export function parseEndpointAddr(text: string, opts: { allowInsecure?: boolean } = {}): EndpointAddr {
  if (typeof text !== "string") throw new TransportError("bad-endpoint", "bad endpoint: not a string");
  if (text.length === 0) throw bad(text, "empty");
  if (text.length > MAX_LEN) throw bad(text, `longer than ${MAX_LEN} characters`);
  if (/\s/.test(text)) throw bad(text, "contains whitespace");
  const prefix = `${ENDPOINT_SCHEME}://`;
  if (text.startsWith(prefix)) {
    const rest = text.slice(prefix.length);
    const at = rest.indexOf("@");
    if (at < 0) throw bad(text, `missing "<public key>@" after ${prefix}`);
    const keyText = rest.slice(0, at);
    const publicKey = fromHex(keyText, 32);
    if (!publicKey) throw bad(text, "public key must be exactly 64 lowercase hex characters");
    if (!isValidPublicKey(publicKey)) throw bad(text, "public key is not a valid Ed25519 point");
    const { host, port } = parseHostPort(text, rest.slice(at + 1), false);
    return { host, port, publicKey, insecure: false };
  }
  if (text.includes("://")) throw bad(text, `unknown scheme (expected ${prefix})`);
  if (text.includes("@")) throw bad(text, `a key needs the ${prefix} scheme`);
  const { host, port } = parseHostPort(text, text, false);
  if (!opts.allowInsecure) {
    throw bad(text, `no identity key; use ${prefix}<public key>@${text}, or opt out of identity checks explicitly`);
  }
  return { host, port, insecure: true };
}

/**
 * Parses a listen address `host:port` (port 0 = pick a free port). Default host: 127.0.0.1.
 * @throws TransportError `bad-endpoint`.
 */
export function parseListenAddr(text: string): { host: string; port: number } {
  if (typeof text !== "string" || text.length === 0) throw new TransportError("bad-endpoint", "bad listen address: empty");
  if (text.length > MAX_LEN) throw bad(text, `longer than ${MAX_LEN} characters`);
  if (/\s/.test(text)) throw bad(text, "contains whitespace");
  return parseHostPort(text, text, true);
}

/**
 * Parses an advertised address `host:port` (port 1..65535, not a wildcard host): what a node
 * listening on `0.0.0.0` writes into its EndpointAddr so that peers can dial it.
 * @throws TransportError `bad-endpoint`.
 */
export function parseAdvertiseAddr(text: string): { host: string; port: number } {
  if (typeof text !== "string" || text.length === 0) throw new TransportError("bad-endpoint", "bad advertise address: empty");
  if (text.length > MAX_LEN) throw bad(text, `longer than ${MAX_LEN} characters`);
  if (/\s/.test(text)) throw bad(text, "contains whitespace");
  if (text.includes("@") || text.includes("://")) throw bad(text, "advertise a bare host:port; the key is the node's own");
  const hp = parseHostPort(text, text, false);
  if (isWildcardHost(hp.host)) throw bad(text, "a wildcard address cannot be dialed; advertise a reachable host");
  return hp;
}

/** True for the any-interface addresses `0.0.0.0` and `::`, which no peer can dial. */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "0:0:0:0:0:0:0:0";
}

function parseHostPort(whole: string, hp: string, allowZero: boolean): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (hp.startsWith("[")) {
    const close = hp.indexOf("]");
    if (close < 0) throw bad(whole, "unterminated [ in IPv6 host");
    host = hp.slice(1, close);
    if (ipVersion(host) !== 6) throw bad(whole, "not a valid IPv6 address inside [ ]");
    if (hp[close + 1] !== ":") throw bad(whole, "missing :port after ]");
    portText = hp.slice(close + 2);
  } else {
    const colon = hp.lastIndexOf(":");
    if (colon < 0) throw bad(whole, "missing :port");
    host = hp.slice(0, colon);
    portText = hp.slice(colon + 1);
    if (host.includes(":")) throw bad(whole, "IPv6 host must be in brackets, e.g. [::1]:4443");
    if (host.length === 0) throw bad(whole, "empty host");
    if (/^[0-9.]+$/.test(host)) {
      if (ipVersion(host) !== 4) throw bad(whole, "not a valid IPv4 address");
    } else if (!isDnsName(host)) {
      throw bad(whole, "host is not a valid hostname");
    }
  }
  if (!/^(0|[1-9][0-9]{0,4})$/.test(portText)) throw bad(whole, "port must be a decimal number without leading zeros");
  const port = Number(portText);
  if (port > 65535 || (port === 0 && !allowZero)) throw bad(whole, "port out of range 1..65535");
  return { host, port };
}

function isDnsName(host: string): boolean {
  if (host.length > 253) return false;
  return host.split(".").every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
}

/** Formats an EndpointAddr in its canonical text form; `parseEndpointAddr` inverts it. */
export function formatEndpointAddr(addr: EndpointAddr): string {
  const host = ipVersion(addr.host) === 6 ? `[${addr.host}]` : addr.host;
  if (addr.insecure || !addr.publicKey) {
    if (!addr.insecure) throw new TransportError("bad-endpoint", "bad endpoint: secure address without a public key");
    return `${host}:${addr.port}`;
  }
  if (addr.publicKey.length !== 32) throw new TransportError("bad-endpoint", "bad endpoint: public key must be 32 bytes");
  return `${ENDPOINT_SCHEME}://${toHex(addr.publicKey)}@${host}:${addr.port}`;
}
