// A hostile peer, built from @moq/lite + @moq/qmux + ws only (no code of ours). argv[2] is JSON:
//  { mode: "flood", port, streamId, sessions, subsPerSession, announcesPerSession }
//      many sessions, each with many subscriptions (valid, unserved and unknown) and announce interests.
//  { mode: "stall", port, streamId, sessions }
//      sessions that subscribe to chunks from seq 0 and then stop reading the socket.
//  { mode: "server", behaviour, streamId, ... }  a listener (no identity: dial it as host:port) that
//      answers a chunks subscription badly, per behaviour:
//      "oversize"    frames of frameBytes each, every intervalMs, `parallel` groups at a time (default 1);
//      "no-upgrade"  accepts TCP and never answers the WebSocket upgrade;
//      "no-group"    accepts the session and the subscription, never sends a group;
//      "stall-frame" sends the group asked for, whose frame (frameBytes, default 16 KiB) stops half way, forever;
//      "old-seqs"    serves the three seqs just below the subscription's start (random bytes), over and over.
//  { mode: "oversize-server", ... } is { mode: "server", behaviour: "oversize", ... }.
// Prints {"type":"ready", ...} then {"type":"done", ...} (client modes).
import { createServer } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { randomBytes } from "node:crypto";
import { Broadcast, Connection, Group, Path } from "@moq/lite";
import Session, { selectSubprotocol } from "@moq/qmux";
import WebSocket, { WebSocketServer } from "ws";

Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};
Set.prototype.difference ??= function (other) {
  return new Set([...this].filter((v) => !other.has(v)));
};
for (const m of ["debug", "log", "info", "warn", "error"]) console[m] = () => {};
process.on("unhandledRejection", () => {});
globalThis.WebSocket ??= WebSocket;
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const o = JSON.parse(process.argv[2]);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));

async function open(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/moq`, ["qmux-02.moq-lite-04"]);
  ws.on("error", () => {});
  // Adopt the socket inside the upgrade event, before qmux's first frame can arrive unheard.
  const session = await new Promise((resolve, reject) => {
    ws.once("upgrade", () => resolve(new Session(ws)));
    ws.once("unexpected-response", (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
  });
  await session.ready;
  const conn = await Connection.connect(new URL(`http://127.0.0.1:${port}/moq`), { transport: session });
  return { ws, session, conn };
}

