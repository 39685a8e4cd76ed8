/**
 * The one seam between the transport logic and the socket: a {@link Dialer} opens a moq-lite session
 * to a node and checks its identity. Each entry point binds its own: the Node entry the `ws` dialer
 * (dial.ts, identity in the 101 response headers), the browser entry the native-WebSocket dialer
 * (dial-browser.ts, identity proved in-band). `subscribeTrack` and `ObjectSources` take it from there.
 */
import type { EndpointAddr } from "./endpoint.js";
import type { Dialed, DialOptions } from "./dial.js";

export type { Dialed, DialOptions };

/**
 * Opens a moq-lite session to `addr`, checking the node's identity unless `addr.insecure`.
 * @throws TransportError `auth-failed`, `unreachable`, `timeout`, `limit`, `closed`.
 */
export type Dialer = (addr: EndpointAddr, opts: DialOptions) => Promise<Dialed>;

/** qmux receive windows for a subscriber: generous enough for 2 MiB objects, still bounded. */
export const DIAL_CONFIG = {
  maxStreamsBidi: 16n,
  maxStreamsUni: 32n,
  maxData: 16n * 1024n * 1024n,
  maxStreamDataUni: 4n * 1024n * 1024n,
  maxStreamDataBidiLocal: 64n * 1024n,
  maxStreamDataBidiRemote: 64n * 1024n,
};
