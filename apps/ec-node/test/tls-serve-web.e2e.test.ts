/**
 * Nodes listening with TLS (`--tls-cert`/`--tls-key`, an ecmoqs:// EndpointAddr) and serving the
 * browser page (`--serve-web`), as real `ec-node` processes on loopback: a TLS leader serves its page
 * over https with a config.json that points at itself; a TLS relay takes from it over wss and serves
 * its own page; a subscriber that trusts the CA (NODE_EXTRA_CA_CERTS) verifies the stream through the
 * relay; one that does not is refused with a TLS error. The first tests serve a stand-in page
 * directory; the last opens the bundled page (`@ec/web-peer`) over https in Chromium, which reaches
 * the TLS relay over wss:// and plays verified video (its playback suite is web-peer.e2e.test.ts).
 */
import { describe, expect, it, beforeAll } from "vitest";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { makeTestCert } from "../../../packages/moq-transport/test/tls-cert.js";
import type { TestCert } from "../../../packages/moq-transport/test/tls-cert.js";
import { CLI, startNodeScript } from "./cli-harness.js";
import type { RunningCli } from "./cli-harness.js";
import { generateNodeIdentity } from "@ec/moq-transport";
import { launchChromium } from "./procs/chromium.js";
import { CHUNK_MS, meshSuite, publishArgs, readStats, RECORDING, runCli } from "./procs/mesh.js";

const STREAM = "tls-web";
const suite = meshSuite("ec-tls-web-");
let cert: TestCert;
let page: string;

beforeAll(() => {
  cert = makeTestCert();
  page = join(suite.dir, "page");
  mkdirSync(page);
  writeFileSync(join(page, "index.html"), "<!doctype html><title>verifying peer</title>");
  writeFileSync(join(page, "app.js"), "export {};");
});

/** `ec-node args` with extra environment (e.g. NODE_EXTRA_CA_CERTS), stopped after each test. */
function node(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const r = startNodeScript(CLI, args, { label: `ec-node ${args[0]}`, env });
  suite.procs.list.push(r);
  return r;
}

function httpsGet(url: string, ca: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    }).on("error", reject);
  });
}

const tlsArgs = () => ["--tls-cert", cert.certPath, "--tls-key", cert.keyPath];
const trust = () => ({ NODE_EXTRA_CA_CERTS: cert.certPath });

