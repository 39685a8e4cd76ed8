/**
 * Not a bench (no baseline, not run by scripts/bench.ts): one split-source run as
 * split-source.bench.ts sets it up, printing when the leader and relay published their chunks and
 * when the subscriber wrote its segments (ms after both publishers had their first chunk), and the
 * subscriber's log messages. Used to see what bounds split-source (docs/PERFORMANCE.md, round 2):
 *   pnpm build && pnpm tsx apps/ec-node/bench/split-timeline.mts
 */
import { join } from "node:path";
import { chunkPlan, hdRecording, tempDir } from "./lib/media.js";
import { cliOnce, ProcGroup, withTimeout } from "./lib/procs.js";
const rec = await hdRecording(120);
const plan = chunkPlan(rec, 2000);
const keyPath = join(tempDir("k"), "leader.key");
const pk = await cliOnce(["keygen", "--out", keyPath]);
const group = new ProcGroup();
const dir = tempDir("split");
const STREAM = "probe";
try {
  const common = ["--input", rec, "--stream-id", STREAM, "--as-fast-as-possible", "--window", "1024", "--startup-delay-ms", "4000"];
  const leader = group.cli("leader", ["moq-publish", ...common, "--publish-manifests", "--signing-key", keyPath, "--publish-chunks=false"], "debug");
  const relay = group.cli("relay", ["moq-publish", ...common], "debug");
  const [la, ra] = await Promise.all([leader.firstLine(), relay.firstLine()]);
  const sub = group.cli("subscriber", ["moq-subscribe", "--remote", ra, "--remote-manifests", la, "--stream-id", STREAM, "--trusted-key", pk, "--hls-dir", join(dir, "hls"), "--backfill", "1024", "--stop-after", `${Math.floor(plan.mediaSeconds * 1000) - 1}ms`, "--timeout", "180s"], "debug");
  await withTimeout(sub.exited, 200_000, "sub");
  const t0 = Math.max(leader.all("first chunk")[0]!.at, relay.all("first chunk")[0]!.at);
  const hist = (p: typeof sub) => { const m = new Map<string, number>(); for (const l of p.lines) m.set(String(l.msg ?? l.type), (m.get(String(l.msg ?? l.type)) ?? 0) + 1); return [...m].sort((a, b) => b[1] - a[1]).slice(0, 25); };
  console.log("sub msgs", hist(sub));
  const rel = (p: typeof sub, msg: string) => p.all(msg).map((l) => l.at - t0);
  const q = (xs: number[]) => xs.length ? `${xs.length}: first ${xs[0]} 25% ${xs[Math.floor(xs.length/4)]} 50% ${xs[Math.floor(xs.length/2)]} last ${xs[xs.length-1]}` : "none";
  console.log("leader published", q(rel(leader, "published chunk")));
  console.log("relay published", q(rel(relay, "published chunk")));
  console.log("sub written", q(rel(sub, "segment written")));
  for (const m of hist(sub).map(([k]) => k)) if (!/segment written/.test(m)) console.log("sub", m, q(rel(sub, m)));
} finally { await group.stopAll(); }
