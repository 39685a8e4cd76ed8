/**
 * The browser dialer (dial-browser.ts) and the node's in-band identity proof, run in Node: `ws`'s
 * WebSocket stands in for the browser's global (the same WHATWG surface qmux adopts). A real MoqNode
 * on loopback serves the proof; a hand-built "old node" (plain qmux + moq-lite, no `ec-node`
 * broadcast) and a silent TCP listener play the peers that cannot or will not prove anything.
 * The same code runs in real Chromium in browser-page.e2e.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { Broadcast, Connection, Group, Path } from "@moq/lite";
import Session, { selectSubprotocol } from "@moq/qmux";
import WebSocket, { WebSocketServer } from "ws";
import { dialBrowser } from "../src/dial-browser.js";
import { subscribeTrack } from "../src/bind-browser.js";
import { generateNodeIdentity, MoqNode, parseEndpointAddr, TransportError, formatEndpointAddr } from "../src/index.js";
import { identityMessage, signChallenge } from "../src/identity.js";
import { encodeIdentityProof, identityProofProblem, identityTrackName, IDENTITY_BROADCAST, parseIdentityTrackName } from "../src/identity-proof.js";
import { ResetCode } from "../src/errors.js";
import { SUBPROTOCOL_OPTIONS } from "../src/wire.js";

const g = globalThis as { WebSocket?: unknown };
const saved = g.WebSocket;
beforeAll(() => {
  g.WebSocket = WebSocket;
});
afterAll(() => {
  g.WebSocket = saved;
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(): Promise<MoqNode> {
  const n = await MoqNode.listen();
  cleanups.push(() => n.close());
  return n;
}

async function collect(it: AsyncIterable<{ seq: number; bytes: Uint8Array }>, n: number): Promise<Array<{ seq: number; bytes: Uint8Array }>> {
  const out: Array<{ seq: number; bytes: Uint8Array }> = [];
  for await (const item of it) {
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    return (err as TransportError).code;
  }
  return "resolved";
}

describe("in-band identity proof (pure)", () => {
  it("names: round trip, and anything else is not a request", () => {
    const c = new Uint8Array(32).map((_, i) => i);
    expect(parseIdentityTrackName(identityTrackName(c))).toEqual(c);
    for (const bad of ["identity", "identity?c=", `identity?c=${"A".repeat(64)}`, `identity?c=${"0".repeat(63)}`, `identity?c=${"0".repeat(66)}`, `identity?x=${"0".repeat(64)}`, `manifests?c=${"0".repeat(64)}`]) {
      expect(parseIdentityTrackName(bad)).toBeUndefined();
    }
  });

  it("a proof verifies only for the pinned key and the challenge sent", () => {
    const id = generateNodeIdentity();
    const other = generateNodeIdentity();
    const c = new Uint8Array(32).fill(7);
    const proof = encodeIdentityProof(id.publicKey, signChallenge(id, c));
    expect(identityProofProblem(proof, id.publicKey, c)).toBeUndefined();
    expect(identityProofProblem(proof, other.publicKey, c)).toMatch(/different public key/);
    expect(identityProofProblem(proof, id.publicKey, new Uint8Array(32).fill(8))).toMatch(/bad signature/);
    expect(identityProofProblem(proof.subarray(0, 95), id.publicKey, c)).toMatch(/malformed/);
    const flipped = proof.slice();
    flipped[40]! ^= 1;
    expect(identityProofProblem(flipped, id.publicKey, c)).toMatch(/bad signature/);
    // The same signed message as the header scheme: one definition of what a node vouches for.
    expect(identityMessage(c, id.publicKey).length).toBe(40 + 64);
  });
});

describe("dialBrowser against a real MoqNode (ws as the WebSocket global)", () => {
  it("checks identity in-band and receives the groups via subscribeTrack", async () => {
    const n = await node();
    const server = n.serve("bstream", { manifests: true, chunks: true });
    for (let s = 0; s < 5; s++) server.publish("manifests", s, new TextEncoder().encode(`m${s}`));
    const items = await collect(subscribeTrack({ remote: n.endpoint, streamId: "bstream", track: "manifests", fromSeq: 0 }), 5);
    expect(items.map((i) => i.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(new TextDecoder().decode(items[4]!.bytes)).toBe("m4");
  });

  it("wrong key: auth-failed, never retried", async () => {
    const n = await node();
    n.serve("bstream", { manifests: true, chunks: false });
    const wrong = formatEndpointAddr({ ...n.addr, publicKey: generateNodeIdentity().publicKey });
    const events: string[] = [];
    const err = await collect(subscribeTrack({ remote: wrong, streamId: "bstream", track: "manifests", onEvent: (e) => events.push(e.type) }), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("auth-failed");
    expect((err as TransportError).message).toMatch(/different public key/);
    expect(events).toEqual(["auth-failed"]);
  });

  it("a bare host:port needs allowInsecure; with it, no proof is asked", async () => {
    const n = await node();
    const server = n.serve("bstream", { manifests: true, chunks: false });
    server.publish("manifests", 0, new Uint8Array([1]));
    const bare = `127.0.0.1:${n.addr.port}`;
    expect(() => subscribeTrack({ remote: bare, streamId: "bstream", track: "manifests" })).toThrow(expect.objectContaining({ code: "bad-endpoint" }));
    const items = await collect(subscribeTrack({ remote: bare, allowInsecure: true, streamId: "bstream", track: "manifests", fromSeq: 0 }), 1);
    expect(items[0]!.seq).toBe(0);
    expect(n.stats.refused).toEqual({});
  });

  it("the node answers at most a few proofs per session and refuses other names on ec-node", async () => {
    const n = await node();
    const d = await dialBrowser(n.addr, { maxFrameBytes: 1024, timeoutMs: 10_000 });
    cleanups.push(() => d.close());
    const b = d.conn.consume(Path.from(IDENTITY_BROADCAST));
    const bad = b.subscribe("identity?c=zz", 0);
    const badErr = await bad.recvGroup().then(() => undefined, (e: unknown) => e);
    expect((badErr as { streamErrorCode?: number })?.streamErrorCode).toBe(ResetCode.notServed);
    // dialBrowser used one proof; three more are answered, the next is refused with the limit code.
    for (let i = 0; i < 3; i++) {
      const t = b.subscribe(identityTrackName(new Uint8Array(32).fill(i)), 0);
      const grp = await t.recvGroup();
      const frame = await grp!.readFrame();
      expect(identityProofProblem(frame!, n.addr.publicKey!, new Uint8Array(32).fill(i))).toBeUndefined();
      t.close();
    }
    const over = b.subscribe(identityTrackName(new Uint8Array(32)), 0);
    const overErr = await over.recvGroup().then(() => undefined, (e: unknown) => e);
    expect((overErr as { streamErrorCode?: number })?.streamErrorCode).toBe(ResetCode.limit);
    expect(n.stats.refused).toMatchObject({ "identity-bad-request": 1, "identity-limit": 1 });
  });

  it("an old node (moq-lite, no ec-node broadcast): auth-failed at once", async () => {
    const old = await oldNode(false);
    const addr = parseEndpointAddr(`ecmoq://${"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"}@127.0.0.1:${old.port}`);
    const e = await dialBrowser(addr, { maxFrameBytes: 1024, timeoutMs: 20_000 }).catch((x: unknown) => x);
    expect((e as TransportError).code).toBe("auth-failed");
    expect((e as TransportError).message).toMatch(/no in-band identity proof/);
  });

  it("a hostile node that takes the identity request and never answers: timeout, not a hang", async () => {
    const old = await oldNode(true);
    const addr = parseEndpointAddr(`ecmoq://${"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"}@127.0.0.1:${old.port}`);
    expect(await code(dialBrowser(addr, { maxFrameBytes: 1024, timeoutMs: 1500 }))).toBe("timeout");
  });

  it("a hostile node answering with a big frame: refused unread by the guard, auth-failed", async () => {
    const old = await oldNode(true, new Uint8Array(64 * 1024));
    const addr = parseEndpointAddr(`ecmoq://${"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"}@127.0.0.1:${old.port}`);
    const e = await dialBrowser(addr, { maxFrameBytes: 1 << 20, timeoutMs: 20_000 }).catch((x: unknown) => x);
    expect((e as TransportError).code).toBe("auth-failed");
  });

  it("a TCP listener that never upgrades: timeout; a closed port: unreachable; abort: closed", async () => {
    const conns = new Set<import("node:net").Socket>();
    const silent: Server = createServer((sock) => {
      sock.resume(); // read, so the dialer's FIN is seen
      conns.add(sock);
      sock.on("close", () => conns.delete(sock));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(() => {
      for (const c of conns) c.destroy();
      return new Promise((r) => silent.close(r));
    });
    const port = (silent.address() as { port: number }).port;
    const key = generateNodeIdentity().publicKey;
    expect(await code(dialBrowser({ host: "127.0.0.1", port, publicKey: key, insecure: false }, { maxFrameBytes: 1024, timeoutMs: 800 }))).toBe("timeout");
    const closedPort = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    expect(await code(dialBrowser({ host: "127.0.0.1", port: closedPort, publicKey: key, insecure: false }, { maxFrameBytes: 1024, timeoutMs: 10_000 }))).toBe("unreachable");
    const ac = new AbortController();
    const p = dialBrowser({ host: "127.0.0.1", port, publicKey: key, insecure: false }, { maxFrameBytes: 1024, timeoutMs: 10_000, signal: ac.signal });
    ac.abort();
    expect(await code(p)).toBe("closed");
    // The dialer closes what it opened: the silent listener sees every connection go away.
    await expect.poll(() => conns.size, { timeout: 10_000 }).toBe(0);
  });
});

/**
 * A node built from plain qmux + moq-lite, as an older every.channel node or a foreign one would be:
 * no `ec-node` broadcast (`answer` false), or one that accepts the identity request and then sends
 * nothing (`answer` true, no frame) or `frame` instead of a proof.
 */
async function oldNode(answer: boolean, frame?: Uint8Array): Promise<{ port: number }> {
  const http = createHttpServer();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => selectSubprotocol([...offered], SUBPROTOCOL_OPTIONS) ?? false });
  const sessions: Session[] = [];
  http.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = Session.accept(ws as unknown as Parameters<typeof Session.accept>[0]);
      sessions.push(session);
      void (async () => {
        await session.ready;
        const conn = await Connection.accept(session as unknown as WebTransport, new URL("http://node/moq"));
        if (!answer) return;
        const b = new Broadcast();
        conn.publish(Path.from(IDENTITY_BROADCAST), b);
        for (;;) {
          const req2 = await b.requested();
          if (!req2) return;
          if (frame) {
            const grp = new Group(0);
            grp.writeFrame(frame);
            grp.close();
            req2.track.writeGroup(grp);
          }
        }
      })().catch(() => {});
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanups.push(async () => {
    for (const s of sessions) s.close();
    wss.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });
  return { port: (http.address() as { port: number }).port };
}