describe("TLS nodes and --serve-web", () => {
  it("leader and relay over wss serve the page over https; a subscriber trusting the CA verifies the stream through the relay", async () => {
    const { leaderKey, leaderPk } = suite.keys;
    const leader = node(publishArgs(STREAM, ["--publish-manifests", "--signing-key", leaderKey, ...tlsArgs(), "--serve-web", "127.0.0.1:0", "--web-dir", page]));
    const leaderAddr = await leader.firstLine;
    expect(leaderAddr).toMatch(/^ecmoqs:\/\/[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
    const leaderPage = await leader.secondLine;
    expect(leaderPage).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await httpsGet(leaderPage, cert.cert);
    expect(index.status).toBe(200);
    expect(index.body).toContain("verifying peer");
    const leaderConfig = await httpsGet(`${leaderPage}config.json`, cert.cert);
    expect(leaderConfig.type).toBe("application/json; charset=utf-8");
    expect(JSON.parse(leaderConfig.body)).toEqual({ streamId: STREAM, manifestPeer: leaderAddr, objectPeers: [leaderAddr], trustedKeys: [leaderPk] });

    const relay = node(["relay", "--stream-id", STREAM, "--remote", leaderAddr, "--trusted-key", leaderPk, ...tlsArgs(), "--serve-web", "0", "--web-dir", page], trust());
    const relayAddr = await relay.firstLine;
    expect(relayAddr).toMatch(/^ecmoqs:\/\//);
    const relayPage = await relay.secondLine;
    const relayConfig = JSON.parse((await httpsGet(`${relayPage}config.json`, cert.cert)).body);
    expect(relayConfig).toEqual({ streamId: STREAM, manifestPeer: relayAddr, objectPeers: [relayAddr], trustedKeys: [leaderPk] });

    const hls = join(suite.dir, "hls");
    const stats = join(suite.dir, "sub-stats.json");
    const sub = node(["moq-subscribe", "--remote", relayAddr, "--stream-id", STREAM, "--trusted-key", leaderPk, "--hls-dir", hls, "--stop-after", "3s", "--stats-json", stats], trust());
    const r = await sub.exit;
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    const s = readStats(stats);
    expect(s.objects.accepted).toBeGreaterThanOrEqual(3);
    expect(s.objects.rejected).toEqual({});
  }, 90_000);

  it("a subscriber that does not trust the certificate gives up with a TLS error naming the fix", async () => {
    const leader = node(publishArgs(STREAM, ["--publish-manifests", "--signing-key", suite.keys.leaderKey, ...tlsArgs()]));
    const leaderAddr = await leader.firstLine;
    const r = await runCli(
      ["moq-subscribe", "--remote", leaderAddr, "--stream-id", STREAM, "--trusted-key", suite.keys.leaderPk, "--hls-dir", join(suite.dir, "hls-untrusted"), "--stop-after", "2s", "--timeout", "4s"],
      { timeoutMs: 30_000 },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TLS: .*self[- ]signed certificate.*NODE_EXTRA_CA_CERTS/);
  }, 60_000);

  it("config.json on a follower (leader for manifests, itself for objects) and a manifests-only leader (--web-object-peer)", async () => {
    const { leaderKey, leaderPk } = suite.keys;
    const extra = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@relay.example.org:4443`;
    const leader = node(publishArgs(STREAM, ["--publish-manifests", "--signing-key", leaderKey]));
    const leaderAddr = await leader.firstLine;
    const follower = node(publishArgs(STREAM, ["--follow", leaderAddr, "--trusted-key", leaderPk, "--serve-web", "0", "--web-dir", page]));
    const followerAddr = await follower.firstLine;
    const followerPage = await follower.secondLine;
    expect(followerPage).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(`${followerPage}config.json`)).json()).toEqual({ streamId: STREAM, manifestPeer: leaderAddr, objectPeers: [followerAddr], trustedKeys: [leaderPk] });
    const manifestsOnly = node(publishArgs(`${STREAM}-m`, ["--publish-manifests", "--signing-key", leaderKey, "--publish-chunks=false", "--serve-web", "0", "--web-dir", page, "--web-object-peer", followerAddr, "--web-object-peer", extra]));
    const mAddr = await manifestsOnly.firstLine;
    const mConfig = await (await fetch(`${await manifestsOnly.secondLine}config.json`)).json();
    expect(mConfig).toEqual({ streamId: `${STREAM}-m`, manifestPeer: mAddr, objectPeers: [followerAddr, extra], trustedKeys: [leaderPk] });
  }, 60_000);

  it("a page on every interface prints the --advertise'd host, as the EndpointAddr does", async () => {
    const upstream = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:1`;
    const relay = node(["relay", "--stream-id", STREAM, "--remote", upstream, "--trusted-key", suite.keys.leaderPk, "--listen", "0.0.0.0:0", "--advertise", "relay.example.org:4443", "--serve-web", "0.0.0.0:0", "--web-dir", page]);
    const relayAddr = await relay.firstLine;
    expect(relayAddr).toMatch(/@relay\.example\.org:4443$/);
    const printed = await relay.secondLine;
    const port = /^http:\/\/relay\.example\.org:(\d+)\/$/.exec(printed)?.[1];
    expect(port, printed).toBeDefined();
    const config = await (await fetch(`http://127.0.0.1:${port}/config.json`)).json();
    expect(config.manifestPeer).toBe(relayAddr);
  }, 30_000);

  it("the bundled page over https reaches a TLS relay over wss:// in Chromium and plays verified video", async () => {
    const { leaderKey, leaderPk } = suite.keys;
    const sim = node(["hdhr-sim", "--input", RECORDING, "--live", "--channel", "5.1"]);
    const tuner = new URL(await sim.firstLine).host;
    const leader = node(["moq-publish", "--hdhr", tuner, "--channel", "5.1", "--stream-id", STREAM, "--chunk-ms", String(CHUNK_MS), "--publish-manifests", "--signing-key", leaderKey, ...tlsArgs()]);
    const leaderAddr = await leader.firstLine;
    const relay = node(["relay", "--stream-id", STREAM, "--remote", leaderAddr, "--trusted-key", leaderPk, ...tlsArgs(), "--serve-web", "0"], trust());
    const relayAddr = await relay.firstLine;
    const pageUrl = await relay.secondLine;
    expect(pageUrl).toMatch(/^https:\/\//);
    // Chromium trusts exactly this certificate's key, as a browser would trust a real CA's certificate.
    const spki = createHash("sha256").update(new X509Certificate(cert.cert).publicKey.export({ type: "spki", format: "der" })).digest("base64");
    const browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      expect((await page.goto(pageUrl))?.status()).toBe(200);
      await page.waitForFunction(() => document.querySelector("video")!.buffered.length > 0, undefined, { timeout: 60_000, polling: 250 });
      const t0 = await page.evaluate(() => document.querySelector("video")!.buffered.start(0));
      await page.waitForFunction((t) => document.querySelector("video")!.currentTime >= t + 2, t0, { timeout: 60_000, polling: 250 });
      await page.waitForFunction(
        () => {
          const n = (id: string) => Number(document.getElementById(id)!.textContent!.replace(/,/g, ""));
          return n("verified") > 0 && n("verified") === n("appended");
        },
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      expect(await page.evaluate(() => document.getElementById("why")!.dataset.why)).toBe("playing");
      expect(await page.textContent("#signer-key")).toBe(leaderPk);
      // The page took manifests and objects from the relay, over wss:// (the relay listens with TLS only).
      expect(await page.getAttribute(`#peer-rows tr[data-peer="${relayAddr}"]`, "data-peer")).toBe(relayAddr);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
