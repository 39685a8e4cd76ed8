/**
 * What the watch server's care costs on loopback. Serving an HLS segment (router, O_NOFOLLOW open,
 * fstat, streamed body) beside a naive `node:http` server that does `readFile` and `end`; and the
 * counters as JSON (snapshot + stringify per request) beside a server that sends a pre-rendered
 * body of the same size. Same process, same keep-alive client.
 */
import { createServer, get, Agent } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure, pseudoRandomBytes, type BenchRow } from "../../../scripts/bench-lib.js";
import { startWatchServer } from "../src/http/index.js";
import { newSubscriberStats } from "../src/stats.js";

const SEGMENT_BYTES = 188 * 1000; // ~2 s of the demo clip

function fetchAll(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let n = 0;
      res.on("data", (d: Buffer) => (n += d.length));
      res.on("end", () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    }).on("error", reject);
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

export default async function (): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "ec-watch-bench-"));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const stats = newSubscriberStats("bench");
  // Counters of a busy subscriber: a few peers and reasons.
  for (let i = 0; i < 4; i++) {
    const role = i === 0 ? "manifests" : "objects";
    stats.peers[role][`ecmoq://${"ab".repeat(32)}@127.0.0.1:${4440 + i}`] = {
      role, connected: true, connects: 1, disconnects: 0,
      received: 1000, accepted: 990, rejected: { "hash-mismatch": 10 }, duplicates: 3,
    };
  }
  const watch = await startWatchServer({ hlsDir: dir, stats: () => stats });
  const naive = createServer((req, res) => {
    const name = (req.url ?? "").split("/").pop()!;
    readFile(join(dir, name)).then(
      (b) => res.writeHead(200, { "content-type": "video/mp2t" }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  const staticJson = Buffer.from(JSON.stringify({ v: 1, nowMs: Date.now(), stats, liveEdge: {}, throughput: { sampleMs: 1000, samples: [] } }));
  const canned = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(staticJson));
  try {
    await writeFile(join(dir, "00000.ts"), pseudoRandomBytes(SEGMENT_BYTES));
    const naiveUrl = await listen(naive);
    const cannedUrl = await listen(canned);
    const ours = await measure(() => fetchAll(`${watch.url}hls/00000.ts`, agent), { bytesPerOp: SEGMENT_BYTES });
    const base = await measure(() => fetchAll(`${naiveUrl}hls/00000.ts`, agent), { bytesPerOp: SEGMENT_BYTES });
    const oursStats = await measure(() => fetchAll(`${watch.url}api/stats`, agent));
    const baseStats = await measure(() => fetchAll(`${cannedUrl}api/stats`, agent));
    return [
      {
        name: "serve a 188 kB HLS segment over loopback",
        value: ours.mbPerSec,
        unit: "MB/s",
        baselineName: "naive node:http readFile + end",
        baseline: base.mbPerSec,
        goalRatio: 0.8,
      },
      {
        name: "GET /api/stats (snapshot + JSON per request)",
        value: oursStats.opsPerSec,
        unit: "req/s",
        baselineName: "node:http sending a pre-rendered body",
        baseline: baseStats.opsPerSec,
        goalRatio: 0.5,
      },
    ];
  } finally {
    agent.destroy();
    await watch.close();
    naive.close();
    canned.close();
    naive.closeAllConnections();
    canned.closeAllConnections();
    await rm(dir, { recursive: true, force: true });
  }
}
