/**
 * `@ec/subscriber/http`: watch a subscriber at work. {@link startWatchServer} serves its HLS
 * directory, a page that plays it with hls.js and shows the live counters, and those counters as
 * JSON (`/api/stats`) and Server-Sent Events (`/api/events`). Loopback unless told otherwise.
 *
 * ```ts
 * let live: SubscriberStats | undefined;
 * const watch = await startWatchServer({ listen: "127.0.0.1:8080", hlsDir: "./hls", stats: () => live });
 * console.log(watch.url);
 * await runSubscriber({ ...opts, hlsDir: "./hls", onStats: (s) => (live = s) });
 * await watch.close();
 * ```
 *
 * {@link startSiteServer} serves a static page directory (read at start) plus generated files such
 * as a `config.json`, over HTTP or HTTPS: `ec-node moq-publish`/`relay --serve-web` use it for the
 * browser verifying peer.
 */
export { startWatchServer, type WatchServer, type WatchServerOptions } from "./server.js";
export { SITE_CSP, startSiteServer, type SiteServer, type SiteServerOptions } from "./site-server.js";
export { readSiteDir, SITE_LIMITS } from "./site-files.js";
export { WatchServerError, type WatchServerErrorCode } from "./errors.js";
export { parseWatchListen, DEFAULT_WATCH_HOST, type WatchListen } from "./listen.js";
export type { WatchSnapshot } from "./snapshot.js";
export type { RelayHop } from "./relay-hops.js";
export type { ThroughputSample } from "./throughput.js";
