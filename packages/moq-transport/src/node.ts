import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createSecureContext } from "node:tls";
import type { Duplex } from "node:stream";
import { Broadcast, Connection, Group, Path, type Track } from "@moq/lite";
import Session, { selectSubprotocol, StreamError } from "@moq/qmux";
import { WebSocketServer, type WebSocket } from "ws";
import { type EndpointAddr, formatEndpointAddr, isWildcardHost, parseAdvertiseAddr, parseListenAddr } from "./endpoint.js";
import { ResetCode, TransportError } from "./errors.js";
import { guardTransport } from "./guard.js";
import { fromHex, toHex } from "./hex.js";
import { generateNodeIdentity, type NodeIdentity, signChallenge } from "./identity.js";
import { IdentityBroadcast } from "./identity-broadcast.js";
import { IDENTITY_BROADCAST } from "./identity-proof.js";
import { type Logger, silentLogger } from "./log.js";
import { NodeState, type PeerSession, type Subscription } from "./node-state.js";
import { assertSeq, broadcastPath, parseWireTrackName, type TrackName } from "./names.js";
import { type StoredGroup, type WindowLimits, WindowStore } from "./store.js";
import { CHALLENGE_PARAM, KEY_HEADER, MAX_WS_MESSAGE, SIG_HEADER, SUBPROTOCOL_OPTIONS, WS_PATH } from "./wire.js";
import { receiveNodeBuffers } from "./ws-buffers.js";
import { MAX_FRAME_BYTES } from "@ec/stream-rules";

/** Resource limits of a node; every one bounds memory a peer can make the node hold. */
export interface NodeLimits {
  /** Concurrent peer sessions (default 256). Further upgrades get HTTP 503. */
  maxSessions?: number;
  /** Concurrent subscriptions per session (default 16). Further ones are reset with code 0x4e02. */
  maxSubscriptionsPerSession?: number;
  /** Largest frame published, or accepted from a peer (default MAX_FRAME_BYTES of @ec/stream-rules: one largest object). */
  maxFrameBytes?: number;
  /**
   * Concurrent announce-interest streams per session (default 8). Further ones are reset with
   * code 0x4e02 before moq-lite sees them.
   */
  maxAnnouncesPerSession?: number;
}

/** Counters of a node. `refused` counts refusals by reason. */
export interface NodeStats {
  sessions: number;
  subscriptions: number;
  framesServed: number;
  bytesServed: number;
  refused: Record<string, number>;
}

/** Options of {@link MoqNode.listen}. */
export interface ListenOptions {
  /** `host:port` to listen on; default `127.0.0.1:0` (a free port, reported in `endpoint`). */
  listen?: string;
  /** The node's identity; generated when absent. */
  identity?: NodeIdentity;
  /**
   * `host:port` written into the node's EndpointAddr instead of the listen address: what dialers
   * should use when the node listens on `0.0.0.0`/`[::]` or behind a port forward.
   */
  advertise?: string;
  limits?: NodeLimits;
  log?: Logger;
  /**
   * Listen with TLS: an https server carries the same WebSocket upgrade (`wss://<host>:<port>/moq`)
   * and the same identity headers, and the EndpointAddr says so (`ecmoqs://`). Browsers need this
   * to connect from an https page. The Ed25519 identity check still runs on top of TLS.
   */
  tls?: NodeTlsOptions;
}

/** A node's TLS certificate chain and private key, PEM. */
export interface NodeTlsOptions {
  /** Certificate chain, PEM (leaf first). */
  cert: string | Buffer;
  /** Private key of the leaf certificate, PEM. */
  key: string | Buffer;
}

/** Options of {@link MoqNode.serve}. */
export interface ServeOptions {
  manifests: boolean;
  chunks: boolean;
  /** Window kept per track for late joiners and resumes. */
  window?: WindowLimits;
}

