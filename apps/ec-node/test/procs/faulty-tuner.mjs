// A fake HDHomeRun (the BUILT @ec/hdhr-capture) that misbehaves mid-capture, in order:
// the first stream stalls after --stall-after-bytes (the connection stays open, no more data),
// the next tune is refused with 503 "805 All Tuners In Use", then it streams normally.
// Prints host:port on stdout.
//   node faulty-tuner.mjs --input rec.ts --channel 5.1 --speed 2 --stall-after-bytes 500000
import { createFakeHdhr } from "@ec/hdhr-capture";

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const sim = await createFakeHdhr({
  input: args.get("input"),
  speed: Number(args.get("speed") ?? 1),
  tunerCount: 2,
  channels: [{ guideNumber: args.get("channel") ?? "5.1", guideName: "EC-FAULTY" }],
});
sim.stallAfterBytes(Number(args.get("stall-after-bytes") ?? 500_000));
process.stdout.write(sim.host + "\n");
// The refusal is for the request after the stalled one: queue it once the first has arrived.
const timer = setInterval(() => {
  if (sim.streamRequests >= 1) {
    sim.failNext(805, "All Tuners In Use", 503);
    clearInterval(timer);
  }
}, 10);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => void sim.close().finally(() => process.exit(0)));
