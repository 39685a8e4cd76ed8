import { afterEach, describe, expect, it } from "vitest";
import { formatEndpointAddr, generateNodeIdentity, MoqNode, parseEndpointAddr, subscribeTrack, TransportError, type SubscribeEvent } from "../src/index.js";
import { makeTestCert } from "./tls-cert.js";

const good = makeTestCert();
const other = makeTestCert();

const nodes: MoqNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function tlsNode(): Promise<MoqNode> {
  const n = await MoqNode.listen({ tls: { cert: good.cert, key: good.key } });
  nodes.push(n);
  return n;
}

function bytes(seq: number): Uint8Array {
  return new Uint8Array(100).fill(seq & 0xff);
}

describe("MoqNode over TLS (wss://)", () => {
  it("prints an ecmoqs:// address; a dialer trusting the CA subscribes over wss and gets every group", async () => {
    const n = await tlsNode();
    expect(n.endpoint).toMatch(/^ecmoqs:\/\/[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
    expect(n.addr.tls).toBe(true);
    expect(formatEndpointAddr(parseEndpointAddr(n.endpoint))).toBe(n.endpoint);
    const s = n.serve("tls", { manifests: false, chunks: true, window: { maxGroups: 16 } });
    for (let i = 0; i < 5; i++) s.publish("chunks", i, bytes(i));
    const ac = new AbortController();
    const got: number[] = [];
    for await (const { seq, bytes: b } of subscribeTrack({ remote: n.endpoint, streamId: "tls", track: "chunks", fromSeq: 0, signal: ac.signal, tlsCa: good.cert })) {
      expect(b).toEqual(bytes(seq));
      got.push(seq);
      if (seq === 4) ac.abort();
    }
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(n.stats.framesServed).toBe(5);
  });

  it("the identity check still runs on top of TLS: a different key in the address fails auth-failed", async () => {
    const n = await tlsNode();
    n.serve("id", { manifests: false, chunks: true });
    const impostor = generateNodeIdentity().publicKey;
    const addr = formatEndpointAddr({ ...n.addr, publicKey: impostor });
    const events: SubscribeEvent[] = [];
    const run = async () => {
      for await (const _ of subscribeTrack({ remote: addr, streamId: "id", track: "chunks", tlsCa: good.cert, onEvent: (e) => events.push(e) })) {
        /* nothing arrives */
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "auth-failed" });
  });

  it("a certificate from another CA: unreachable, naming TLS and the trust fix", async () => {
    const n = await tlsNode();
    n.serve("ca", { manifests: false, chunks: true });
    const run = async () => {
      for await (const _ of subscribeTrack({ remote: n.endpoint, streamId: "ca", track: "chunks", tlsCa: other.cert, reconnect: { maxAttempts: 1 } })) {
        /* nothing arrives */
      }
    };
    const err = (await run().catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe("unreachable");
    expect(err.message).toMatch(/TLS: .*certificate/i);
    expect(err.message).toContain("NODE_EXTRA_CA_CERTS");
    expect(err.message).not.toContain("\n");
  });

  it("no CA given: Node's default store does not trust a self-signed certificate", async () => {
    const n = await tlsNode();
    n.serve("sys", { manifests: false, chunks: true });
    const run = async () => {
      for await (const _ of subscribeTrack({ remote: n.endpoint, streamId: "sys", track: "chunks", reconnect: { maxAttempts: 1 } })) {
        /* nothing arrives */
      }
    };
    await expect(run()).rejects.toMatchObject({ code: "unreachable", message: expect.stringMatching(/TLS: .*self[- ]signed/i) });
  });

  it("scheme mismatch either way fails unreachable with a hint, never hangs", async () => {
    const tls = await tlsNode();
    tls.serve("mix", { manifests: false, chunks: true });
    const plain = await MoqNode.listen();
    nodes.push(plain);
    plain.serve("mix", { manifests: false, chunks: true });
    const asPlain = tls.endpoint.replace(/^ecmoqs:/, "ecmoq:");
    const asTls = plain.endpoint.replace(/^ecmoq:/, "ecmoqs:");
    for (const [remote, hint] of [
      [asPlain, /ecmoqs:\/\//],
      [asTls, /TLS/],
    ] as const) {
      const run = async () => {
        for await (const _ of subscribeTrack({ remote, streamId: "mix", track: "chunks", tlsCa: good.cert, reconnect: { maxAttempts: 1 }, dialTimeoutMs: 5000 })) {
          /* nothing arrives */
        }
      };
      const err = (await run().catch((e: unknown) => e)) as TransportError;
      expect(err, remote).toBeInstanceOf(TransportError);
      expect(["unreachable", "timeout"]).toContain(err.code);
      expect(err.message, remote).toMatch(hint);
    }
  });

  it("refuses a bad certificate or key before listening, one line, bad-argument", async () => {
    const cases = [
      { cert: "not a pem", key: good.key },
      { cert: good.cert, key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
      { cert: good.cert, key: other.key }, // does not match the certificate
    ];
    for (const tls of cases) {
      const err = (await MoqNode.listen({ tls }).then(
        (n) => (nodes.push(n), undefined),
        (e: unknown) => e,
      )) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(err.code).toBe("bad-argument");
      expect(err.message).toMatch(/^TLS certificate\/key rejected: /);
      expect(err.message).not.toContain("\n");
    }
  });
});
