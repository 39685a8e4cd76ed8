/**
 * test/vectors/transport-v1.json: the file is what the generator writes, each rule in it is read
 * from docs/protocol/transport.md and checked here against the code and against a real node on
 * loopback (HTTP upgrade by hand, as a third-party client would send it).
 */
import "../src/polyfill.js"; // Node 20: built-ins @moq/qmux and @moq/lite need, as the package entry loads them
import { createServer, request } from "node:http";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { buildVectors, vectorFile } from "../scripts/generate-vectors.js";
import { dial } from "../src/dial.js";
import { formatEndpointAddr, parseEndpointAddr } from "../src/endpoint.js";
import { TransportError } from "../src/errors.js";
import { toHex } from "../src/hex.js";
import { nodeIdentityFromSecretKey, signChallenge } from "../src/identity.js";
import { assertStreamId, parseWireTrackName } from "../src/names.js";
import { MoqNode } from "../src/node.js";
import { subscribeTrack } from "../src/bind-ws.js";
import { Path } from "@moq/lite";
import { parseIdentityTrackName } from "../src/identity-proof.js";

const text = readFileSync(new URL("./vectors/transport-v1.json", import.meta.url), "utf8");
const V = JSON.parse(text) as ReturnType<typeof buildVectors>;
const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const identity = nodeIdentityFromSecretKey(h(V.identity.secretKey));

