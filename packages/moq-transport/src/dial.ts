import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Connection } from "@moq/lite";
import Session from "@moq/qmux";
import WebSocket from "ws";
import { TransportError } from "./errors.js";
import type { EndpointAddr } from "./endpoint.js";
import { DIAL_CONFIG, dialedSession, oneLine, withTimeout } from "./dialer.js";
import type { FramePool } from "./frame-pool.js";
import { guardTransport } from "./guard.js";
import { fromHex, toHex } from "./hex.js";
import { receiveNodeBuffers } from "./ws-buffers.js";
import { CHALLENGE_BYTES, bytesEqual, verifyChallenge } from "./identity.js";
import { CHALLENGE_PARAM, DIAL_SUBPROTOCOLS, KEY_HEADER, MAX_WS_MESSAGE, SIG_HEADER, WS_PATH } from "./wire.js";

/** An established moq-lite session to a peer whose identity was checked. */
export interface Dialed {
  readonly conn: Connection.Established;
  close(): void;
  readonly closed: Promise<void>;
}

export interface DialOptions {
  signal?: AbortSignal;
  maxFrameBytes: number;
  /** A tighter frame limit per group seq (see {@link GuardOptions.frameLimit}). */
  frameLimit?: (seq: number) => number;
  /** Memory frame bodies are joined into (see {@link GuardOptions.framePool}); default fresh per frame. */
  framePool?: FramePool;
  /** Handshake timeout (WebSocket + qmux + moq SETUP), default 10 s. */
  timeoutMs?: number;
  onViolation?: (kind: string) => void;
  /**
   * Certificate authorities (PEM) trusted for a TLS peer (`ecmoqs://`), instead of Node's default
   * store (its bundled CAs plus `NODE_EXTRA_CA_CERTS`). Unused for a peer without TLS.
   */
  tlsCa?: string | string[];
}

export { DIAL_CONFIG } from "./dialer.js";

function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Dials a node: WebSocket upgrade with a fresh challenge, identity check on the 101 response
 * (before a single moq byte is read), then qmux and moq-lite SETUP.
 * @throws TransportError `auth-failed` (identity mismatch), `unreachable`, `timeout` (no complete
 *   handshake within `timeoutMs`: e.g. TCP accepted but no WebSocket upgrade), `limit` (503), `closed` (aborted).
 */
export async function dial(addr: EndpointAddr, opts: DialOptions): Promise<Dialed> {
  if (opts.signal?.aborted) throw new TransportError("closed", "aborted");
  const challenge = randomBytes(CHALLENGE_BYTES);
  const base = `${hostForUrl(addr.host)}:${addr.port}${WS_PATH}`;
  const url = `${addr.tls ? "wss" : "ws"}://${base}?${CHALLENGE_PARAM}=${toHex(challenge)}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const ws = new WebSocket(url, DIAL_SUBPROTOCOLS, {
    maxPayload: MAX_WS_MESSAGE,
    // Our own timer below names the failure `timeout`; ws's is only a backstop.
    handshakeTimeout: timeoutMs + 1000,
    perMessageDeflate: false,
    ...(addr.tls && opts.tlsCa !== undefined ? { ca: opts.tlsCa } : {}),
  });
  let session: Session | undefined;
  const cleanup: Array<() => void> = [];
  try {
    session = await new Promise<Session>((resolve, reject) => {
      let settled = false;
      const fail = (e: TransportError) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        reject(e);
      };
      const onAbort = () => fail(new TransportError("closed", "aborted"));
      const timer = setTimeout(() => fail(new TransportError("timeout", `no WebSocket upgrade from ${addr.host}:${addr.port} within ${timeoutMs} ms`)), timeoutMs);
      cleanup.push(() => clearTimeout(timer));
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      cleanup.push(() => opts.signal?.removeEventListener("abort", onAbort));
      ws.once("upgrade", (res: IncomingMessage) => {
        if (!addr.insecure) {
          const problem = checkIdentity(res, addr.publicKey!, challenge);
          if (problem) return fail(new TransportError("auth-failed", `peer ${addr.host}:${addr.port} failed the identity check: ${problem}`));
        }
        // Adopt the socket now, before 'open': qmux must own its handlers before any message arrives.
        settled = true;
        const s = new Session(ws as unknown as ConstructorParameters<typeof Session>[0], { config: DIAL_CONFIG });
        receiveNodeBuffers(ws);
        resolve(s);
      });
      ws.once("unexpected-response", (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        fail(new TransportError(status === 503 ? "limit" : "unreachable", `peer ${addr.host}:${addr.port} refused the upgrade (HTTP ${status})`));
      });
      ws.once("error", (err: Error) => {
        fail(new TransportError("unreachable", `cannot reach ${addr.host}:${addr.port}: ${describeSocketError(err, addr.tls === true)}`));
      });
    });
    ws.on("error", () => {}); // later socket errors surface through the qmux session
    const transport = guardTransport(session as unknown as WebTransport, {
      maxFrameBytes: opts.maxFrameBytes,
      frameLimit: opts.frameLimit,
      ...(opts.framePool ? { framePool: opts.framePool } : {}),
      maxControlBytes: 64 * 1024,
      onViolation: opts.onViolation,
    });
    const conn = await withTimeout(
      (async () => {
        await session!.ready;
        return Connection.connect(new URL(`http://${base}`), { transport });
      })(),
      timeoutMs,
      opts.signal,
      `moq setup with ${addr.host}:${addr.port}`,
    );
    return dialedSession(conn, session);
  } catch (err) {
    session?.close();
    ws.terminate();
    if (err instanceof TransportError) throw err;
    throw new TransportError("unreachable", `moq setup with ${addr.host}:${addr.port} failed: ${oneLine(err)}`);
  } finally {
    for (const f of cleanup) f();
  }
}

function checkIdentity(res: IncomingMessage, expected: Uint8Array, challenge: Uint8Array): string | undefined {
  const keyText = res.headers[KEY_HEADER];
  const sigText = res.headers[SIG_HEADER];
  if (typeof keyText !== "string" || typeof sigText !== "string") return "no identity proof in the upgrade response";
  const key = fromHex(keyText, 32);
  const sig = fromHex(sigText, 64);
  if (!key || !sig) return "malformed identity headers";
  if (!bytesEqual(key, expected)) return "it presents a different public key than the endpoint address";
  if (!verifyChallenge(key, challenge, sig)) return "bad signature over our challenge";
  return undefined;
}


/**
 * One line for a connection error; TLS failures say so, with a hint for the two usual mistakes: an
 * untrusted certificate, and an address whose scheme does not match the node (ecmoq:// vs ecmoqs://).
 */
function describeSocketError(err: Error, tls: boolean): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  const text = oneLine(err.message);
  if (tls && (/CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ERR_TLS|ERR_SSL/.test(code) || /certificate|ssl|tls/i.test(text))) {
    const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ERR_TLS_CERT/.test(code);
    return `TLS: ${text}${untrusted ? " (certificate not trusted for this host: add its CA with NODE_EXTRA_CA_CERTS)" : " (does the node listen with TLS? ecmoqs:// needs --tls-cert on the node)"}`;
  }
  if (!tls && /socket hang up|ECONNRESET|parse error|Expected HTTP/i.test(text)) return `${text} (if the node listens with TLS, its address starts with ecmoqs://)`;
  return text;
}

