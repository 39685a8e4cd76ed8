/**
 * `ec-node relay` and `--advertise` flags: every bad input is one line naming the problem, exit 2,
 * nothing on stdout, before anything listens.
 */
import { describe, expect, it } from "vitest";
import { generateSigningKey, publicKeyToHex } from "@ec/manifest";
import { generateNodeIdentity } from "@ec/moq-transport";
import { runCli } from "./cli-harness.js";
import { RECORDING } from "./procs/mesh.js";

const PK = publicKeyToHex(generateSigningKey().publicKey);
const ADDR = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:4443`;

function expectUsageError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

const relay = (...extra: string[]) => runCli(["relay", "--stream-id", "tv", ...extra]);

describe("ec-node relay: bad flags", () => {
  it.each([
    [["--trusted-key", PK], /missing --remote/],
    [["--remote", ADDR], /missing --trusted-key .*never trusts on first use/],
    [["--remote", "127.0.0.1:4443", "--trusted-key", PK], /bad endpoint "127\.0\.0\.1:4443".*no identity key/],
    [["--remote", ADDR, "--remote-manifests", "ecmoq://nothex@h:1", "--trusted-key", PK], /bad endpoint "ecmoq:\/\/nothex@h:1"/],
    [["--remote", ADDR, "--trusted-key", "abc"], /--trusted-key/],
    [["--remote", ADDR, "--trusted-key", PK, "--listen", "nowhere"], /--listen: .*missing :port/],
    [["--remote", ADDR, "--trusted-key", PK, "--advertise", "0.0.0.0:4443"], /--advertise: .*wildcard/],
    [["--remote", ADDR, "--trusted-key", PK, "--advertise", "relay.example:0"], /--advertise: .*port out of range/],
    [["--remote", ADDR, "--trusted-key", PK, "--advertise", `${ADDR}`], /--advertise: .*bare host:port/],
    [["--remote", ADDR, "--trusted-key", PK, "--window", "0"], /--window must be between 1 and 1024/],
    [["--remote", ADDR, "--trusted-key", PK, "--junk-threshold", "0"], /--junk-threshold must be >= 1/],
  ])("%j", async (args, pattern) => {
    expectUsageError(await relay(...(args as string[])), pattern as RegExp);
  });

  it("refuses a bad stream id", async () => {
    expectUsageError(await runCli(["relay", "--stream-id", "../x", "--remote", ADDR, "--trusted-key", PK]), /--stream-id/);
  });
});

describe("ec-node moq-publish --advertise", () => {
  it("refuses a wildcard advertise address with exit 2", async () => {
    expectUsageError(await runCli(["moq-publish", "--input", RECORDING, "--stream-id", "tv", "--advertise", "0.0.0.0:4443"]), /--advertise: .*wildcard/);
  });

  it("writes the advertised host:port into the printed EndpointAddr", async () => {
    const r = await runCli(
      ["moq-publish", "--input", RECORDING, "--stream-id", "tv", "--listen", "0.0.0.0:0", "--advertise", "relay.example.org:4443", "--as-fast-as-possible", "--exit-when-done"],
      { timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr.slice(-1000)).toBe(0);
    expect(r.stdout.trim().split("\n")[0]).toMatch(/^ecmoq:\/\/[0-9a-f]{64}@relay\.example\.org:4443$/);
  });
});