if (o.mode === "flood") {
  emit({ type: "ready" });
  let opened = 0, refused = 0, subs = 0;
  const held = [];
  await Promise.all(
    Array.from({ length: o.sessions }, async () => {
      try {
        const s = await open(o.port);
        opened++;
        held.push(s);
        const b = s.conn.consume(Path.from(`ec/${o.streamId}`));
        const other = s.conn.consume(Path.from(`ec/no-such-stream`));
        for (let i = 0; i < o.subsPerSession; i++) {
          // Valid names use the small manifests track: the point is many subscriptions, not bandwidth.
          const name = i % 3 === 0 ? "manifests?from=0" : i % 3 === 1 ? "bogus-track" : "manifests";
          (i % 5 === 4 ? other : b).subscribe(name, 0);
          subs++;
        }
        for (let i = 0; i < o.announcesPerSession; i++) s.conn.announced(Path.from("ec"));
      } catch {
        refused++;
      }
    }),
  );
  emit({ type: "done", opened, refused, subs });
} else if (o.mode === "stall") {
  emit({ type: "ready" });
  let opened = 0;
  const held = [];
  for (let i = 0; i < o.sessions; i++) {
    const s = await open(o.port);
    held.push(s);
    s.conn.consume(Path.from(`ec/${o.streamId}`)).subscribe("chunks?from=0", 0);
    opened++;
  }
  // Give the subscriptions a moment to reach the node, then stop reading: TCP backs up.
  await new Promise((r) => setTimeout(r, 200));
  for (const s of held) s.ws._socket.pause();
  emit({ type: "done", opened });
} else if (o.mode === "server" && o.behaviour === "no-upgrade") {
  const held = [];
  const tcp = createTcpServer((sock) => {
    held.push(sock);
    sock.on("error", () => {});
    sock.resume(); // read and ignore the upgrade request: never answer it
  });
  tcp.listen(0, "127.0.0.1", () => emit({ type: "ready", port: tcp.address().port }));
  setInterval(() => emit({ type: "progress", held: held.length }), 500);
} else if (o.mode === "server" && o.behaviour !== "oversize") {
  // "no-group", "stall-frame", "old-seqs": a real moq-lite session that misbehaves once subscribed.
  let subscriptions = 0;
  let served = 0;
  moqServer(o.behaviour === "stall-frame" ? stallingTransport : (session) => session, async (b) => {
        for (;;) {
          const req = await b.requested();
          if (!req) break;
          subscriptions++;
          if (o.behaviour === "no-group") continue; // accepted (moq-lite answers SUBSCRIBE_OK), never served
          if (o.behaviour === "stall-frame") {
            // The very seq asked for, so a per-seq size limit cannot refuse it: it just never ends.
            const g = new Group(Number(/from=(\d+)/.exec(req.track.name)?.[1] ?? 0));
            req.track.writeGroup(g);
            g.writeFrame(new Uint8Array(o.frameBytes ?? 16 * 1024));
            served++;
            continue; // never closed: its bytes stop half way (stallingTransport)
          }
          // The three seqs just below the subscription's start: ones the subscriber already has.
          const from = Number(/from=(\d+)/.exec(req.track.name)?.[1] ?? 0);
          void (async () => {
            for (let round = 0; !req.track.state.closed.peek(); round++) {
              for (let seq = Math.max(0, from - 3); seq < from; seq++) {
                const g = new Group(seq);
                try {
                  req.track.writeGroup(g);
                } catch {
                  return;
                }
                g.writeFrame(new Uint8Array(randomBytes(1000)));
                g.close();
                served++;
              }
              await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
            }
          })();
        }
  });
  setInterval(() => emit({ type: "progress", subscriptions, served }), 500);
} else if (o.mode === "oversize-server" || (o.mode === "server" && o.behaviour === "oversize")) {
  const big = new Uint8Array(o.frameBytes);
  let served = 0;
  moqServer((session) => session, async (b) => {
        for (;;) {
          const req = await b.requested();
          if (!req) break;
          void (async () => {
            for (let seq = 0; ; seq++) {
              for (let k = 0; k < (o.parallel ?? 1); k++) {
                const g = req.track.appendGroup();
                g.writeFrame(big);
                g.close();
                served++;
              }
              await new Promise((r) => setTimeout(r, o.intervalMs ?? 20));
              if (req.track.state.closed.peek()) return;
            }
          })();
        }
  });
  setInterval(() => emit({ type: "progress", served }), 500);
}

/**
 * A real moq-lite node on a free loopback port (ws + qmux, `moq-lite-04`) that publishes the
 * stream's broadcast on every session and hands it to `serve` (which answers its subscriptions);
 * `wrap` may replace the session's transport (e.g. one that stalls). Emits "ready" with the port.
 */
function moqServer(wrap, serve) {
  const http = createServer();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      selectSubprotocol([...offered], { protocols: ["moq-lite-04"], versions: { "moq-lite-04": null } }) ?? false,
  });
  http.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, async (ws) => {
      ws.on("error", () => {});
      try {
        const session = Session.accept(ws);
        await session.ready;
        const conn = await Connection.accept(wrap(session), new URL("http://x/moq"));
        const b = new Broadcast();
        conn.publish(Path.from(`ec/${o.streamId}`), b);
        await serve(b);
      } catch {}
    }),
  );
  http.listen(0, "127.0.0.1", () => emit({ type: "ready", port: http.address().port }));
}

/**
 * A qmux session whose unidirectional (group) streams pass the first half of any large write and
 * then never complete it: a peer that stalls mid-object while the session stays up.
 */
function stallingTransport(session) {
  return new Proxy(session, {
    get(target, prop) {
      if (prop === "createUnidirectionalStream") {
        return async (opts) => {
          const w = (await target.createUnidirectionalStream(opts)).getWriter();
          return new WritableStream({
            async write(chunk) {
              if (chunk.byteLength < 4096) return w.write(chunk);
              await w.write(chunk.subarray(0, chunk.byteLength >> 1));
              await new Promise(() => {}); // the rest never comes
            },
          });
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
