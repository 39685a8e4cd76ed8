// Many subscribers of one stream's chunks track in one process, for the fan-out bench.
// argv[2] is JSON: { kind: "ec", remote, streamId } (our subscribeTrack: identity check, dedupe,
// resume) or { kind: "raw", port, streamId } (plain @moq/lite, none of our code).
// Commands on stdin, one per line:
//   add <n>   open n more subscriptions; prints {type:"added", clients} once all are connected
//   report    prints {type:"report", clients, frames: [per client], bytes}
import { subscribeTrack } from "@ec/moq-transport";
import { emit, rawConnect, rawFrames } from "./raw-moq.mjs";

const o = JSON.parse(process.argv[2]);
const frames = [];
let bytes = 0;
const ac = new AbortController();
/** subscribeTrack events by type (connected, disconnected, reconnecting, ...), to explain a shortfall. */
const events = {};

async function openOne(i) {
  if (o.kind === "ec") {
    let connected;
    const ready = new Promise((r) => (connected = r));
    void (async () => {
      for await (const item of subscribeTrack({
        remote: o.remote,
        streamId: o.streamId,
        track: "chunks",
        signal: ac.signal,
        onEvent: (e) => {
          events[e.type] = (events[e.type] ?? 0) + 1;
          if (e.type === "connected") connected();
        },
      })) {
        frames[i]++;
        bytes += item.bytes.length;
      }
    })().catch((err) => emit({ type: "error", client: i, message: String(err?.message ?? err) }));
    await ready;
  } else {
    const conn = await rawConnect(o.port);
    void rawFrames(conn, o.streamId, "chunks", (_seq, f) => {
      frames[i]++;
      bytes += f.length;
    }).catch((err) => emit({ type: "error", client: i, message: String(err?.message ?? err) }));
  }
}

let buf = "";
let queue = Promise.resolve();
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const [cmd, arg] = buf.slice(0, nl).trim().split(/\s+/);
    buf = buf.slice(nl + 1);
    queue = queue.then(async () => {
      if (cmd === "add") {
        const from = frames.length;
        for (let k = 0; k < Number(arg); k++) frames.push(0);
        // A few at a time: a burst of 50 handshakes at once is not what is being measured.
        for (let i = from; i < frames.length; i += 10) {
          await Promise.all(frames.slice(i, Math.min(i + 10, frames.length)).map((_, j) => openOne(i + j)));
        }
        emit({ type: "added", clients: frames.length });
      } else if (cmd === "report") {
        emit({ type: "report", clients: frames.length, frames: [...frames], bytes, events });
      }
    });
  }
});
process.stdin.on("end", () => {
  ac.abort();
  process.exit(0);
});
emit({ type: "ready" });
