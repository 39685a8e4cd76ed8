// A third-party subscriber that uses none of our code: only @moq/lite, @moq/qmux and ws, following
// docs/protocol/transport.md. argv[2] is JSON: { url, streamId, track, mode: "qmux" | "legacy", count }
// "qmux": a @moq/qmux 0.3 client session passed as {transport}; "legacy": @moq/lite's own WebSocket
// fallback (its bundled qmux 0.0.6), with `ws` as the global WebSocket.
// Prints {"type":"item", seq, bytes: base64} per group, then {"type":"done"}; a refused subscription
// prints {"type":"error", message, code?} instead.
import { Connection, Path } from "@moq/lite";
import Session from "@moq/qmux";
import WebSocket from "ws";

// Node 20 polyfills that @moq/lite needs (ES2024/2025 built-ins).
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};
Set.prototype.difference ??= function (other) {
  return new Set([...this].filter((v) => !other.has(v)));
};
console.debug = () => {};
console.log = (...a) => process.stderr.write(a.join(" ") + "\n");
console.warn = console.log;

const o = JSON.parse(process.argv[2]);
const url = new URL(o.url);
// Node 20 has no global WebSocket; both client paths construct one from the URL.
globalThis.WebSocket ??= WebSocket;
let conn;
if (o.mode === "legacy") {
  conn = await Connection.connect(url);
} else {
  const session = new Session(url, { protocols: ["moq-lite-04"], versions: { "moq-lite-04": null } });
  await session.ready;
  conn = await Connection.connect(url, { transport: session });
}
process.stdout.write(JSON.stringify({ type: "connected", version: conn.version }) + "\n");
const broadcast = conn.consume(Path.from(`ec/${o.streamId}`));
const track = broadcast.subscribe(o.track, 0);
let n = 0;
for (;;) {
  let group;
  try {
    group = await track.recvGroup();
  } catch (err) {
    // A refused subscription (e.g. a track the node does not serve): say so and stop.
    const code = err?.streamErrorCode ?? err?.code;
    process.stdout.write(JSON.stringify({ type: "error", message: String(err?.message ?? err), ...(code === undefined ? {} : { code: Number(code) }) }) + "\n");
    process.exit(0);
  }
  if (!group) break;
  const frame = await group.readFrame();
  if (!frame) continue;
  process.stdout.write(JSON.stringify({ type: "item", seq: group.sequence, bytes: Buffer.from(frame).toString("base64") }) + "\n");
  if (++n >= o.count) break;
}
process.stdout.write(JSON.stringify({ type: "done" }) + "\n");
conn.close();
process.exit(0);
