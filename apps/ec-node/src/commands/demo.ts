import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { rmSync, existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { constants as osConstants } from "node:os";
import { encodeKeyFile, generateSigningKey, publicKeyToHex } from "@ec/manifest";
import { createFakeHdhr } from "@ec/hdhr-capture";
import { fixturePath } from "@ec/fixtures";
import { formatCounts } from "../counts.js";
import { parseWatchListen, readSiteDir } from "@ec/subscriber/http";
import { UsageError } from "../flags.js";
import { CommandError, LOG_FLAGS, ensureOutputDir, loggerFrom, onStopSignal, untilAborted, writeFileAtomic } from "../common.js";
import { defineCommand } from "../command.js";
import { bundledPageDir } from "../serve-web.js";

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));
const STREAM_ID = "demo";
const CHANNEL = "5.1";

export const demo = defineCommand({
  name: "demo",
  summary: [
    "Run the whole live mesh on this machine and write verified HLS (two antennas, leader, follower, relay, subscriber).",
    "One live broadcast (a bundled recording on a shared clock) is received by two fake HDHomeRun tuners, the",
    "second behaving like another device. The leader captures the first and publishes only signed manifests;",
    "a follower captures the second a few seconds later and serves the leader's objects from its own capture",
    "(only those whose hash the leader signed); an `ec-node relay` (no tuner) takes manifests from the leader",
    "and objects from the follower and forwards only what verifies; a subscriber takes both from that relay",
    "hop, verifies every object again, and writes HLS. The watch page shows the hop's counters.",
    "Each node is a separate ec-node process on loopback.",
    "Open the printed watch URL to see the stream play and the counters move; Ctrl-C stops everything.",
    "The relay hop also serves the browser verifying peer page (--serve-web): open its URL and the browser",
    "subscribes to the hop itself, verifies every manifest and object in the page, and plays them.",
  ].join("\n"),
  usage: "ec-node demo [--out ./demo-out] [--duration 20s] [--serve-http 127.0.0.1:8080|off] [--serve-web 127.0.0.1:8081|off]",
  flags: {
    out: { kind: "string", value: "<dir>", help: "where keys, HLS and stats go (its hls/ is replaced)", default: "demo-out" },
    duration: { kind: "duration", value: "<dur>", help: "stop after this much verified media (default: run until Ctrl-C)" },
    "serve-http": {
      kind: "string",
      value: "<host:port|off>",
      help: "serve the watch page (player + live counters) here; a free port if this one is busy; off: none",
      default: "127.0.0.1:8080",
    },
    "serve-web": {
      kind: "string",
      value: "<host:port|off>",
      help: "serve the browser verifying peer page from the relay hop here; a free port if this one is busy; off: none",
      default: "127.0.0.1:8081",
    },
    "web-dir": { kind: "string", value: "<dir>", help: "with --serve-web: serve this page directory instead of the bundled one" },
    input: { kind: "string", value: "<file.ts>", help: "recording for the fake tuner (default: the bundled H.264/AAC fixture)" },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "demo");
    const out = resolve(flags.out);
    const durationMs = flags.duration;
    if (durationMs !== undefined && durationMs < 2000) throw new UsageError("--duration must be at least 2s");
    const watchListen = await listenOrFreePort("serve-http", flags["serve-http"], log);
    const webListen = await listenOrFreePort("serve-web", flags["serve-web"], log);
    if (flags["web-dir"] !== undefined && webListen === undefined) throw new UsageError("--web-dir goes with --serve-web");
    // A build without the page (packages/web-peer not built) still runs the demo; it says so instead.
    const webDir = webListen === undefined ? undefined : (flags["web-dir"] ?? bundledPageDir());
    if (flags["web-dir"] !== undefined) {
      try {
        readSiteDir(flags["web-dir"]);
      } catch (err) {
        throw new UsageError(`--web-dir: ${(err as Error).message}`);
      }
    }
    const input = flags.input ?? fixturePath("h264-aac-1s-gop.ts");
    if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    // The fake tuner probes and replays the file: a device or FIFO would be read without end.
    if (!statSync(input).isFile()) throw new UsageError(`--input ${input}: not a regular file`);
    const hlsDir = join(out, "hls");
    ensureOutputDir(out, "out");
    rmSync(hlsDir, { recursive: true, force: true });
    const keyPath = join(out, "leader.key");
    const key = generateSigningKey();
    writeFileAtomic(keyPath, encodeKeyFile(key), 0o600);
    const pk = publicKeyToHex(key.publicKey);

    const stop = onStopSignal();
    const stopped = untilAborted(stop.signal).then((): typeof STOPPED => STOPPED);
    const children: Child[] = [];
    // Two antennas of one live broadcast: the second tuner is another device (its own PSI, null packets).
    const antenna = (deviceProfile: number) =>
      createFakeHdhr({ input, listen: "127.0.0.1:0", live: true, deviceProfile, tunerCount: 2, channels: [{ guideNumber: CHANNEL, guideName: "EC-DEMO" }] });
    const sims = await Promise.all([antenna(0), antenna(1)]);
    const [simA, simB] = sims;
    log.info("live fake tuners up (one broadcast, two devices)", { antennaA: simA.baseUrl, antennaB: simB.baseUrl, input });
    const common = ["--stream-id", STREAM_ID, "--log-level", flags["log-level"], "--log-format", flags["log-format"]];
    try {
      const leader = startNode("leader", [
        "moq-publish", "--hdhr", simA.host, "--channel", CHANNEL, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false", ...common,
      ], children);
      // A stop during start-up must not wait for the nodes to come up (or for ever, if one never does).
      const leaderAddr = await Promise.race([leader.line(0).catch(stopIfSignalled), stopped]);
      if (leaderAddr === STOPPED) return 0;
      log.info("leader (antenna A, manifests only)", { endpoint: leaderAddr, signer: pk });
      // The second antenna's node joins later, as another operator's would: it converges on the
      // leader's chunk grid by itself and publishes only what the leader signed.
      if ((await Promise.race([sleepMs(FOLLOWER_JOINS_AFTER_MS), stopped])) === STOPPED) return 0;
      const followerStatsPath = join(out, "follower-stats.json");
      const follower = startNode("follower", [
        "moq-publish", "--hdhr", simB.host, "--channel", CHANNEL, "--follow", leaderAddr, "--trusted-key", pk,
        "--stats-json", followerStatsPath, ...common,
      ], children);
      const followerAddr = await Promise.race([follower.line(0).catch(stopIfSignalled), stopped]);
      if (followerAddr === STOPPED) return 0;
      log.info("follower (antenna B, the leader's objects)", { endpoint: followerAddr });
      // One relay hop without a tuner: verifies against the leader's manifests before forwarding.
      const hopStatsPath = join(out, "relay-stats.json");
      // It also serves the browser page, pointed at itself (objects and manifests) and the follower (objects).
      const hop = startNode("relay-hop", [
        "relay", "--remote", followerAddr, "--remote-manifests", leaderAddr, "--trusted-key", pk, "--stats-json", hopStatsPath,
        ...(webDir !== undefined && webListen !== undefined ? ["--serve-web", webListen, "--web-dir", webDir, "--web-object-peer", followerAddr] : []),
        ...common,
      ], children);
      const hopAddr = await Promise.race([hop.line(0).catch(stopIfSignalled), stopped]);
      if (hopAddr === STOPPED) return 0;
      log.info("relay hop (ec-node relay)", { endpoint: hopAddr });
      // With --serve-web the hop's second stdout line is the page's URL.
      const pageUrl = webDir !== undefined ? await Promise.race([hop.line(1).catch(stopIfSignalled), stopped]) : undefined;
      if (pageUrl === STOPPED) return 0;
      // The subscriber starts at the live edge once the follower serves it (its objects begin where it joined).
      const serving = await Promise.race([untilFollowerPublishes(followerStatsPath, follower.exit), stopped]);
      if (serving === STOPPED) return 0;
      const statsPath = join(out, "stats.json");
      const sub = startNode("subscriber", [
        "moq-subscribe", "--remote", hopAddr, "--remote-manifests", hopAddr, "--trusted-key", pk, "--hls-dir", hlsDir, "--backfill", "1",
        // A bounded run keeps every segment (an event playlist to replay); an open-ended one a live window.
        ...(durationMs !== undefined ? ["--hls-window", "0", "--stop-after", `${durationMs}ms`] : ["--hls-window", "10"]),
        ...(watchListen !== undefined ? ["--serve-http", watchListen, "--relay-stats", hopStatsPath] : []),
        "--stats-json", statsPath, ...common,
      ], children);
      // With --serve-http the subscriber's first stdout line is the page's URL.
      const watchUrl = watchListen !== undefined ? await Promise.race([sub.line(0).catch(stopIfSignalled), stopped]) : undefined;
      if (watchUrl === STOPPED) return 0;
      process.stdout.write(
        [
          "",
          `every.channel demo: one live broadcast, two antennas -> leader (manifests) + follower (objects) -> relay hop -> subscriber`,
          ...(watchUrl ? [`  watch:     ${watchUrl}   (open in a browser)`] : []),
          ...(pageUrl
            ? [`  browser:   ${pageUrl}   (verifying peer page: the browser checks every byte itself)`]
            : webListen !== undefined
              ? ["  browser:   (this ec-node has no bundled browser page; --web-dir <dir> serves one)"]
              : []),
          `  HLS:       ${join(hlsDir, "index.m3u8")}`,
          `  play:      ffplay ${join(hlsDir, "index.m3u8")}   (or any HLS player)`,
          `  counters:  ${statsPath}`,
          `  leader:    ${leaderAddr}`,
          `  follower:  ${followerAddr}   (antenna B, serves the leader's objects; counters ${followerStatsPath})`,
          `  hop:       ${hopAddr}   (ec-node relay, verifies then forwards; counters ${hopStatsPath})`,
          `  signer:    ${pk}`,
          durationMs !== undefined ? `  stops after ${Math.round(durationMs / 1000)} s of verified media (Ctrl-C stops sooner)` : "  running until Ctrl-C",
          "",
        ].join("\n") + "\n",
      );
      const first = await Promise.race([sub.exit, stopped]);
      // Stopped: the subscriber finishes its playlist (ENDLIST) and stats before the summary is read.
      const code = first === STOPPED ? (await stopChild(sub, log), 130) : first;
      let summary = "";
      try {
        const s = JSON.parse(readFileSync(statsPath, "utf8"));
        summary = `${s.segments} segments, ${Number(s.mediaSeconds).toFixed(1)} s verified; objects accepted ${s.objects.accepted}, rejected ${formatCounts(s.objects.rejected ?? {})}; manifests accepted ${s.manifests.accepted}, rejected ${formatCounts(s.manifests.rejected ?? {})}`;
      } catch {
        summary = "(no stats)";
      }
      // A subscriber killed by SIGINT/SIGTERM was stopped too: the signal reached the whole process
      // group (timeout, systemd, Ctrl-C) and, just started, it had no handler yet; its exit can be
      // seen before the demo's own handler runs.
      if (code !== 0 && code !== 130 && !diedOfStopSignal(code)) throw new CommandError(`subscriber exited with code ${code}; see its log above`);
      process.stdout.write(`done: ${summary}\n  HLS: ${join(hlsDir, "index.m3u8")}\n`);
      return 0;
    } finally {
      await Promise.all(children.map((c) => stopChild(c, log)));
      await Promise.all(sims.map((s) => s.close()));
    }
  },
});

