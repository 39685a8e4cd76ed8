import { open, rename, rm } from "node:fs/promises";
import { openStream, HdhrError } from "@ec/hdhr-capture";
import { UsageError } from "../flags.js";
import { CommandError, LOG_FLAGS, loggerFrom, onStopSignal } from "../common.js";
import { defineCommand } from "../command.js";

export const capture = defineCommand({
  name: "capture",
  summary: "Record a channel from an HDHomeRun (or hdhr-sim) into a TS file.\nUses the tuner's duration query; the file appears only when complete.",
  usage: "ec-node capture --hdhr <host[:port]> --channel <GuideNumber> --duration <dur> --out rec.ts",
  flags: {
    hdhr: { kind: "string", value: "<host[:port]>", help: "the tuner", required: true },
    channel: { kind: "string", value: "<GuideNumber>", help: "channel, e.g. 5.1", required: true },
    duration: { kind: "duration", value: "<dur>", help: "how long to record", required: true },
    out: { kind: "string", value: "<file.ts>", help: "output file", required: true },
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "capture");
    const out = flags.out;
    const durationMs = flags.duration;
    if (durationMs < 1000) throw new UsageError("--duration must be at least 1s");
    const stop = onStopSignal();
    const tmp = `${out}.partial-${process.pid}`;
    let fh;
    try {
      fh = await open(tmp, "wx", 0o644);
    } catch (err) {
      throw new UsageError(`--out: cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let bytes = 0;
    let lastLog = Date.now();
    try {
      const stream = openStream(flags.hdhr, flags.channel, {
        durationS: Math.ceil(durationMs / 1000),
        signal: stop.signal,
      });
      for await (const data of stream) {
        await fh.write(data);
        bytes += data.length;
        if (Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          log.info("recording", { bytes });
        }
      }
      if (stop.signal.aborted) throw new CommandError("interrupted; nothing written");
      if (bytes === 0) throw new CommandError(`tuner ${flags.hdhr} sent no data for channel ${flags.channel}`);
      await fh.sync();
      await fh.close();
      fh = undefined;
      await rename(tmp, out);
      log.info("recorded", { out, bytes });
      process.stdout.write(out + "\n");
      return 0;
    } catch (err) {
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true });
      if (err instanceof HdhrError) throw new CommandError(`tuner ${flags.hdhr} channel ${flags.channel}: ${err.message}`);
      throw err;
    }
  },
});
