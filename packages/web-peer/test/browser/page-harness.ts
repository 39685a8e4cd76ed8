/**
 * The watch page (page/app.ts, unchanged) with a scripted verified source: it hands out the chunks
 * of the fixture named in `?fixture=` (served by page.test.ts) and counts them as verified. What
 * this checks is the page itself — config handling, what it shows, the codec message — while
 * web-peer.e2e.test.ts (apps/ec-node) runs it against a real mesh with the real VerifiedStream.
 */
import { runPage } from "../../page/app.js";
import type { VerifiedSource } from "../../page/app.js";
import type { AcceptedChunk, PageConfig, ShownStats } from "../../src/index.js";

function scriptedSource(cfg: PageConfig): VerifiedSource {
  const fixture = new URLSearchParams(location.search).get("fixture") ?? "h264-aac-1s-gop.ts";
  const peer = cfg.objectPeers[0]!;
  // `?holdAt=N`: after N chunks the source goes quiet until the test sets `window.__ecRelease` (a stall, then recovery).
  const holdAt = Number(new URLSearchParams(location.search).get("holdAt") ?? Infinity);
  const stats: ShownStats = {
    streamId: cfg.streamId,
    signer: cfg.trustedKeys[0],
    signerPinned: true,
    epoch: "e1",
    manifests: { accepted: 1, rejected: {} },
    objects: { accepted: 0, rejected: {}, duplicates: 0, pending: 0 },
    peers: { manifests: {}, objects: { [peer]: { role: "objects", connected: true, connects: 1, received: 0, accepted: 0, rejected: {} } } },
  };
  async function* chunks(): AsyncIterable<AcceptedChunk> {
    for (let seq = 0; ; seq++) {
      if (seq === holdAt) {
        while (!(window as unknown as { __ecRelease?: boolean }).__ecRelease) await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`/${fixture}/${seq}.ts`);
      if (!res.ok) return;
      const plaintext = new Uint8Array(await res.arrayBuffer());
      stats.objects.accepted++;
      stats.peers.objects[peer]!.received++;
      stats.peers.objects[peer]!.accepted++;
      yield { epoch: "e1", seq, firstPts: 0, durationTicks: 90_000, plaintext, peer };
    }
  }
  return { accepted: chunks(), stats: () => stats, failovers: () => 0, ordering: () => ({ held: 0, dropped: 0 }), whyStuck: () => ({ kind: "manifest-peer-silent", text: "the scripted source is holding its chunks" }), close: () => {} };
}

void runPage(scriptedSource);