const STOPPED = Symbol("stopped");

/** A node that died of SIGINT/SIGTERM before it was ready: the stop reached it first. */
class NodeStopped extends Error {
  constructor(role: string) {
    super(`${role} stopped by a signal before it was ready`);
  }
}

/** For a start-up wait: a node stopped by a signal means the demo is being stopped. */
function stopIfSignalled(err: unknown): typeof STOPPED {
  if (err instanceof NodeStopped) return STOPPED;
  throw err;
}

function diedOfStopSignal(code: number): boolean {
  return code === 128 + osConstants.signals.SIGINT || code === 128 + osConstants.signals.SIGTERM;
}

/** The follower (antenna B) joins this long after the leader, as an independent operator would. */
const FOLLOWER_JOINS_AFTER_MS = 3000;

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Resolves once the follower's stats say it published an object; rejects if it exits first. */
async function untilFollowerPublishes(statsPath: string, exit: Promise<number>): Promise<void> {
  let exited: number | undefined;
  void exit.then((code) => (exited = code));
  for (;;) {
    if (exited !== undefined) throw new CommandError(`follower exited with code ${exited} before it served an object; see its log above`);
    try {
      if ((JSON.parse(readFileSync(statsPath, "utf8"))?.follow?.published ?? 0) > 0) return;
    } catch {
      /* not written yet */
    }
    await sleepMs(200);
  }
}

