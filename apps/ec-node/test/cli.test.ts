import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeKeyFile, publicKeyToHex } from "@ec/manifest";
import { execFileSync } from "node:child_process";
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

  it("prints its help and exits 0 when run bare", async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: ec-node <command>/);
    for (const c of COMMANDS) expect(r.stdout).toContain(c);
    expect(r.stdout).toContain("EC_DEBUG");
  });

  it("prints its package version with --version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`ec-node ${pkg.version}\n`);
    }
  });

  it("refuses an unknown command", async () => {
    const r = await runCli(["moq-publsh"]);
    expectUsageError(r, /unknown command "moq-publsh"/);
  });

  it("refuses unknown flags, missing values, bad EndpointAddrs and unreadable keys with one line and exit 2", async () => {
    expectUsageError(await runCli(["moq-subscribe", "--bogus"]), /unknown flag --bogus/);
    expectUsageError(await runCli(["moq-subscribe", "--stream-id"]), /--stream-id needs a value/);
    const badAddr = await runCli(["moq-subscribe", "--stream-id", "s", "--hls-dir", dir, "--remote", "not-an-endpoint"]);
    expectUsageError(badAddr, /bad endpoint "not-an-endpoint"/);
    expect(badAddr.stderr.match(/bad endpoint/gi), "the problem is said once, not wrapped twice").toHaveLength(1);
    expectUsageError(
      await runCli(["moq-subscribe", "--stream-id", "s", "--hls-dir", dir, "--remote", "127.0.0.1:4443"]),
      /bad endpoint "127.0.0.1:4443"/,
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

  it("refuses key and secret files that are not small regular files, before reading them (issue 14 item 6)", async () => {
    const ts = join(dir, "empty-for-keys.ts");
    writeFileSync(ts, "");
    const publish = (key: string) => runCli(["moq-publish", "--input", ts, "--publish-manifests", "--signing-key", key]);
    // /dev/zero was read until memory ran out (std::bad_alloc, exit 134).
    expectUsageError(await publish("/dev/zero"), /--signing-key: \/dev\/zero is not a regular file \(a character device\)/);
    expectUsageError(await publish(dir), /--signing-key: .* is not a regular file \(a directory\)/);
    const fifo = join(dir, "key.fifo");
    execFileSync("mkfifo", [fifo]);
    // A FIFO nobody writes to would block the read for ever.
    expectUsageError(await publish(fifo), /--signing-key: .*key.fifo is not a regular file \(a FIFO\)/);
    const big = join(dir, "big.key");
    writeFileSync(big, Buffer.alloc(1024 * 1024, 0x61));
    expectUsageError(await publish(big), /--signing-key: .*big.key is 1048576 bytes; at most 4096 expected/);
    expectUsageError(
      await runCli(["moq-publish", "--input", ts, "--node-key", "/dev/zero"]),
      /--node-key: \/dev\/zero is not a regular file/,
    );
    const sub = ["moq-subscribe", "--stream-id", "s", "--hls-dir", join(dir, "hls-secret"), "--remote", "127.0.0.1:1", "--insecure-remote"];
    expectUsageError(await runCli([...sub, "--stream-secret-file", "/dev/zero"]), /--stream-secret-file: \/dev\/zero is not a regular file/);
    expectUsageError(await runCli([...sub, "--stream-secret-file", big]), /--stream-secret-file: .*big.key is 1048576 bytes/);
  });

  it("bad output directories and stream ids are usage errors (exit 2), never a hang or exit 1", async () => {
    const sub = (...extra: string[]) => ["moq-subscribe", "--remote", "127.0.0.1:1", "--insecure-remote", ...extra];
    // mkdir -p under /proc looped for ever inside one synchronous call (100 % CPU, SIGTERM ignored).
    expectUsageError(await runCli(sub("--stream-id", "s", "--hls-dir", "/proc/ec-node-test/hls"), { timeoutMs: 20_000 }), /--hls-dir: cannot create directory \/proc\/ec-node-test: ENOENT/);
    expectUsageError(await runCli(["demo", "--out", "/proc/ec-node-test", "--serve-http", "off"], { timeoutMs: 20_000 }), /--out: cannot create directory \/proc\/ec-node-test: ENOENT/);
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    expectUsageError(await runCli(sub("--stream-id", "s", "--hls-dir", join(file, "x"))), /--hls-dir: .*a-file is a file, not a directory/);
    expectUsageError(await runCli(sub("--stream-id", "s", "--hls-dir", file)), /--hls-dir: .*a-file is a file, not a directory/);
    expectUsageError(await runCli(sub("--stream-id", "../../etc", "--hls-dir", join(dir, "hls-id"))), /--stream-id "..\/..\/etc": use 1-128 letters/);
    expectUsageError(await runCli(["demo", "--out", join(dir, "demo-zero"), "--input", "/dev/zero", "--serve-http", "off"], { timeoutMs: 20_000 }), /--input \/dev\/zero: not a regular file/);
  });

  it("every duration flag refuses zero instead of reading it as 'no limit'", async () => {
    const ts = join(dir, "empty-for-durations.ts");
    writeFileSync(ts, "");
    const sub = ["moq-subscribe", "--stream-id", "s", "--hls-dir", join(dir, "hls-dur"), "--remote", "127.0.0.1:1", "--insecure-remote"];
    expectUsageError(await runCli([...sub, "--timeout", "0s"]), /--timeout takes a duration above zero, not "0s"/);
    expectUsageError(await runCli([...sub, "--stop-after", "0"]), /--stop-after takes a duration above zero/);
    expectUsageError(await runCli(["moq-publish", "--input", ts, "--manifest-ttl", "0ms"]), /--manifest-ttl takes a duration above zero/);
    expectUsageError(await runCli(["moq-publish", "--input", ts, "--stall-timeout=0m"]), /--stall-timeout takes a duration above zero/);
    expectUsageError(await runCli(["demo", "--duration", "0s"]), /--duration takes a duration above zero/);
    expectUsageError(await runCli(["capture", "--hdhr", "127.0.0.1:1", "--channel", "5.1", "--duration", "0", "--out", "x.ts"]), /--duration takes a duration above zero/);
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
