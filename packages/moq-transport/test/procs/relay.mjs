// A relay. argv[2] is JSON: { listen?, streamId, upstreams: [{remote, tracks}], serve, size, verify: "manifest"|"none", allowInsecure?, limits? }
// With verify "manifest", a chunk is forwarded only once the manifest for its seq arrived and its
// sha256 matches (the subscriber's manifest check, in miniature). Answers "stats" on stdin.
import { createRelay } from "../../dist/index.js";
import { emit, serveStats, sha256 } from "./payload.mjs";

const o = JSON.parse(process.argv[2]);
const manifests = new Map(); // seq -> chunk hash
const waiters = new Map(); // seq -> resolve[]
const verify =
  o.verify === "manifest"
    ? async (item) => {
        if (item.track === "manifests") {
          const m = JSON.parse(new TextDecoder().decode(item.bytes));
          if (m.seq !== item.seq) return false;
          manifests.set(item.seq, m.chunk);
          for (const w of waiters.get(item.seq) ?? []) w();
          waiters.delete(item.seq);
          return true;
        }
        if (!manifests.has(item.seq)) {
          // Wait (bounded) for the manifest that vouches for this chunk.
          await new Promise((resolve) => {
            const list = waiters.get(item.seq) ?? [];
            list.push(resolve);
            waiters.set(item.seq, list);
            setTimeout(resolve, 5000);
          });
        }
        return manifests.get(item.seq) === sha256(item.bytes);
      }
    : undefined;
const relay = await createRelay({
  listen: o.listen,
  allowInsecure: o.allowInsecure,
  limits: o.limits,
  streams: [{ streamId: o.streamId, upstreams: o.upstreams, serve: o.serve, window: o.window }],
  verify,
  onEvent: (e) => emit({ type: "event", track: e.track, event: e.type, detail: e.detail }),
});
serveStats(() => ({ stats: relay.node.stats, relay: relay.stats }));
emit({ type: "ready", endpoint: relay.endpoint });
