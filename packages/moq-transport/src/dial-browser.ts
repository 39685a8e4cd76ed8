/**
 * The browser dialer: the platform's own `WebSocket` (no `ws`, no Node built-ins), qmux 0.3 and
 * moq-lite SETUP, then the node's identity proved in-band (identity-proof.ts) before anything else
 * is read: a page cannot set request headers or read the 101 response headers that dial.ts checks.
 *
 * Same frame limits (guardTransport), same handshake deadline and the same typed errors as dial.ts,
 * with two differences a browser imposes: a refused upgrade (e.g. HTTP 503, `limit` in Node) looks
 * like any other failed connection (`unreachable`), and the WebSocket message size cannot be capped
 * (qmux records and the guard still bound what moq-lite buffers).
 */
import { Connection, Path } from "@moq/lite";
import Session from "@moq/qmux";
import type { EndpointAddr } from "./endpoint.js";
import { TransportError } from "./errors.js";
import { DIAL_CONFIG, type Dialed, type DialOptions, dialedSession, oneLine, withTimeout } from "./dialer.js";
import { guardTransport } from "./guard.js";
import { CHALLENGE_BYTES } from "./identity.js";
import { IDENTITY_BROADCAST, IDENTITY_PROOF_BYTES, identityProofProblem, identityTrackName } from "./identity-proof.js";
import { DIAL_SUBPROTOCOLS, WS_PATH } from "./wire.js";

type SessionSource = ConstructorParameters<typeof Session>[0];

function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * `wss:` for a node that listens with TLS (an `ecmoqs://` address), and from an https page
 * (browsers refuse `ws:` there as mixed content; a TLS proxy may front a plain node); else `ws:`.
 * The browser checks the certificate against its own store (`tlsCa` is for Node dialers only).
 */
function wsScheme(addr: EndpointAddr): "ws" | "wss" {
  if (addr.tls) return "wss";
  const loc = (globalThis as { location?: { protocol?: string } }).location;
  return loc?.protocol === "https:" ? "wss" : "ws";
}

/**
 * Dials a node from a browser (or any runtime with a WHATWG `WebSocket` global): WebSocket +
 * qmux + moq-lite SETUP, then, unless `addr.insecure`, the in-band identity check: a fresh
 * 32-byte challenge on track `identity?c=<hex>` of broadcast `ec-node`, answered by the node's
 * signature, checked against `addr.publicKey` before the session is handed out.
 * @throws TransportError `auth-failed` (wrong key, bad signature, or no proof: e.g. an older node),
 *   `unreachable`, `timeout` (no complete handshake and proof within `timeoutMs`), `closed` (aborted).
 */
export async function dialBrowser(addr: EndpointAddr, opts: DialOptions): Promise<Dialed> {
  if (opts.signal?.aborted) throw new TransportError("closed", "aborted");
  const WS = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => WebSocket }).WebSocket;
  if (typeof WS !== "function") throw new TransportError("unreachable", "no WebSocket in this environment");
  const where = `${addr.host}:${addr.port}`;
  const base = `${hostForUrl(addr.host)}:${addr.port}${WS_PATH}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let ws: WebSocket;
  try {
    ws = new WS(`${wsScheme(addr)}://${base}`, DIAL_SUBPROTOCOLS);
  } catch (err) {
    // SecurityError (a blocked port, ws: from an https page) or SyntaxError, thrown synchronously.
    throw new TransportError("unreachable", `cannot open a WebSocket to ${where}: ${oneLine(err)}`);
  }
  ws.binaryType = "arraybuffer";
  // qmux adopts the connecting socket: its handlers are in place before the first message.
  let session: Session;
  try {
    session = new Session(ws as unknown as SessionSource, { config: DIAL_CONFIG });
  } catch (err) {
    ws.close();
    throw new TransportError("unreachable", `cannot start a qmux session with ${where}: ${oneLine(err)}`);
  }
  // Until the proof is read, the only group a node may send is the 96-byte answer.
  let proving = !addr.insecure;
  const frameLimit =
    proving || opts.frameLimit
      ? (seq: number) => (proving ? IDENTITY_PROOF_BYTES : opts.frameLimit ? opts.frameLimit(seq) : opts.maxFrameBytes)
      : undefined;
  const transport = guardTransport(session as unknown as WebTransport, {
    maxFrameBytes: opts.maxFrameBytes,
    frameLimit,
    ...(opts.framePool ? { framePool: opts.framePool } : {}),
    maxControlBytes: 64 * 1024,
    onViolation: opts.onViolation,
  });
  const work = (async () => {
    try {
      await session.ready;
    } catch (err) {
      throw new TransportError("unreachable", `cannot reach ${where}: ${oneLine(err)}`);
    }
    const conn = await Connection.connect(new URL(`http://${base}`), { transport });
    if (proving) {
      try {
        await proveIdentity(conn, addr.publicKey!, where);
      } finally {
        proving = false;
      }
    }
    return conn;
  })();
  work.catch(() => {}); // settled below; after a timeout nobody awaits it any more
  try {
    const conn = await withTimeout(work, timeoutMs, opts.signal, `moq setup and identity proof with ${where}`);
    return dialedSession(conn, session);
  } catch (err) {
    session.close();
    // qmux closes its socket only after flushing a close frame; a socket still connecting has none.
    ws.close();
    if (err instanceof TransportError) throw err;
    throw new TransportError("unreachable", `moq setup with ${where} failed: ${oneLine(err)}`);
  }
}

/** Asks the node to sign a fresh challenge and checks the answer. @throws TransportError `auth-failed`. */
async function proveIdentity(conn: Connection.Established, expected: Uint8Array, where: string): Promise<void> {
  const challenge = globalThis.crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES));
  const fail = (problem: string) => new TransportError("auth-failed", `peer ${where} failed the identity check: ${problem}`);
  const track = conn.consume(Path.from(IDENTITY_BROADCAST)).subscribe(identityTrackName(challenge), 0);
  try {
    let group;
    try {
      group = await track.recvGroup();
    } catch (err) {
      throw fail(`no in-band identity proof (${oneLine(err)}; a node older than the ec-node identity track?)`);
    }
    if (!group) throw fail("it ended the identity track without an answer");
    let frame: Uint8Array | undefined;
    try {
      frame = await group.readFrame();
    } catch (err) {
      throw fail(`unreadable identity answer (${oneLine(err)})`);
    } finally {
      group.close();
    }
    if (!frame) throw fail("empty identity answer");
    const problem = identityProofProblem(frame, expected, challenge);
    if (problem) throw fail(problem);
  } finally {
    track.close();
  }
}