/** Publishes one stream's groups to every subscriber of a node. */
export interface StreamServer {
  readonly streamId: string;
  /**
   * Stores group `seq` of `track` (one frame: `bytes`, not copied; do not mutate it afterwards) and
   * sends it to live subscribers. Duplicates and groups older than the window are ignored (returns false).
   * @throws TransportError `not-served` when this server does not serve `track`, `frame-too-large`, `closed`.
   */
  publish(track: TrackName, seq: number, bytes: Uint8Array): boolean;
  /** Stops serving: subscribers see the broadcast end; the window is dropped. */
  close(): void;
}

const DEFAULTS = {
  maxSessions: 256,
  maxSubscriptionsPerSession: 16,
  maxFrameBytes: MAX_FRAME_BYTES,
  maxAnnouncesPerSession: 8,
};
const SETUP_TIMEOUT_MS = 10_000;
const MAX_CONTROL_BYTES = 64 * 1024;
/** Groups after which a node ends a subscription (see ServedStream#onRequest). */
export const ROTATE_GROUPS = 64;
/** moq-lite bidirectional stream type of an announce interest. */
const ANNOUNCE_STREAM = 1;

/**
 * A moq-lite node: a WebSocket listener carrying qmux sessions, each speaking moq-lite. It serves
 * streams (broadcast `ec/<streamId>`, tracks `manifests` and `chunks`) from bounded windows, proves its
 * identity to dialers (in the 101 response headers, and in-band on broadcast `ec-node` for dialers
 * that cannot read headers), and enforces per-peer limits.
 */
export class MoqNode {
  /** The node's EndpointAddr in text form, with the real port. */
  readonly endpoint: string;
  /** The node's EndpointAddr. */
  readonly addr: EndpointAddr;
  readonly #identity: NodeIdentity;
  /** Limits, log, counters, sessions and streams, shared with every served stream. */
  readonly #state: NodeState;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #pending = new Set<Duplex>();
  readonly #challenges = new WeakMap<IncomingMessage, Uint8Array>();
  #nextSession = 1;
  #closed = false;

