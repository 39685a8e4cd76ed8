/**
 * Fan-out through one node: objects/s and MB/s (bytes delivered to all subscribers) for N = 1, 10, 50
 * subscribers of 2 MiB objects, beside raw `@moq/lite` over the same WebSocket + qmux path without
 * our layer (no identity check, no window store, no guards), measured in the same run, plus the
 * process memory growth for each. Subscribers run in the same process, so both sides share 2 cores.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Broadcast, Connection, Path, type Track } from "@moq/lite";
import Session, { selectSubprotocol } from "@moq/qmux";
import WebSocket, { WebSocketServer } from "ws";
import { type BenchRow, measure, pseudoRandomBytes } from "../../../scripts/bench-lib.js";
import { MoqNode, subscribeTrack } from "../src/index.js";
// What our dialer configures, so the baseline differs only by our layer, not by flow control.
import { DIAL_CONFIG } from "../src/dial.js";

const OBJECT = 2 * 1024 * 1024;
const payload = pseudoRandomBytes(OBJECT);

/** Waits until every subscriber has seen seq. */
class Progress {
  #seen: number[];
  #waiters: Array<() => void> = [];
  constructor(n: number) {
    this.#seen = new Array(n).fill(-1);
  }
  got(i: number, seq: number) {
    this.#seen[i] = Math.max(this.#seen[i]!, seq);
    for (const w of this.#waiters.splice(0)) w();
  }
  async all(seq: number) {
    while (this.#seen.some((s) => s < seq)) await new Promise<void>((r) => this.#waiters.push(r));
  }
}

interface Setup {
  publish(seq: number): void;
  progress: Progress;
  close(): Promise<void>;
}

async function ours(n: number): Promise<Setup> {
  const node = await MoqNode.listen({ limits: { maxSessions: n + 4 } });
  const server = node.serve("bench", { manifests: false, chunks: true, window: { maxGroups: 8 } });
  const progress = new Progress(n);
  const ac = new AbortController();
  const loops = Array.from({ length: n }, async (_, i) => {
    for await (const { seq } of subscribeTrack({ remote: node.endpoint, streamId: "bench", track: "chunks", signal: ac.signal })) progress.got(i, seq);
  });
  return {
    publish: (seq) => server.publish("chunks", seq, payload),
    progress,
    async close() {
      ac.abort();
      await Promise.allSettled(loops);
      await node.close();
    },
  };
}

async function raw(n: number): Promise<Setup> {
  const http = createServer();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => selectSubprotocol([...offered], { protocols: ["moq-lite-04"], versions: { "moq-lite-04": null } }) ?? false,
  });
  const tracks = new Set<Track>();
  http.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, async (ws) => {
      const session = Session.accept(ws as unknown as Parameters<typeof Session.accept>[0]);
      await session.ready;
      const conn = await Connection.accept(session, new URL("http://x/moq"));
      const b = new Broadcast(); // one per session (0.2.2 closes it with the session)
      conn.publish(Path.from("ec/bench"), b);
      for (;;) {
        const req = await b.requested();
        if (!req) break;
        tracks.add(req.track);
      }
    }),
  );
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const port = (http.address() as AddressInfo).port;
  const progress = new Progress(n);
  const sessions: Session[] = [];
  for (let i = 0; i < n; i++) {
    const url = new URL(`http://127.0.0.1:${port}/moq`);
    // The same client path as ours: a `ws` socket adopted by qmux, same receive windows.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/moq`, ["qmux-02.moq-lite-04"], { perMessageDeflate: false });
    const session = await new Promise<Session>((resolve, reject) => {
      ws.once("upgrade", () => resolve(new Session(ws as unknown as ConstructorParameters<typeof Session>[0], { config: DIAL_CONFIG })));
      ws.once("error", reject);
    });
    await session.ready;
    sessions.push(session);
    const conn = await Connection.connect(url, { transport: session });
    const track = conn.consume(Path.from("ec/bench")).subscribe("chunks", 0);
    void (async () => {
      for (;;) {
        const g = await track.recvGroup().catch(() => undefined);
        if (!g) return;
        const f = await g.readFrame().catch(() => undefined);
        if (f) progress.got(i, g.sequence);
      }
    })();
  }
  while (tracks.size < n) await new Promise((r) => setTimeout(r, 10));
  return {
    publish() {
      // appendGroup numbers groups 0, 1, 2, ... like our seq.
      for (const t of tracks) {
        const g = t.appendGroup();
        g.writeFrame(payload);
        g.close();
      }
    },
    progress,
    async close() {
      for (const s of sessions) s.close();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
      http.closeAllConnections();
    },
  };
}

// JS heap + ArrayBuffers: unlike RSS, freed memory from the previous run does not hide growth.
const mem = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

async function run(make: (n: number) => Promise<Setup>, n: number) {
  const rss0 = mem();
  let peak = rss0;
  const s = await make(n);
  let seq = 0;
  const m = await measure(
    async () => {
      const k = seq++;
      s.publish(k);
      await s.progress.all(k);
      peak = Math.max(peak, mem());
    },
    { bytesPerOp: OBJECT * n, minMs: n >= 50 ? 3000 : 1500, warmupMs: 300 },
  );
  await s.close();
  return { ...m, memMB: (peak - rss0) / 1e6 };
}

export default async function (): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const n of [1, 10, 50]) {
    const base = await run(raw, n);
    const our = await run(ours, n);
    rows.push(
      { name: `2 MiB objects to ${n} subscriber(s)`, value: our.opsPerSec, unit: "objects/s", baselineName: "raw @moq/lite, same ws+qmux path", baseline: base.opsPerSec, goalRatio: 0.8 },
      { name: `2 MiB objects to ${n} subscriber(s), delivered`, value: our.mbPerSec, unit: "MB/s", baselineName: "raw @moq/lite, same ws+qmux path", baseline: base.mbPerSec, goalRatio: 0.8 },
      { name: `peak heap+ArrayBuffer growth, ${n} subscriber(s)`, value: our.memMB, unit: "MB", baselineName: "raw @moq/lite", baseline: base.memMB, note: "node and subscribers share the process" },
    );
  }
  return rows;
}
