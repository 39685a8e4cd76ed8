/**
 * The one seam between the transport logic and the socket: a {@link Dialer} opens a moq-lite session
 * to a node and checks its identity. Each entry point binds its own: the Node entry the `ws` dialer
 * (dial.ts, identity in the 101 response headers), the browser entry the native-WebSocket dialer
 * (dial-browser.ts, identity proved in-band). `subscribeTrack` and `ObjectSources` take it from there.
 */
import type { Connection } from "@moq/lite";
import type { EndpointAddr } from "./endpoint.js";
import type { Dialed, DialOptions } from "./dial.js";
import { TransportError } from "./errors.js";

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

/** The {@link Dialed} handle over an established moq-lite session and the qmux session under it. */
export function dialedSession(conn: Connection.Established, session: { close(): void; readonly closed: Promise<unknown> }): Dialed {
  return {
    conn,
    close() {
      try {
        conn.close();
      } catch {
        /* already closed */
      }
      session.close();
    },
    closed: session.closed.then(
      () => undefined,
      () => undefined,
    ),
  };
}

/** `p`, or TransportError `timeout` after `ms` (naming `what`), or `closed` when `signal` aborts. */
export async function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransportError("timeout", `${what} timed out after ${ms} ms`)), ms);
        onAbort = () => reject(new TransportError("closed", "aborted"));
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

/** An error (or text) as one bounded line, for a TransportError's message. */
export function oneLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/\s+/g, " ").slice(0, 200);
}
