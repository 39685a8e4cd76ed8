import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { encodeKeyFile, generateSigningKey, publicKeyToHex } from "@ec/manifest";
import { createFakeHdhr, fixturePath } from "@ec/hdhr-capture";
import { UsageError } from "../flags.js";
import { CommandError, LOG_FLAGS, loggerFrom, onStopSignal, writeFileAtomic } from "../common.js";
import type { Command } from "../command.js";

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));
const STREAM_ID = "demo";
const CHANNEL = "5.1";

export const demo: Command = {
  name: "demo",
  summary: [
    "Run the whole mesh on this machine and write verified HLS (fake tuner, leader, relay, subscriber).",
    "A fake HDHomeRun serves a bundled recording; a leader publishes only signed manifests; a relay only",
    "encrypted chunk objects; a subscriber takes manifests from the leader and objects from the relay,",
    "verifies every object, and writes HLS.",
    "Each node is a separate ec-node process on loopback.",
  ].join("\n"),
  usage: "ec-node demo [--out ./demo-out] [--duration 20s]",
  flags: {
    out: { kind: "string", value: "<dir>", help: "where keys, HLS and stats go (its hls/ is replaced)", default: "demo-out" },
    duration: { kind: "duration", value: "<dur>", help: "stop after this much verified media", default: "20s" },
    input: { kind: "string", value: "<file.ts>", help: "recording for the fake tuner (default: the bundled H.264/AAC fixture)" },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "demo");
    const out = resolve(flags.out as string);
    const durationMs = flags.duration as number;
    if (durationMs < 2000) throw new UsageError("--duration must be at least 2s");
    const input = (flags.input as string | undefined) ?? fixturePath("h264-aac-1s-gop.ts");
    if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    const hlsDir = join(out, "hls");
    mkdirSync(out, { recursive: true });
    rmSync(hlsDir, { recursive: true, force: true });
    const keyPath = join(out, "leader.key");
    const key = generateSigningKey();
    writeFileAtomic(keyPath, encodeKeyFile(key), 0o600);
    const pk = publicKeyToHex(key.publicKey);

    const stop = onStopSignal();
    const children: ChildProcess[] = [];
    const sim = await createFakeHdhr({ input, listen: "127.0.0.1:0", tunerCount: 2, channels: [{ guideNumber: CHANNEL, guideName: "EC-DEMO" }] });
    log.info("fake tuner up", { baseUrl: sim.baseUrl, input });
    const common = ["--stream-id", STREAM_ID, "--log-level", flags["log-level"] as string, "--log-format", flags["log-format"] as string];
    try {
      const leader = startNode("leader", [
        "moq-publish", "--hdhr", sim.host, "--channel", CHANNEL, "--publish-manifests", "--signing-key", keyPath,
        "--publish-chunks=false", "--startup-delay-ms", "1000", ...common,
      ], children);
      const relay = startNode("relay", [
        "moq-publish", "--hdhr", sim.host, "--channel", CHANNEL, "--publish-chunks=true", "--startup-delay-ms", "1000", ...common,
      ], children);
      const [leaderAddr, relayAddr] = await Promise.all([leader.endpoint, relay.endpoint]);
      log.info("leader (manifests only)", { endpoint: leaderAddr, signer: pk });
      log.info("relay (objects only)", { endpoint: relayAddr });
      const statsPath = join(out, "stats.json");
      const sub = startNode("subscriber", [
        "moq-subscribe", "--remote", relayAddr, "--remote-manifests", leaderAddr, "--trusted-key", pk,
        "--hls-dir", hlsDir, "--hls-window", "0", "--stop-after", `${durationMs}ms`, "--stats-json", statsPath, ...common,
      ], children);
      process.stdout.write(
        [
          "",
          `every.channel demo: fake tuner -> leader (manifests) + relay (objects) -> subscriber`,
          `  HLS:       ${join(hlsDir, "index.m3u8")}`,
          `  play:      ffplay ${join(hlsDir, "index.m3u8")}   (or any HLS player)`,
          `  counters:  ${statsPath}`,
          `  leader:    ${leaderAddr}`,
          `  relay:     ${relayAddr}`,
          `  signer:    ${pk}`,
          "",
        ].join("\n") + "\n",
      );
      const code = await Promise.race([
        sub.exit,
        new Promise<number>((r) => stop.signal.addEventListener("abort", () => r(130), { once: true })),
      ]);
      if (code === 130) {
        sub.proc.kill("SIGTERM");
        await sub.exit;
      }
      let summary = "";
      try {
        const s = JSON.parse(readFileSync(statsPath, "utf8"));
        summary = `${s.segments} segments, ${Number(s.mediaSeconds).toFixed(1)} s verified; objects accepted ${s.objects.accepted}, rejected ${JSON.stringify(s.objects.rejected)}; manifests accepted ${s.manifests.accepted}`;
      } catch {
        summary = "(no stats)";
      }
      if (code !== 0 && code !== 130) throw new CommandError(`subscriber exited with code ${code}; see its log above`);
      process.stdout.write(`done: ${summary}\n  HLS: ${join(hlsDir, "index.m3u8")}\n`);
      return 0;
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
      await sim.close();
    }
  },
};

/** Spawns `ec-node <args>`; its stderr log lines are forwarded with a role prefix. */
function startNode(role: string, args: string[], children: ChildProcess[]) {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  createInterface({ input: proc.stderr! }).on("line", (line) => process.stderr.write(`[${role}] ${line}\n`));
  const lines = createInterface({ input: proc.stdout! });
  const exit = new Promise<number>((r) => proc.once("exit", (code, sig) => r(code ?? (sig ? 128 : 1))));
  const endpoint = new Promise<string>((resolveAddr, rejectAddr) => {
    lines.once("line", (l) => resolveAddr(l.trim()));
    void exit.then((code) => rejectAddr(new CommandError(`${role} exited with code ${code} before it was ready`)));
  });
  endpoint.catch(() => {});
  return { proc, endpoint, exit };
}
