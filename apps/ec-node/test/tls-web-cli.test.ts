/**
 * `--tls-cert`/`--tls-key` and `--serve-web` on `ec-node moq-publish` and `ec-node relay`: every bad
 * input is one line naming the problem (and the file), exit 2, nothing on stdout, before anything
 * listens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { generateSigningKey, publicKeyToHex } from "@ec/manifest";
import { generateNodeIdentity } from "@ec/moq-transport";
import { makeTestCert } from "../../../packages/moq-transport/test/tls-cert.js";
import type { TestCert } from "../../../packages/moq-transport/test/tls-cert.js";
import { keysIn, RECORDING, runCli, tempDir } from "./procs/mesh.js";

const PK = publicKeyToHex(generateSigningKey().publicKey);
const ADDR = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:4443`;
let dir: string;
let cert: TestCert;
let other: TestCert;
let leaderKey: string;
let page: string;
let noIndex: string;
let notPem: string;
let junkPem: string;

beforeAll(async () => {
  dir = tempDir("ec-tls-web-cli-");
  cert = makeTestCert();
  other = makeTestCert();
  leaderKey = (await keysIn(dir)).leaderKey;
  page = join(dir, "page");
  mkdirSync(page);
  writeFileSync(join(page, "index.html"), "<!doctype html>");
  noIndex = join(dir, "no-index");
  mkdirSync(noIndex);
  writeFileSync(join(noIndex, "app.js"), "");
  notPem = join(dir, "not.pem");
  writeFileSync(notPem, "hello\n");
  junkPem = join(dir, "junk.pem");
  writeFileSync(junkPem, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectUsageError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

const relay = (...extra: string[]) => runCli(["relay", "--stream-id", "tv", "--remote", ADDR, "--trusted-key", PK, ...extra]);
const leader = (...extra: string[]) => runCli(["moq-publish", "--input", RECORDING, "--stream-id", "tv", "--publish-manifests", "--signing-key", leaderKey, ...extra]);

/** Bad TLS flags, each with the error it must produce (paths filled in once the files exist). */
function tlsCases(): Array<[string[], RegExp]> {
  return [
    [["--tls-cert", cert.certPath], /--tls-cert needs --tls-key/],
    [["--tls-key", cert.keyPath], /--tls-key needs --tls-cert/],
    [["--tls-cert", join(dir, "missing.pem"), "--tls-key", cert.keyPath], /--tls-cert: cannot read .*missing\.pem: ENOENT/],
    [["--tls-cert", dir, "--tls-key", cert.keyPath], /--tls-cert: .* is not a regular file/],
    [["--tls-cert", notPem, "--tls-key", cert.keyPath], /--tls-cert: .*not\.pem is not PEM/],
    [["--tls-cert", junkPem, "--tls-key", cert.keyPath], /--tls-cert: .*junk\.pem is not a PEM certificate/],
    [["--tls-cert", cert.certPath, "--tls-key", junkPem], /--tls-key: .*junk\.pem is not an unencrypted PEM private key/],
    [["--tls-cert", cert.certPath, "--tls-key", other.keyPath], /--tls-key: .*key\.pem does not match the certificate in .*cert\.pem/],
  ];
}

describe("--tls-cert / --tls-key: bad input", () => {
  it("ec-node relay", async () => {
    for (const [args, pattern] of tlsCases()) expectUsageError(await relay(...args), pattern);
  });
  it("ec-node moq-publish", async () => {
    for (const [args, pattern] of tlsCases()) expectUsageError(await leader(...args), pattern);
  });
});

describe("--serve-web: bad input", () => {
  it("ec-node relay", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--serve-web", "nowhere:"], /--serve-web: bad listen address/],
      [["--serve-web", "http://x:1"], /--serve-web: .*not a URL/],
      [["--web-dir", page], /--web-dir goes with --serve-web/],
      [["--web-object-peer", ADDR], /--web-object-peer goes with --serve-web/],
      [["--serve-web", "0", "--web-dir", noIndex], /--web-dir: .*has no index\.html/],
      [["--serve-web", "0", "--web-dir", join(dir, "nope")], /--web-dir: cannot read the site directory .*nope/],
      [["--serve-web", "0", "--web-dir", page, "--web-object-peer", "127.0.0.1:1"], /bad endpoint "127\.0\.0\.1:1".*no identity key/],
    ];
    for (const [args, pattern] of cases) expectUsageError(await relay(...args), pattern);
  });

  it("ec-node moq-publish: a node with no manifests to point the page at", async () => {
    expectUsageError(
      await runCli(["moq-publish", "--input", RECORDING, "--stream-id", "tv", "--serve-web", "0", "--web-dir", page]),
      /--serve-web needs manifests for the page: use it on the leader .*a follower .*or an ec-node relay/,
    );
    expectUsageError(await leader("--publish-chunks=false", "--serve-web", "0", "--web-dir", page), /manifests-only leader needs --web-object-peer/);
  });
});

describe("--serve-web: a port already taken", () => {
  it("ec-node relay exits 1 with one line, having printed and written nothing", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as AddressInfo).port;
    const endpointFile = join(dir, "relay.endpoint");
    const r = await relay("--serve-web", `127.0.0.1:${port}`, "--web-dir", page, "--endpoint-file", endpointFile);
    busy.close();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`ec-node relay: --serve-web: cannot serve HTTP on http://127\\.0\\.0\\.1:${port}/: EADDRINUSE`));
    expect(r.stderr.split("\n").filter((l) => l.startsWith("ec-node relay:"))).toHaveLength(1);
    expect(existsSync(endpointFile)).toBe(false);
  });
});