  private constructor(http: Server, addr: EndpointAddr, identity: NodeIdentity, limits: Required<NodeLimits>, log: Logger) {
    this.#http = http;
    this.addr = addr;
    this.endpoint = formatEndpointAddr(addr);
    this.#identity = identity;
    this.#state = new NodeState(limits, log);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_WS_MESSAGE,
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: (offered) => selectSubprotocol([...offered], SUBPROTOCOL_OPTIONS) ?? false,
    });
    // Sign the dialer's challenge into the 101 response: the dialer checks it before reading moq data.
    this.#wss.on("headers", (headers, req) => {
      const challenge = this.#challenges.get(req);
      if (!challenge) return;
      headers.push(`${KEY_HEADER}: ${toHex(identity.publicKey)}`);
      headers.push(`${SIG_HEADER}: ${toHex(signChallenge(identity, challenge))}`);
    });
    http.on("request", (_req, res) => {
      res.writeHead(426, { "content-type": "text/plain", connection: "close" }).end("moq-lite over WebSocket: upgrade required\n");
    });
    http.on("upgrade", (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  /**
   * Starts a node listening on `opts.listen` (default `127.0.0.1:0`).
   * @throws TransportError `bad-endpoint` for a bad listen address, `unreachable` when the port is taken.
   */
  static async listen(opts: ListenOptions = {}): Promise<MoqNode> {
    const { host, port } = parseListenAddr(opts.listen ?? "127.0.0.1:0");
    const advertised = opts.advertise === undefined ? undefined : parseAdvertiseAddr(opts.advertise);
    const identity = opts.identity ?? generateNodeIdentity();
    const limits = { ...DEFAULTS, ...definedOnly(opts.limits ?? {}) };
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || v < 1) throw new TransportError("bad-argument", `limit ${k} must be a positive integer`);
    }
    const http = opts.tls ? createTlsServer(opts.tls) : createServer();
    await new Promise<void>((resolve, reject) => {
      http.once("error", (err: NodeJS.ErrnoException) =>
        reject(new TransportError("unreachable", `cannot listen on ${host}:${port}: ${err.code ?? err.message}`)),
      );
      http.listen(port, host, () => resolve());
    });
    const bound = http.address();
    const realPort = typeof bound === "object" && bound ? bound.port : port;
    const addr: EndpointAddr = { ...(advertised ?? { host, port: realPort }), publicKey: identity.publicKey, insecure: false, ...(opts.tls ? { tls: true } : {}) };
    const node = new MoqNode(http, addr, identity, limits, opts.log ?? silentLogger);
    node.#state.log.info("moq node listening", { endpoint: node.endpoint, ...(advertised ? { listen: `${host}:${realPort}` } : {}) });
    if (!advertised && isWildcardHost(host)) {
      node.#state.log.warn("listening on every interface: the EndpointAddr names a wildcard host no peer can dial; set advertise", { endpoint: node.endpoint });
    }
    return node;
  }

  /** A snapshot of the node's counters. */
  get stats(): NodeStats {
    return this.#state.stats();
  }

  /** The node's limits, defaults filled in. */
  get limits(): Readonly<Required<NodeLimits>> {
    return this.#state.limits;
  }

  /**
   * Starts serving `streamId`. A track not enabled here is refused to subscribers (reset code 0x4e01)
   * and `publish` to it throws.
   * @throws TransportError `bad-stream-id`, `closed`, `bad-argument` (already served).
   */
  serve(streamId: string, opts: ServeOptions): StreamServer {
    if (this.#closed) throw new TransportError("closed", "node is closed");
    const path = broadcastPath(streamId);
    const state = this.#state;
    if (state.streams.has(streamId)) throw new TransportError("bad-argument", `stream ${streamId} is already served`);
    const served = new ServedStream(state, streamId, path, opts);
    state.streams.set(streamId, served);
    for (const s of state.sessions) served.attach(s);
    return served;
  }

  /**
   * Closes every peer session (the listener stays up). Peers that reconnect see the node's current
   * state: after a served stream restarted (e.g. a relay following its leader into a new epoch),
   * their subscriptions notice that its seqs started over instead of waiting for old ones.
   */
  disconnectAll(reason: string): void {
    for (const s of [...this.#state.sessions]) this.#state.dropSession(s, reason);
  }

  /** Closes every session and the listener. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#state.streams.values()]) s.close();
    for (const s of [...this.#state.sessions]) this.#state.dropSession(s, "node closing");
    for (const sock of this.#pending) sock.destroy();
    this.#wss.close();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    this.#state.log.info("moq node closed", { endpoint: this.endpoint });
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (status: number, text: string, reason: string) => {
      this.#state.refuse(reason);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (this.#closed) return reject(503, "Service Unavailable", "closing");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://node");
    } catch {
      return reject(400, "Bad Request", "bad-request");
    }
    if (url.pathname !== WS_PATH) return reject(404, "Not Found", "bad-request");
    if (this.#state.sessions.size + this.#pending.size >= this.#state.limits.maxSessions) {
      this.#state.log.warn("session refused: limit", { max: this.#state.limits.maxSessions });
      return reject(503, "Service Unavailable", "sessions");
    }
    const ch = url.searchParams.get(CHALLENGE_PARAM);
    if (ch !== null) {
      const challenge = fromHex(ch, 32);
      if (!challenge) return reject(400, "Bad Request", "bad-request");
      this.#challenges.set(req, challenge);
    }
    const offered = req.headers["sec-websocket-protocol"];
    if (offered !== undefined && !selectSubprotocol(offered, SUBPROTOCOL_OPTIONS)) {
      return reject(400, "Bad Request", "bad-request");
    }
    this.#pending.add(socket);
    socket.once("close", () => this.#pending.delete(socket));
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#pending.delete(socket);
      void this.#onSocket(ws, url);
    });
  }

  async #onSocket(ws: WebSocket, url: URL): Promise<void> {
    ws.on("error", () => {}); // surfaced through the qmux session
    if (this.#closed) return void ws.terminate();
    const state = this.#state;
    const l = state.limits;
    const inflight = new Set<Uint8Array>();
    const transport = Session.accept(ws as unknown as Parameters<typeof Session.accept>[0], {
      config: {
        // Concurrent bidi streams: subscriptions + announce interests + headroom, so that excess
        // requests reach us and are refused with a reset code instead of stalling on stream credit.
        maxStreamsBidi: BigInt(l.maxSubscriptionsPerSession + l.maxAnnouncesPerSession + 8),
        // Peers that only subscribe never open uni streams to us; keep a few for symmetry.
        maxStreamsUni: 4n,
        maxStreamDataBidiRemote: 16n * 1024n,
        maxData: 1024n * 1024n,
      },
    });
    receiveNodeBuffers(ws);
    const id = this.#nextSession++;
    let announces = 0;
    const guarded = guardTransport(transport as unknown as WebTransport, {
      maxFrameBytes: l.maxFrameBytes,
      maxControlBytes: MAX_CONTROL_BYTES,
      inflight,
      admitBidi: (type) => {
        if (type !== ANNOUNCE_STREAM) return () => {};
        if (announces >= l.maxAnnouncesPerSession) {
          state.refuse("announces");
          return undefined;
        }
        announces++;
        return () => announces--;
      },
      onViolation: (kind) => {
        state.refuse(kind);
        state.log.warn("peer violated a limit", { session: id, kind });
      },
    });
    let timer: NodeJS.Timeout | undefined;
    let conn: Connection.Established;
    try {
      conn = await Promise.race([
        (async () => {
          await transport.ready;
          return Connection.accept(guarded, new URL(url.pathname, "http://node"));
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("setup timed out")), SETUP_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      state.refuse("setup");
      state.log.debug("session setup failed", { session: id, error: String((err as Error)?.message ?? err).slice(0, 200) });
      transport.close();
      ws.terminate();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) {
      conn.close();
      transport.close();
      return;
    }
    const s: PeerSession = { id, conn, transport, broadcasts: new Map(), inflight, subs: new Set(), closed: false };
    state.sessions.add(s);
    state.log.debug("session open", { session: id, version: conn.version });
    // The in-band identity proof, for dialers that cannot read the 101 headers (browsers).
    conn.publish(Path.from(IDENTITY_BROADCAST), new IdentityBroadcast(this.#identity, (reason) => state.refuse(reason)));
    for (const served of state.streams.values()) served.attach(s);
    void transport.closed.then(
      () => state.dropSession(s, "peer closed"),
      (err: unknown) => state.dropSession(s, `peer dropped: ${String((err as Error)?.message ?? err).slice(0, 120)}`),
    );
  }
}

/** One served stream: its windows, and the Broadcast it keeps on each session. */
class ServedStream implements StreamServer {
  readonly streamId: string;
  /** The node's shared state: limits, log, counters, sessions, the served-stream registry. */
  readonly #state: NodeState;
  readonly #path: Path.Valid;
  readonly #stores = new Map<TrackName, WindowStore>();
  readonly #sessions = new Set<PeerSession>();
  #closed = false;

  constructor(state: NodeState, streamId: string, path: string, opts: ServeOptions) {
    this.#state = state;
    this.streamId = streamId;
    this.#path = Path.from(path);
    if (opts.manifests) this.#stores.set("manifests", new WindowStore(opts.window));
    if (opts.chunks) this.#stores.set("chunks", new WindowStore(opts.window));
    for (const [name, store] of this.#stores) store.onEvict((g) => this.#onEvict(name, g));
  }

  publish(track: TrackName, seq: number, bytes: Uint8Array): boolean {
    if (this.#closed) throw new TransportError("closed", `stream ${this.streamId} is closed`);
    const store = this.#stores.get(track);
    if (!store) throw new TransportError("not-served", `stream ${this.streamId} does not serve track ${String(track).slice(0, 20)}`);
    assertSeq(seq);
    if (!(bytes instanceof Uint8Array)) throw new TransportError("bad-argument", "bytes must be a Uint8Array");
    const max = this.#state.limits.maxFrameBytes;
    if (bytes.byteLength > max) throw new TransportError("frame-too-large", `frame of ${bytes.byteLength} bytes exceeds maxFrameBytes ${max}`);
    return store.insert(seq, bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#sessions) {
      s.broadcasts.get(this.streamId)?.close();
      s.broadcasts.delete(this.streamId);
    }
    this.#sessions.clear();
    for (const store of this.#stores.values()) store.clear();
    this.#state.streams.delete(this.streamId);
  }

  /**
   * Publishes this stream on one session. moq-lite 0.2.2 closes every Broadcast published on a
   * session when that session closes, so a Broadcast shared by two sessions dies with the first
   * peer that leaves: each session gets its own Broadcast object.
   */
  attach(s: PeerSession): void {
    if (this.#closed || s.closed) return;
    const b = new RefusingBroadcast((name) => this.#refusal(s, name));
    s.broadcasts.set(this.streamId, b);
    this.#sessions.add(s);
    s.conn.publish(this.#path, b);
    void b.closed.then(() => this.#sessions.delete(s));
    void (async () => {
      for (;;) {
        let req;
        try {
          req = await b.requested();
        } catch {
          return;
        }
        if (!req) return;
        this.#onRequest(s, req.track);
      }
    })();
  }

  /**
   * Why a SUBSCRIBE for `name` on session `s` is refused, before moq-lite answers it (see
   * {@link RefusingBroadcast}); undefined to accept it.
   */
  #refusal(s: PeerSession, name: string): StreamError | undefined {
    const state = this.#state;
    const parsed = parseWireTrackName(name);
    if (!parsed || !this.#stores.has(parsed.track)) {
      state.refuse("not-served");
      state.log.debug("subscription refused: track not served", { session: s.id, stream: this.streamId });
      return new StreamError(ResetCode.notServed, "track not served");
    }
    if (s.subs.size >= state.limits.maxSubscriptionsPerSession) {
      state.refuse("subscriptions");
      state.log.warn("subscription refused: per-session limit", { session: s.id });
      return new StreamError(ResetCode.limit, "too many subscriptions");
    }
    return undefined;
  }

  #onRequest(s: PeerSession, track: Track): void {
    const state = this.#state;
    const parsed = parseWireTrackName(track.name);
    const store = parsed ? this.#stores.get(parsed.track) : undefined;
    // Refused in #refusal before the OK; kept as a backstop (the OK has gone out by now).
    if (!parsed || !store) {
      state.refuse("not-served");
      track.close(new StreamError(ResetCode.notServed, "track not served"));
      return;
    }
    // Subscriptions admitted together (one burst, before any reached here) can still pass the
    // limit in #refusal; those are reset here, after their OK.
    if (s.subs.size >= state.limits.maxSubscriptionsPerSession) {
      state.refuse("subscriptions");
      state.log.warn("subscription refused: per-session limit", { session: s.id });
      track.close(new StreamError(ResetCode.limit, "too many subscriptions"));
      return;
    }
    const sub: Subscription = { name: parsed.track, track, written: new Map() };
    s.subs.add(sub);
    state.subscriptionsChanged(1);
    const latest = store.latest();
    const bound = parsed.fromSeq ?? latest?.seq ?? 0;
    let sent = 0;
    let off = () => {};
    const send = (g: StoredGroup) => {
      if (g.seq < bound || sent >= ROTATE_GROUPS) return;
      const group = new Group(g.seq);
      group.writeFrame(g.bytes);
      group.close();
      try {
        track.writeGroup(group);
      } catch {
        return; // the subscriber left; the close handler below cleans up
      }
      sub.written.set(g.seq, { group, bytes: g.bytes });
      state.served(g.bytes.byteLength);
      // moq-lite 0.2.2's publisher races every group against the subscription stream's `closed`
      // promise (Promise.race in #runTrack), which retains each Group until the subscription ends:
      // about 1 KB per group, forever, on a long subscription. Ending every subscription after
      // ROTATE_GROUPS groups bounds that; subscribers resubscribe from their last seq + 1
      // (docs/protocol/transport.md).
      if (++sent >= ROTATE_GROUPS) {
        off();
        endWhenSent();
      }
    };
    // End the subscription only once moq-lite has taken every group and qmux has sent its bytes:
    // the subscriber drops groups that arrive after the subscription's end, so ending at once would
    // throw away the whole last batch.
    const endWhenSent = () => {
      if (track.state.closed.peek() || s.closed) return;
      for (const w of sub.written.values()) {
        if (w.group.state.frames.peek().length > 0 || s.inflight.has(w.bytes)) {
          setTimeout(endWhenSent, 10);
          return;
        }
      }
      // A short grace lets the last group's stream header overtake the subscription's FIN.
      setTimeout(() => track.close(), 20);
    };
    for (const g of store.since(bound)) send(g);
    if (sent < ROTATE_GROUPS) off = store.onInsert(send);
    void track.closed.then(() => {
      off();
      s.subs.delete(sub);
      sub.written.clear();
      state.subscriptionsChanged(-1);
    });
  }

  /**
   * A group left the window. If a session still holds it unsent (moq-lite has not read it from the
   * Group, or qmux has not sent it), that subscriber is slower than the window: keeping it would let one
   * stalled peer pin memory beyond the window, so the session is closed. The subscriber reconnects and
   * resumes from the last group it received.
   */
  #onEvict(name: TrackName, g: StoredGroup): void {
    for (const s of this.#sessions) {
      if (s.closed) continue;
      let lagging = s.inflight.has(g.bytes);
      for (const sub of s.subs) {
        if (sub.name !== name) continue;
        const w = sub.written.get(g.seq);
        if (w === undefined) continue;
        sub.written.delete(g.seq);
        if (w.group.state.frames.peek().length > 0) lagging = true;
      }
      if (lagging) {
        this.#state.refuse("lagging");
        this.#state.log.warn("session dropped: subscriber behind the window", { session: s.id, stream: this.streamId });
        this.#state.dropSession(s, "lagging");
      }
    }
  }
}

/**
 * A Broadcast that refuses a subscription before moq-lite answers it. moq-lite 0.2.2's publisher
 * (`Publisher.runSubscribe`) writes SUBSCRIBE_OK as soon as `broadcast.subscribe()` returns a track,
 * and only then sees the track fail; a plain 0.2.2 subscriber stops reading the stream once it has
 * the OK, so a reset that does not arrive in the same read as the OK is never noticed and the
 * client waits for ever. Throwing from `subscribe()` instead makes moq-lite reset the stream with
 * our code (0x4e01 / 0x4e02) and no OK: every subscriber sees the refusal.
 */
class RefusingBroadcast extends Broadcast {
  readonly #refusal: (name: string) => StreamError | undefined;

  constructor(refusal: (name: string) => StreamError | undefined) {
    super();
    this.#refusal = refusal;
  }

  override subscribe(name: string, priority: number): Track {
    const refused = this.#refusal(name);
    if (refused) throw refused;
    return super.subscribe(name, priority);
  }
}

/**
 * An https server for `tls`. The certificate and key are checked here, before anything listens:
 * a bad PEM or a key that does not match the certificate is `bad-argument`, one line.
 */
function createTlsServer(tls: NodeTlsOptions): Server {
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    throw new TransportError("bad-argument", `TLS certificate/key rejected: ${String((err as Error)?.message ?? err).replace(/\s+/g, " ").slice(0, 160)}`);
  }
  const server = createHttpsServer({ cert: tls.cert, key: tls.key });
  // A client that fails the handshake (a plain ws:// dialer, an untrusting browser) never reaches
  // "upgrade"; it is not an error of the node.
  server.on("tlsClientError", (_err, socket) => socket.destroy());
  // https.Server is a Server for every use here (request/upgrade events, listen, close).
  return server as unknown as Server;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
