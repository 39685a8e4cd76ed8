import { existsSync } from "node:fs";
import { createFakeHdhr } from "@ec/hdhr-capture";
import { UsageError } from "../flags.js";
import { LOG_FLAGS, loggerFrom, onStopSignal } from "../common.js";
import type { Command } from "../command.js";

export const hdhrSim: Command = {
  name: "hdhr-sim",
  summary: "Run a fake HDHomeRun on loopback serving a TS recording; prints its base URL.\nThe recording is paced in real time (--speed) and looped; TunerCount and tuner errors behave like a device.",
  usage: "ec-node hdhr-sim --input rec.ts [--listen 127.0.0.1:0] [--speed 1] [--tuners 2]",
  flags: {
    input: { kind: "string", value: "<file.ts>", help: "MPEG-TS recording to serve", required: true },
    listen: { kind: "string", value: "<host:port>", help: "address to listen on", default: "127.0.0.1:0" },
    speed: { kind: "number", value: "<x>", help: "pacing speed factor (1 = real time)", default: 1 },
    tuners: { kind: "int", value: "<n>", help: "TunerCount: concurrent streams before 805 All Tuners In Use", default: 2 },
    channel: { kind: "string", value: "<GuideNumber>", help: "the one channel served", default: "5.1" },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "hdhr-sim");
    const input = flags.input as string;
    if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    if (!((flags.speed as number) > 0)) throw new UsageError("--speed must be > 0");
    if ((flags.tuners as number) < 1) throw new UsageError("--tuners must be >= 1");
    const stop = onStopSignal();
    const sim = await createFakeHdhr({
      input,
      listen: flags.listen as string,
      speed: flags.speed as number,
      tunerCount: flags.tuners as number,
      channels: [{ guideNumber: flags.channel as string, guideName: "EC-SIM" }],
    });
    process.stdout.write(sim.baseUrl + "\n");
    log.info("fake tuner listening", { baseUrl: sim.baseUrl, channel: flags.channel, input });
    await new Promise<void>((r) => stop.signal.addEventListener("abort", () => r(), { once: true }));
    await sim.close();
    log.info("fake tuner stopped");
    return 0;
  },
};