/** Sends a WebSocket upgrade to `path` by hand; resolves with the status and headers of the answer. */
function upgrade(port: number, path: string, protocols?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": randomBytes(16).toString("base64"),
        ...(protocols === undefined ? {} : { "sec-websocket-protocol": protocols }),
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode!, headers: res.headers });
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode!, headers: res.headers });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("transport-v1 vectors", () => {
  let node: MoqNode;
  let port: number;
  beforeAll(async () => {
    node = await MoqNode.listen({ identity });
    port = node.addr.port;
  });
  afterAll(() => node.close());

  it("the file is exactly what the generator writes", () => {
    expect(text).toBe(vectorFile());
  });

  it("identity: the signed message is the documented bytes, and the signature verifies under the key", () => {
    const label = new TextEncoder().encode("every.channel moq-transport identity v1");
    const msg = new Uint8Array([...label, 0, ...h(V.identity.challenge), ...h(V.identity.publicKey)]);
    expect(Buffer.from(msg).toString("hex")).toBe(V.identity.signedMessage);
    expect(ed25519.verify(h(V.identity.responseHeaders["ec-moq-sig"]), msg, h(V.identity.publicKey))).toBe(true);
    expect(Buffer.from(identity.publicKey).toString("hex")).toBe(V.identity.publicKey);
  });

  it("in-band: a real node answers the vector's identity track with exactly the vector's frame, and refuses the rest", async () => {
    expect(parseIdentityTrackName(V.identityInBand.track)).toEqual(h(V.identity.challenge));
    const d = await dial(parseEndpointAddr(node.endpoint), { maxFrameBytes: 1024 });
    try {
      const b = d.conn.consume(Path.from(V.identityInBand.broadcast));
      const t = b.subscribe(V.identityInBand.track, 0);
      const g = await t.recvGroup();
      expect(g!.sequence).toBe(V.identityInBand.answer.groupSequence);
      expect(Buffer.from((await g!.readFrame())!).toString("hex")).toBe(V.identityInBand.answer.frame);
      t.close();
      for (const bad of V.identityInBand.refused) {
        expect(parseIdentityTrackName(bad.track), bad.what).toBeUndefined();
        const err = await b.subscribe(bad.track, 0).recvGroup().then(() => undefined, (e: unknown) => e);
        expect((err as { streamErrorCode?: number })?.streamErrorCode, bad.what).toBe(0x4e01);
      }
    } finally {
      d.close();
    }
  });

  it("a real node answers the vector's challenge with exactly the vector's lowercase headers", async () => {
    const r = await upgrade(port, `/moq?ec-challenge=${V.identity.challenge}`, "qmux-02.moq-lite-04");
    expect(r.status).toBe(101);
    expect(r.headers["ec-moq-key"]).toBe(V.identity.responseHeaders["ec-moq-key"]);
    expect(r.headers["ec-moq-sig"]).toBe(V.identity.responseHeaders["ec-moq-sig"]);
  });

  it("a real node refuses an uppercase or short ec-challenge with HTTP 400", async () => {
    for (const bad of V.identity.refused.filter((x) => "challenge" in x)) {
      expect((await upgrade(port, `/moq?ec-challenge=${bad.challenge}`)).status, bad.what).toBe(400);
    }
  });

  it("the dialer refuses a node that sends its key or signature in uppercase (auth-failed)", async () => {
    for (const which of ["ec-moq-key", "ec-moq-sig"] as const) {
      const http = createServer();
      const wss = new WebSocketServer({ server: http });
      wss.on("headers", (headers, req) => {
        const challenge = h(new URL(req.url!, "http://x").searchParams.get("ec-challenge")!);
        const key = Buffer.from(identity.publicKey).toString("hex");
        const sig = Buffer.from(signChallenge(identity, challenge)).toString("hex");
        headers.push(`ec-moq-key: ${which === "ec-moq-key" ? key.toUpperCase() : key}`);
        headers.push(`ec-moq-sig: ${which === "ec-moq-sig" ? sig.toUpperCase() : sig}`);
      });
      await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
      const p = (http.address() as { port: number }).port;
      try {
        const err = await dial(parseEndpointAddr(`ecmoq://${V.identity.publicKey}@127.0.0.1:${p}`), { maxFrameBytes: 1024 }).then(
          (d) => (d.close(), undefined),
          (e: unknown) => e,
        );
        expect(err, which).toMatchObject({ code: "auth-failed" });
      } finally {
        wss.close();
        http.closeAllConnections();
        await new Promise((r) => http.close(r));
      }
    }
  });

  it("subprotocols: a real node selects exactly the vector's choice for each offer (400 when none fits, none when none offered)", async () => {
    for (const s of V.subprotocols) {
      const r = await upgrade(port, "/moq", s.offered ?? undefined);
      expect(r.status, String(s.offered)).toBe(s.status);
      if (s.status === 101) expect(r.headers["sec-websocket-protocol"], String(s.offered)).toBe(s.selected ?? undefined);
    }
  });

  it("track names: parsed as the vectors say", () => {
    for (const t of V.trackNames) {
      const p = parseWireTrackName(t.name);
      expect(p === undefined ? { served: false } : { served: true, track: p.track, fromSeq: p.fromSeq ?? null }, t.name).toEqual(
        t.served ? { served: true, track: t.track, fromSeq: t.fromSeq } : { served: false },
      );
    }
  });

  it("manifests?from=N works like chunks?from=N on a real node", async () => {
    const s = node.serve("vec-from", { manifests: true, chunks: false, window: { maxGroups: 100 } });
    for (let i = 0; i < 6; i++) s.publish("manifests", i, new Uint8Array([i]));
    const got: number[] = [];
    const ctl = new AbortController();
    for await (const item of subscribeTrack({ remote: node.endpoint, streamId: "vec-from", track: "manifests", fromSeq: 2, signal: ctl.signal })) {
      got.push(item.seq);
      if (got.length === 4) ctl.abort();
    }
    expect(got).toEqual([2, 3, 4, 5]);
    s.close();
  });

  it("endpoints: exactly the documented forms parse (ecmoq:// ws, ecmoqs:// wss, bare host:port only when insecure), and format back", () => {
    type EndpointVector = { text: string; valid: boolean; insecureOnly?: boolean; host?: string; port?: number; publicKey?: string | null; tls?: boolean; url?: string };
    const all = V.endpoints as EndpointVector[];
    const valid = all.filter((e) => e.valid);
    // Independent of the parser: the four well-formed keyed addresses, two of them TLS.
    expect(valid.map((e) => e.text.slice(0, e.text.indexOf(":")))).toEqual(["ecmoq", "ecmoq", "ecmoqs", "ecmoqs"]);
    expect(valid.map((e) => e.url)).toEqual(["ws://127.0.0.1:4443/moq", "ws://[::1]:4443/moq", "wss://relay.example.org:443/moq", "wss://[2001:db8::1]:8443/moq"]);
    expect(all.filter((e) => e.insecureOnly).map((e) => e.text)).toEqual(["127.0.0.1:4443"]);
    for (const e of all) {
      let strict: ReturnType<typeof parseEndpointAddr> | undefined;
      try {
        strict = parseEndpointAddr(e.text);
      } catch (err) {
        expect((err as TransportError).code, e.text).toBe("bad-endpoint");
      }
      expect(strict !== undefined, e.text).toBe(e.valid);
      if (!strict) continue;
      expect({ host: strict.host, port: strict.port, publicKey: toHex(strict.publicKey!), tls: strict.tls === true }, e.text).toEqual({ host: e.host, port: e.port, publicKey: e.publicKey, tls: e.tls });
      expect(formatEndpointAddr(strict)).toBe(e.text);
    }
  });

  it("stream ids: the transport rule accepts exactly the vector's valid ones", () => {
    for (const s of V.streamIds) {
      let ok = true;
      try {
        assertStreamId(s.streamId);
      } catch {
        ok = false;
      }
      expect(ok, JSON.stringify(s.streamId)).toBe(s.valid);
    }
  });
});
