import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeKeyFile, publicKeyToHex } from "@ec/manifest";
import { runCli } from "./cli-harness.js";

const COMMANDS = ["demo", "moq-publish", "moq-subscribe", "relay", "keygen", "hdhr-sim", "capture"];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ec-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one-line error contract: exit 2, a single line on stderr that names the problem, nothing on stdout. */
function expectUsageError(r: { code: number | null; stderr: string; stdout: string }, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe("ec-node", () => {
  it("lists its commands with --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
  });

  it.each(COMMANDS)("%s --help documents its flags", async (cmd) => {
    const r = await runCli([cmd, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: ec-node /);
    expect(r.stdout).toMatch(/^flags:$/m);
    expect(r.stdout).toContain("--help");
  });

  it("refuses an unknown command", async () => {
    const r = await runCli(["moq-publsh"]);
    expectUsageError(r, /unknown command "moq-publsh"/);
  });

  it("refuses unknown flags, missing values, bad EndpointAddrs and unreadable keys with one line and exit 2", async () => {
    expectUsageError(await runCli(["moq-subscribe", "--bogus"]), /unknown flag --bogus/);
    expectUsageError(await runCli(["moq-subscribe", "--stream-id"]), /--stream-id needs a value/);
    expectUsageError(
      await runCli(["moq-subscribe", "--stream-id", "s", "--hls-dir", dir, "--remote", "not-an-endpoint"]),
      /bad EndpointAddr "not-an-endpoint"/,
    );
    expectUsageError(
      await runCli(["moq-subscribe", "--stream-id", "s", "--hls-dir", dir, "--remote", "127.0.0.1:4443"]),
      /bad EndpointAddr "127.0.0.1:4443"/,
    );
    expectUsageError(
      await runCli(["moq-publish", "--input", join(dir, "missing.ts"), "--stream-id", "s"]),
      /--input .*missing.ts: no such file/,
    );
    const ts = join(dir, "empty.ts");
    writeFileSync(ts, "");
    expectUsageError(
      await runCli(["moq-publish", "--input", ts, "--publish-manifests", "--signing-key", join(dir, "nokey")]),
      /--signing-key: cannot read .*nokey: ENOENT/,
    );
    const junkKey = join(dir, "junk.key");
    writeFileSync(junkKey, "hello\n");
    expectUsageError(
      await runCli(["moq-publish", "--input", ts, "--publish-manifests", "--signing-key", junkKey]),
      /--signing-key: .*junk.key is not an ec-node key file/,
    );
    expectUsageError(await runCli(["moq-publish", "--input", ts, "--publish-manifests"]), /--publish-manifests needs --signing-key/);
    expectUsageError(await runCli(["moq-publish", "--input", ts, "--publish-chunks=false"]), /publishes nothing/);
    expectUsageError(await runCli(["moq-publish", "--input", ts, "--publish-chunks=nah"]), /--publish-chunks takes true or false/);
    expectUsageError(
      await runCli(["moq-subscribe", "--stream-id", "s", "--hls-dir", dir, "--remote", "127.0.0.1:1", "--insecure-remote", "--trusted-key", "abcd"]),
      /--trusted-key/,
    );
    expectUsageError(await runCli(["capture", "--hdhr", "127.0.0.1:1", "--channel", "5.1", "--duration", "soon", "--out", "x.ts"]), /--duration takes a duration/);
  });

  it("keygen writes a 0600 key file and prints its public key; it will not overwrite one", async () => {
    const out = join(dir, "leader.key");
    const r = await runCli(["keygen", "--out", out]);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const key = decodeKeyFile(readFileSync(out, "utf8"));
    expect(r.stdout.trim()).toBe(publicKeyToHex(key.publicKey));
    expect(r.stdout + r.stderr).not.toContain(Buffer.from(key.secretKey).toString("hex"));
    expectUsageError(await runCli(["keygen", "--out", out]), /exists; refusing to overwrite/);
    expect(decodeKeyFile(readFileSync(out, "utf8")).publicKey).toEqual(key.publicKey);
  });

  it("capture from an unreachable tuner fails with one line and leaves no file", async () => {
    const out = join(dir, "never.ts");
    const r = await runCli(["capture", "--hdhr", "127.0.0.1:9", "--channel", "5.1", "--duration", "2", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(/^ec-node capture: tuner 127.0.0.1:9 channel 5.1: /);
    expect(() => statSync(out)).toThrow();
  });
});