/** How long a node may take to finish after SIGTERM before it is killed (its shutdown is normally instant). */
const STOP_GRACE_MS = 10_000;

interface Child {
  role: string;
  proc: ChildProcess;
  /** Settles when the process has exited, however (listened for from the spawn on, so it cannot be missed). */
  exit: Promise<number>;
  /** Stdout line `n` (0: the EndpointAddr or URL a node prints first); rejects if the node exits first. */
  line(n: number): Promise<string>;
}

/**
 * Stops a node: SIGTERM, then SIGKILL if it has not exited within {@link STOP_GRACE_MS}. Waits on the
 * exit promise, never on a fresh "exit" listener or `exitCode`: a child killed by a signal has
 * `exitCode === null` and has already emitted "exit", so waiting for another one hung the demo
 * until SIGKILL (the stop signal reaches the whole process group, children included).
 */
async function stopChild(c: Child, log: ReturnType<typeof loggerFrom>): Promise<void> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGTERM");
  const timer = setTimeout(() => {
    log.warn("node did not stop after SIGTERM; killing it", { role: c.role, pid: c.proc.pid });
    c.proc.kill("SIGKILL");
  }, STOP_GRACE_MS);
  await c.exit;
  clearTimeout(timer);
}

/** Spawns `ec-node <args>`; its stderr log lines are forwarded with a role prefix. */
function startNode(role: string, args: string[], children: Child[]): Child {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  createInterface({ input: proc.stderr! }).on("line", (line) => process.stderr.write(`[${role}] ${line}\n`));
  const reader = createInterface({ input: proc.stdout! });
  // "exit" and not "close": "close" also waits for the pipes, which a grandchild could hold open.
  // Killed by a signal: 128 + its number, as a shell reports it.
  const exit = new Promise<number>((r) => proc.once("exit", (code, sig) => r(code ?? (sig ? 128 + (osConstants.signals[sig] ?? 0) : 1))));
  const seen: string[] = [];
  const waiting: Array<{ n: number; resolve: (l: string) => void }> = [];
  reader.on("line", (l) => {
    seen.push(l.trim());
    for (const w of waiting.filter((x) => x.n < seen.length)) w.resolve(seen[w.n]!);
  });
  const line = (n: number) =>
    new Promise<string>((resolveLine, rejectLine) => {
      if (n < seen.length) return resolveLine(seen[n]!);
      waiting.push({ n, resolve: resolveLine });
      void exit.then((code) => rejectLine(diedOfStopSignal(code) ? new NodeStopped(role) : new CommandError(`${role} exited with code ${code} before it was ready`)));
    });
  const child = { role, proc, line, exit };
  children.push(child);
  return child;
}

/**
 * The listen address for a `--serve-http`/`--serve-web` value, or undefined for `off`. A busy port
 * (another demo, anything else on 8080) should not stop this demo: it takes a free port then.
 */
async function listenOrFreePort(flag: string, value: string, log: ReturnType<typeof loggerFrom>): Promise<string | undefined> {
  if (value === "off") return undefined;
  let where;
  try {
    where = parseWatchListen(value);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
  if (where.port === 0 || (await portIsFree(where.host, where.port))) return value;
  log.info("port busy; using a free one", { flag: `--${flag}`, wanted: value });
  return `${where.host.includes(":") ? `[${where.host}]` : where.host}:0`;
}

/** Whether `host:port` can be bound right now (the port is probed, then released). */
function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once("error", () => resolveFree(false));
    probe.listen(port, host, () => probe.close(() => resolveFree(true)));
  });
}
