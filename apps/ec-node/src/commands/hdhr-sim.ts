import { existsSync } from "node:fs";
import { createFakeHdhr, parseDamageSpec, DamageSpecError, MAX_DEVICE_PROFILE, formatDamageSpec } from "@ec/hdhr-capture";
import type { DamageBurst, DamageSpec } from "@ec/hdhr-capture";
import { msFromTicks } from "@ec/stream-rules";
import { UsageError } from "../flags.js";
import { LOG_FLAGS, loggerFrom, onStopSignal } from "../common.js";
import { defineCommand } from "../command.js";

/** `--clock-origin`: Unix milliseconds, or an ISO 8601 date-time with a zone. */
function parseClockOrigin(text: string): number {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isSafeInteger(ms)) throw new UsageError(`--clock-origin takes Unix ms or an ISO date-time with a zone, not ${JSON.stringify(text)}`);
  return ms;
}

export const hdhrSim = defineCommand({
  name: "hdhr-sim",
  summary:
    "Run a fake HDHomeRun on loopback serving a TS recording; prints its base URL.\n" +
    "Default: each stream plays the recording from its start, paced (--speed) and looped; TunerCount and tuner errors behave like a device.\n" +
    "--live: one ongoing broadcast on a shared clock: a client joins at the current position, so sims started at different\n" +
    "moments on the same file and options are the same broadcast seen by different antennas (see docs/USAGE.md).",
  usage:
    "ec-node hdhr-sim --input rec.ts [--listen 127.0.0.1:0] [--speed 1] [--tuners 2] " +
    "[--live [--clock-origin 0] [--device-profile 0] [--damage seed=<n>[,every=<s>][,burst=<packets>][,mode=tei|drop|mix]]]",
  flags: {
    input: { kind: "string", value: "<file.ts>", help: "MPEG-TS recording to serve", required: true },
    listen: { kind: "string", value: "<host:port>", help: "address to listen on", default: "127.0.0.1:0" },
    speed: { kind: "number", value: "<x>", help: "pacing speed factor (1 = real time); with --live, sims must agree on it", default: 1 },
    tuners: { kind: "int", value: "<n>", help: "TunerCount: concurrent streams before 805 All Tuners In Use", default: 2 },
    channel: { kind: "string", value: "<GuideNumber>", help: "the one channel served", default: "5.1" },
    live: { kind: "boolean", help: "serve one ongoing broadcast on a shared clock (joins at now, loops with continuous timestamps)", default: false },
    "clock-origin": { kind: "string", value: "<unix-ms|ISO>", help: "with --live: when the broadcast was at its start (default 0 = the Unix epoch)" },
    "device-profile": { kind: "int", value: "<n>", help: `with --live: behave like device n of the broadcast (0 = plain; 1..${MAX_DEVICE_PROFILE}: own PSI, nulls or extra PID)` },
    damage: { kind: "string", value: "<spec>", help: "with --live: reception damage, seed=<n>[,every=<s>][,burst=<packets>][,mode=tei|drop|mix]; bursts are logged" },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "hdhr-sim");
    const input = flags.input;
    if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    if (!(flags.speed > 0)) throw new UsageError("--speed must be > 0");
    if (flags.tuners < 1) throw new UsageError("--tuners must be >= 1");
    const live = flags.live;
    const originText = flags["clock-origin"];
    const profile = flags["device-profile"];
    const damageText = flags.damage;
    for (const [name, v] of [["clock-origin", originText], ["device-profile", profile], ["damage", damageText]] as const) {
      if (v !== undefined && !live) throw new UsageError(`--${name} needs --live`);
    }
    if (profile !== undefined && (profile < 0 || profile > MAX_DEVICE_PROFILE)) {
      throw new UsageError(`--device-profile must be from 0 to ${MAX_DEVICE_PROFILE}, got ${profile}`);
    }
    if (live && flags.speed > 1000) throw new UsageError("--speed must be at most 1000 with --live");
    let damage: DamageSpec | undefined;
    if (damageText !== undefined) {
      try {
        damage = parseDamageSpec(damageText);
      } catch (err) {
        if (err instanceof DamageSpecError) throw new UsageError(`--damage: ${err.message}`);
        throw err;
      }
    }
    const clockOriginMs = originText === undefined ? undefined : parseClockOrigin(originText);
    const stop = onStopSignal();
    const onDamage = (b: DamageBurst) =>
      log.info("damage burst", {
        window: b.window,
        mode: b.mode,
        fromPacket: b.fromPacket,
        packets: b.packets,
        programPackets: b.programPackets,
        onAirMs: b.onAirMs,
        afterKeyframePts: b.afterKeyframePts,
        keyframesHit: b.keyframesHit.join(",") || "none",
      });
    const sim = await createFakeHdhr({
      input,
      listen: flags.listen,
      speed: flags.speed,
      tunerCount: flags.tuners,
      channels: [{ guideNumber: flags.channel, guideName: "EC-SIM" }],
      ...(live
        ? { live: true, deviceProfile: profile ?? 0, ...(clockOriginMs !== undefined ? { clockOriginMs } : {}), ...(damage ? { damage, onDamage } : {}) }
        : {}),
    });
    process.stdout.write(sim.baseUrl + "\n");
    log.info("fake tuner listening", {
      baseUrl: sim.baseUrl,
      channel: flags.channel,
      input,
      ...(sim.broadcast
        ? {
            live: true,
            clockOriginMs: sim.broadcast.clockOriginMs,
            deviceProfile: sim.broadcast.profile.profile,
            loopMs: msFromTicks(sim.broadcast.loopTicks),
            damage: damage ? formatDamageSpec(damage) : "none",
          }
        : {}),
    });
    await new Promise<void>((r) => stop.signal.addEventListener("abort", () => r(), { once: true }));
    await sim.close();
    log.info("fake tuner stopped");
    return 0;
  },
});
