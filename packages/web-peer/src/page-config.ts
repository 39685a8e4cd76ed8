/**
 * What the watch page needs to know, and where it comes from: a `config.json` served beside the
 * page (what `ec-node … --serve-web` writes), overridden field by field by the page URL's query.
 *
 * | field | config.json | query |
 * | --- | --- | --- |
 * | stream id | `streamId` (string) | `streamId=` |
 * | manifest peer (EndpointAddr) | `manifestPeer` (string) | `manifestPeer=` |
 * | object peers, tried in order | `objectPeers` (string[]) | `objectPeer=` (repeat) |
 * | pinned signer keys (64 hex) | `trustedKeys` (string[]) | `trustedKey=` (repeat) |
 * | stream secret | `streamSecret` (string, optional) | `streamSecret=` |
 * | plain `ws://` to a non-loopback node | `allowInsecure` (boolean, optional) | `allowInsecure=1` |
 *
 * A query field given at all replaces the config's (repeated fields as a whole list).
 */
import { publicKeyFromHex } from "@ec/manifest";
import { WebPeerError } from "./errors.js";

/** The file the page loads from beside itself, if present. */
export const CONFIG_FILE = "config.json";

export interface PageConfig {
  streamId: string;
  manifestPeer: string;
  objectPeers: string[];
  /** Pinned leader keys, lowercase hex. Empty: nothing is trusted, nothing plays (the page says why). */
  trustedKeys: string[];
  streamSecret?: string;
  allowInsecure: boolean;
}

/**
 * Merges `file` (parsed config.json, or undefined when there is none) and `query` (the page URL's
 * search params) and checks every field. Throws {@link WebPeerError} `bad-config` naming the field.
 */
export function parsePageConfig(file: unknown, query: URLSearchParams): PageConfig {
  if (file !== undefined && (typeof file !== "object" || file === null || Array.isArray(file))) {
    throw new WebPeerError("bad-config", `${CONFIG_FILE} must hold a JSON object`);
  }
  const f = (file ?? {}) as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    if (query.has(name)) return query.get(name)!;
    const v = f[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new WebPeerError("bad-config", `${name} must be a string`);
    return v;
  };
  const list = (fileName: string, queryName: string): string[] => {
    if (query.has(queryName)) return query.getAll(queryName).flatMap((x) => x.split(",")).map((x) => x.trim()).filter(Boolean);
    const v = f[fileName];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new WebPeerError("bad-config", `${fileName} must be a list of strings`);
    return v as string[];
  };
  const streamId = str("streamId");
  if (!streamId) throw new WebPeerError("bad-config", "no stream id: set streamId in config.json or ?streamId=");
  const manifestPeer = str("manifestPeer");
  if (!manifestPeer) throw new WebPeerError("bad-config", "no manifest peer: set manifestPeer (an EndpointAddr) in config.json or ?manifestPeer=");
  const objectPeers = list("objectPeers", "objectPeer");
  if (objectPeers.length === 0) throw new WebPeerError("bad-config", "no object peer: set objectPeers in config.json or ?objectPeer= (repeatable)");
  const trustedKeys = list("trustedKeys", "trustedKey").map((k) => {
    try {
      publicKeyFromHex(k);
    } catch {
      throw new WebPeerError("bad-config", `trusted key ${JSON.stringify(k)} is not a 64-hex-digit Ed25519 public key`);
    }
    return k.toLowerCase();
  });
  const secret = str("streamSecret");
  let allowInsecure: boolean;
  if (query.has("allowInsecure")) allowInsecure = ["1", "true", "yes", ""].includes(query.get("allowInsecure")!.toLowerCase());
  else if (f.allowInsecure === undefined) allowInsecure = false;
  else if (typeof f.allowInsecure === "boolean") allowInsecure = f.allowInsecure;
  else throw new WebPeerError("bad-config", "allowInsecure must be true or false");
  const cfg: PageConfig = { streamId, manifestPeer, objectPeers, trustedKeys, allowInsecure };
  if (secret) cfg.streamSecret = secret;
  return cfg;
}
