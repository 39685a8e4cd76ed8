/**
 * The browser entry dialing a node that listens with TLS, in real Chromium: an `ecmoqs://` address
 * makes the page open `wss://` even from a plain http page, the node's identity is still checked
 * in-band on top of TLS, and a certificate the browser does not trust is a failure, never a fallback
 * to `ws://`. Chromium trusts exactly the test certificate's key (`--ignore-certificate-errors-spki-list`),
 * not every certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, X509Certificate } from "node:crypto";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { formatEndpointAddr, generateNodeIdentity, MoqNode } from "../src/index.js";
import { pkgDir } from "./helpers.js";
import { makeTestCert } from "./tls-cert.js";

const STREAM = "browser-tls";
const trusted = makeTestCert();
const untrusted = makeTestCert();
const spki = (pem: string) => createHash("sha256").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" })).digest("base64");
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  `--ignore-certificate-errors-spki-list=${spki(trusted.cert)}`,
];

let node: MoqNode;
let stranger: MoqNode;
let http: Server;
let browser: Browser;
let page: Page;
const payload = (seq: number) => new TextEncoder().encode(`chunk-${seq}`);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Outcome {
  items?: Array<{ seq: number; hex: string }>;
  error?: { code: string; message: string; isTransportError: boolean };
  events: string[];
}

beforeAll(async () => {
  node = await MoqNode.listen({ tls: { cert: trusted.cert, key: trusted.key } });
  const served = node.serve(STREAM, { manifests: false, chunks: true });
  for (let seq = 0; seq < 4; seq++) served.publish("chunks", seq, payload(seq));
  stranger = await MoqNode.listen({ tls: { cert: untrusted.cert, key: untrusted.key } });
  stranger.serve(STREAM, { manifests: false, chunks: true }).publish("chunks", 0, payload(0));

  const bundle = await build({ entryPoints: [join(pkgDir, "test/browser/page.ts")], bundle: true, platform: "browser", format: "iife", target: "es2022", write: false, logLevel: "silent" });
  const script = bundle.outputFiles[0]!.text;
  http = createServer((req, res) => {
    if (req.url === "/page.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><meta charset="utf-8"><script src="/page.js"></script>`);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(http.address() as { port: number }).port}/`);
  await page.waitForFunction(() => "ecTest" in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await stranger?.close();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
});

const subscribe = (o: { remote: string; count: number; fromSeq?: number }): Promise<Outcome> =>
  page.evaluate((a) => (globalThis as unknown as { ecTest: { subscribe(x: unknown): Promise<Outcome> } }).ecTest.subscribe(a), { ...o, streamId: STREAM, track: "chunks" });

describe("browser entry in Chromium against a TLS node (ecmoqs://)", () => {
  it("opens wss:// for an ecmoqs:// address from an http page, checks identity in-band, receives every group", async () => {
    expect(node.endpoint.startsWith("ecmoqs://")).toBe(true);
    const r = await subscribe({ remote: node.endpoint, count: 4, fromSeq: 0 });
    expect(r.error).toBeUndefined();
    expect(r.items!.map((i) => i.seq)).toEqual([0, 1, 2, 3]);
    expect(r.items!.map((i) => i.hex)).toEqual([0, 1, 2, 3].map((s) => hex(payload(s))));
  });

  it("a wrong key over TLS: auth-failed", async () => {
    const wrong = formatEndpointAddr({ ...node.addr, publicKey: generateNodeIdentity().publicKey });
    const r = await subscribe({ remote: wrong, count: 1 });
    expect(r.error).toMatchObject({ code: "auth-failed", isTransportError: true });
  });

  it("a certificate the browser does not trust: unreachable after the attempts, nothing received", async () => {
    const r = await subscribe({ remote: stranger.endpoint, count: 1 });
    expect(r.items).toEqual([]);
    expect(r.error).toMatchObject({ code: "unreachable", isTransportError: true });
    expect(r.events).not.toContain("connected");
  });
});
