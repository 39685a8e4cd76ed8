/**
 * `--serve-web`: a node serves the browser verifying peer page (`@ec/web-peer`, bundled with
 * ec-node in `web-peer/`) and a generated `config.json` telling the page how to reach this node's
 * mesh: its manifest peer, its object peers, and the leader keys to pin. Over HTTPS when the node
 * has `--tls-cert` (an https page can only open wss://, so the node must listen with TLS too).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isWildcardHost, parseAdvertiseAddr } from "@ec/moq-transport";
import type { Logger, NodeTlsOptions } from "@ec/moq-transport";
import { parseWatchListen, readSiteDir, startSiteServer } from "@ec/subscriber/http";
import type { SiteServer } from "@ec/subscriber/http";
import { CommandError, checkEndpointArgs } from "./common.js";
import { defineFlags, UsageError } from "./flags.js";
import type { Flags } from "./flags.js";

export const SERVE_WEB_FLAGS = defineFlags({
  "serve-web": { kind: "string", value: "<[host:]port>", help: "serve the browser verifying page and its config.json here (https with --tls-cert); a bare port binds 127.0.0.1" },
  "web-dir": { kind: "string", value: "<dir>", help: "with --serve-web: serve this page directory instead of the bundled one" },
  "web-object-peer": { kind: "string", value: "<EndpointAddr>", help: "with --serve-web: another object peer the page may fail over to", repeatable: true },
});

/**
 * What the page reads from `./config.json`. EndpointAddr strings throughout; `trustedKeys` are
 * 64-hex Ed25519 public keys of the leaders whose manifests the page accepts.
 */
export interface PeerPageConfig {
  streamId: string;
  manifestPeer: string;
  objectPeers: string[];
  trustedKeys: string[];
  /** Present (true) only when an address is a bare host:port with no identity. */
  allowInsecure?: true;
}

/** The checked `--serve-web` flags: where to listen and which page directory to serve. */
export interface ServeWebPlan {
  listen: string;
  dir: string;
  extraObjectPeers: string[];
}

/** Where the bundled page is: `web-peer/` beside `dist/` in the installed package. */
export function bundledPageDir(): string | undefined {
  const dir = fileURLToPath(new URL("../web-peer/", import.meta.url));
  return existsSync(`${dir}index.html`) ? dir : undefined;
}

/**
 * Checks the `--serve-web` flags before anything starts; undefined without `--serve-web`.
 * @throws UsageError for a bad address, a missing page, or a web flag without --serve-web.
 */
export function serveWebFrom(flags: Flags<typeof SERVE_WEB_FLAGS>): ServeWebPlan | undefined {
  const listen = flags["serve-web"];
  const extra = flags["web-object-peer"];
  if (listen === undefined) {
    if (flags["web-dir"] !== undefined) throw new UsageError("--web-dir goes with --serve-web");
    if (extra.length > 0) throw new UsageError("--web-object-peer goes with --serve-web");
    return undefined;
  }
  try {
    parseWatchListen(listen);
  } catch (err) {
    throw new UsageError(`--serve-web: ${(err as Error).message}`);
  }
  checkEndpointArgs(extra);
  const dir = flags["web-dir"] ?? bundledPageDir();
  if (dir === undefined) throw new UsageError("--serve-web: this ec-node has no bundled browser page (web-peer/index.html); give --web-dir <dir>");
  try {
    readSiteDir(dir);
  } catch (err) {
    throw new UsageError(`--${flags["web-dir"] !== undefined ? "web-dir" : "serve-web"}: ${(err as Error).message}`);
  }
  return { listen, dir, extraObjectPeers: extra };
}

/** A running page server: the URL to print, and how to stop it. */
export interface PeerPage {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the page server. `advertise` (the node's `--advertise host:port`) names the host in the
 * printed URL when the page binds every interface, as it does in the EndpointAddr.
 * @throws CommandError (exit 1) when it cannot listen.
 */
export async function startPeerPage(plan: ServeWebPlan, config: PeerPageConfig, tls: NodeTlsOptions | undefined, log: Logger, advertise?: string): Promise<PeerPage> {
  let site: SiteServer;
  try {
    site = await startSiteServer({ listen: plan.listen, dir: plan.dir, generated: { "config.json": JSON.stringify(config, null, 2) + "\n" }, tls, log });
  } catch (err) {
    throw new CommandError(`--serve-web: ${(err as Error).message}`);
  }
  const url = pageUrl(site, advertise);
  log.info("browser page", { url, manifestPeer: config.manifestPeer, objectPeers: config.objectPeers.join(" ") });
  return { url, close: () => site.close() };
}

/** The page's URL for people: a wildcard bind (0.0.0.0, ::) names no host, so the advertised one stands in. */
function pageUrl(site: SiteServer, advertise: string | undefined): string {
  if (advertise === undefined || !isWildcardHost(site.host)) return site.url;
  const host = parseAdvertiseAddr(advertise).host;
  const u = new URL(site.url);
  u.hostname = host.includes(":") ? `[${host}]` : host;
  return u.toString();
}

/** Object peers for the page: this node (when it serves chunks) first, then the --web-object-peer ones, deduplicated. */
export function pageObjectPeers(self: string | undefined, plan: ServeWebPlan): string[] {
  return [...new Set([...(self ? [self] : []), ...plan.extraObjectPeers])];
}
