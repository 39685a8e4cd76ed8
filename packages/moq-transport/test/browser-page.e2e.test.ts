/**
 * The browser entry in real Chromium (playwright-core + Debian's /usr/bin/chromium): a page bundling
 * `src/browser.ts` (esbuild, platform browser) dials a real MoqNode on loopback, checks its identity
 * in-band and receives the groups it publishes; a wrong key fails with `auth-failed`; a bare
 * `host:port` is refused without `allowInsecure`; ObjectSources drops a peer whose identity fails and
 * takes the objects from the honest one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { formatEndpointAddr, generateNodeIdentity, MoqNode } from "../src/index.js";
import { pkgDir } from "./helpers.js";

const STREAM = "browser-e2e";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let node: MoqNode;
let impostor: MoqNode;
let http: Server;
let browser: Browser;
let page: Page;
const payload = (track: string, seq: number) => new TextEncoder().encode(`${track}-${seq}-${"x".repeat(seq * 1000)}`);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Outcome {
  items?: Array<{ seq: number; hex: string }>;
  error?: { code: string; message: string; isTransportError: boolean };
  events: string[];
  peers?: string[];
}

beforeAll(async () => {
  node = await MoqNode.listen();
  const served = node.serve(STREAM, { manifests: true, chunks: true });
  for (let seq = 0; seq < 6; seq++) {
    served.publish("manifests", seq, payload("manifests", seq));
    served.publish("chunks", seq, payload("chunks", seq));
  }
  // Serves the stream too, under another key: what a page pinning `node`'s key must refuse.
  impostor = await MoqNode.listen();
  impostor.serve(STREAM, { manifests: false, chunks: true }).publish("chunks", 0, new Uint8Array([0xee]));

  const bundle = await build({ entryPoints: [join(pkgDir, "test/browser/page.ts")], bundle: true, platform: "browser", format: "iife", target: "es2022", write: false, logLevel: "silent" });
  const script = bundle.outputFiles[0]!.text;
  http = createServer((req, res) => {
    if (req.url === "/page.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><meta charset="utf-8"><script src="/page.js"></script>`);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(http.address() as { port: number }).port}/`);
  await page.waitForFunction(() => "ecTest" in globalThis);
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await node?.close();
  await impostor?.close();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
});

const subscribe = (o: { remote: string; allowInsecure?: boolean; track: "manifests" | "chunks"; count: number; fromSeq?: number }): Promise<Outcome> =>
  page.evaluate((a) => (globalThis as unknown as { ecTest: { subscribe(x: unknown): Promise<Outcome> } }).ecTest.subscribe(a), { ...o, streamId: STREAM });

describe("browser entry in Chromium against a real MoqNode", () => {
  it("runs with no Node globals in the page", async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { ecTest: { hasProcess: boolean } }).ecTest.hasProcess)).toBe(false);
  });

  it("checks the node's identity in-band and receives the manifests and chunks groups, byte for byte", async () => {
    for (const track of ["manifests", "chunks"] as const) {
      const r = await subscribe({ remote: node.endpoint, track, count: 6, fromSeq: 0 });
      expect(r.error).toBeUndefined();
      expect(r.items!.map((i) => i.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(r.items!.map((i) => i.hex)).toEqual([0, 1, 2, 3, 4, 5].map((s) => hex(payload(track, s))));
      expect(r.events[0]).toBe("connected");
    }
  });

  it("a wrong key: auth-failed (a TransportError), not retried", async () => {
    const wrong = formatEndpointAddr({ ...node.addr, publicKey: generateNodeIdentity().publicKey });
    const r = await subscribe({ remote: wrong, track: "manifests", count: 1 });
    expect(r.items).toEqual([]);
    expect(r.error).toMatchObject({ code: "auth-failed", isTransportError: true });
    expect(r.error!.message).toMatch(/different public key/);
    expect(r.events).toEqual(["auth-failed"]);
  });

  it("an insecure host:port is refused without allowInsecure, and works with it", async () => {
    const bare = `127.0.0.1:${node.addr.port}`;
    const refused = await subscribe({ remote: bare, track: "manifests", count: 1 });
    expect(refused.error).toMatchObject({ code: "bad-endpoint", isTransportError: true });
    expect(refused.events).toEqual([]);
    const ok = await subscribe({ remote: bare, allowInsecure: true, track: "manifests", count: 2, fromSeq: 4 });
    expect(ok.items!.map((i) => i.seq)).toEqual([4, 5]);
  });

  it("ObjectSources drops a peer that fails the identity check and takes every object from the honest one", async () => {
    // The impostor listens at its own port but is listed under node's key: its proof cannot match.
    const lying = formatEndpointAddr({ ...impostor.addr, publicKey: node.addr.publicKey });
    const r = (await page.evaluate(
      (a) => (globalThis as unknown as { ecTest: { objects(x: unknown): Promise<Outcome> } }).ecTest.objects(a),
      { peers: [lying, node.endpoint], streamId: STREAM, count: 6 },
    )) as Outcome & { peers: string[] };
    expect(r.items!.map((i) => i.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.items!.map((i) => i.hex)).toEqual([0, 1, 2, 3, 4, 5].map((s) => hex(payload("chunks", s))));
    expect(new Set(r.peers)).toEqual(new Set([node.endpoint]));
    expect(r.events).toContain("dropped");
  });
});
