// Raw @moq/lite over ws + @moq/qmux, with none of our code: the baseline side of the mesh benches.
// The libraries are resolved from packages/moq-transport (the workspace package that depends on
// them), so the baseline runs the very same @moq/lite, @moq/qmux and ws builds as our nodes.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const fromTransport = createRequire(fileURLToPath(new URL("../../../../packages/moq-transport/package.json", import.meta.url)));
const load = async (name) => import(pathToFileURL(fromTransport.resolve(name)).href);

// Node 20 lacks two built-ins @moq/lite 0.2.2 calls (docs/protocol/transport.md).
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};
Set.prototype.difference ??= function (other) {
  return new Set([...this].filter((v) => !other.has(v)));
};
// @moq/lite logs every stream through console.*; stdout is for our JSON records.
for (const m of ["debug", "log", "info", "warn"]) console[m] = () => {};

// EC_RAW_MOQ_LITE=<index.js>: the unpatched @moq/lite made by lib/pristine-moq-lite.ts, for the
// "raw, unpatched" baseline; otherwise the installed (patched) one our nodes run.
const lite = process.env.EC_RAW_MOQ_LITE ? await import(pathToFileURL(process.env.EC_RAW_MOQ_LITE).href) : await load("@moq/lite");
const { Broadcast, Connection, Group, Path } = lite;
const qmux = await load("@moq/qmux");
const Session = qmux.default;
const { selectSubprotocol } = qmux;
const WebSocket = (await load("ws")).default;
const { WebSocketServer } = WebSocket;
globalThis.WebSocket ??= WebSocket;

// The qmux receive windows our dialer configures (packages/moq-transport/src/dial.ts), so the
// baseline client differs from ours only by our layer, not by flow control.
const DIAL_CONFIG = {
  maxStreamsBidi: 16n,
  maxStreamsUni: 32n,
  maxData: 16n * 1024n * 1024n,
  maxStreamDataUni: 4n * 1024n * 1024n,
  maxStreamDataBidiLocal: 64n * 1024n,
  maxStreamDataBidiRemote: 64n * 1024n,
};

/** Prints one JSON record on stdout, stamped with this machine's clock. */
export function emit(record) {
  process.stdout.write(JSON.stringify({ ts: Date.now(), ...record }) + "\n");
}

/**
 * A raw moq-lite publisher on 127.0.0.1:0 serving broadcast `ec/<streamId>`: one Broadcast per
 * session (0.2.2 closes a Broadcast with its session), every requested track handed to onTrack.
 * Resolves with the port.
 */
export async function rawServer(streamId, onTrack) {
  const http = createServer();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) =>
      selectSubprotocol([...offered], { protocols: ["moq-lite-04"], versions: { "moq-lite-04": null } }) ?? false,
  });
  http.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, async (ws) => {
      ws.on("error", () => {});
      try {
        const session = Session.accept(ws);
        await session.ready;
        const conn = await Connection.accept(session, new URL("http://127.0.0.1/moq"));
        const b = new Broadcast();
        conn.publish(Path.from(`ec/${streamId}`), b);
        for (;;) {
          const req = await b.requested();
          if (!req) break;
          onTrack(req.track);
        }
      } catch {
        // a client went away mid-handshake
      }
    }),
  );
  await new Promise((r) => http.listen(0, "127.0.0.1", r));
  return http.address().port;
}

/** Publishes one group of one frame on `track`; false when the track is gone. */
export function publishFrame(track, frame) {
  try {
    const g = track.appendGroup();
    g.writeFrame(frame);
    g.close();
    return true;
  } catch {
    return false;
  }
}

/** Publishes one group of one frame at sequence `seq` (as a forwarder keeps its upstream's seqs); false when the track is gone. */
export function publishFrameAt(track, seq, frame) {
  try {
    const g = new Group(seq);
    g.writeFrame(frame);
    g.close();
    track.writeGroup(g);
    return true;
  } catch {
    return false;
  }
}

/** A raw moq-lite client session to 127.0.0.1:port, the way docs/protocol/transport.md describes. */
export async function rawConnect(port) {
  const url = new URL(`http://127.0.0.1:${port}/moq`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/moq`, ["qmux-02.moq-lite-04"], { perMessageDeflate: false });
  ws.on("error", () => {});
  const session = await new Promise((resolve, reject) => {
    // Adopt the socket inside the upgrade event, before qmux's first frame can arrive unheard.
    ws.once("upgrade", () => resolve(new Session(ws, { config: DIAL_CONFIG })));
    ws.once("error", reject);
  });
  await session.ready;
  return Connection.connect(url, { transport: session });
}

/**
 * Calls onFrame(seq, bytes) for every group of `track` until stop() returns true.
 *
 * Our nodes end each subscription after 64 groups (docs/protocol/transport.md) and the client
 * must resubscribe from the next seq. A plain @moq/lite 0.2.2 client does not notice that end
 * (recvGroup keeps waiting: seen here, see docs/PERFORMANCE.md), so against our nodes pass
 * rotateAfter = 64 and the client resubscribes by count instead.
 */
export async function rawFrames(conn, streamId, track, onFrame, stop = () => false, rotateAfter = Infinity) {
  const broadcast = conn.consume(Path.from(`ec/${streamId}`));
  let name = track;
  while (!stop()) {
    const sub = broadcast.subscribe(name, 0);
    let last = -1;
    let n = 0;
    try {
      while (n < rotateAfter) {
        const g = await sub.recvGroup().catch(() => undefined);
        if (!g) break;
        const f = await g.readFrame().catch(() => undefined);
        g.close();
        n++;
        if (!f) continue;
        last = Math.max(last, g.sequence);
        await onFrame(g.sequence, f);
        if (stop()) return;
      }
    } finally {
      sub.close();
    }
    if (last < 0) await new Promise((r) => setTimeout(r, 50));
    else name = `${track}?from=${last + 1}`;
  }
}

/** Exits when the parent closes our stdin (the bench is over or gave up). */
export function exitWithParent() {
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}
