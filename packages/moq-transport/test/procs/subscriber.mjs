// A subscriber. argv[2] is JSON: { subs: [{remote, streamId, track, fromSeq?, allowInsecure?, size}], reconnect? }
// Prints {"type":"item", track, seq, len, ok} per group, {"type":"event", ...} per event,
// {"type":"error", track, code, message} when a subscription throws, {"type":"end", track} when it ends.
import { subscribeTrack } from "../../dist/index.js";
import { checkPayload, emit, serveStats } from "./payload.mjs";

const o = JSON.parse(process.argv[2]);
const ac = new AbortController();
let received = 0;
serveStats(() => ({ received }));
process.on("SIGTERM", () => ac.abort());
emit({ type: "ready" });
await Promise.all(
  o.subs.map(async (s) => {
    try {
      const it = subscribeTrack({
        ...s,
        signal: ac.signal,
        reconnect: o.reconnect ?? { minDelayMs: 50, maxDelayMs: 400 },
        onEvent: (e) => emit({ type: "event", track: s.track, event: e.type, detail: e.detail }),
      });
      for await (const { seq, bytes } of it) {
        received++;
        emit({ type: "item", track: s.track, seq, len: bytes.length, ok: checkPayload(s.track, seq, bytes, s.size ?? 1000) });
      }
      emit({ type: "end", track: s.track });
    } catch (err) {
      emit({ type: "error", track: s.track, code: err.code, name: err.name, message: err.message });
    }
  }),
);
