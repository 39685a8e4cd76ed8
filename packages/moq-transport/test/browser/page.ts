/**
 * The page script of browser-page.e2e.test.ts: the browser entry, bundled for the browser, driven
 * from the test through `window.ecTest`. Every result comes back as plain data (seqs, hex bytes,
 * error codes) so the test asserts on what the page really saw.
 */
import { subscribeTrack, TransportError, ObjectSources } from "../../src/browser.js";

interface Outcome {
  items?: Array<{ seq: number; hex: string }>;
  error?: { code: string; message: string; isTransportError: boolean };
  events: string[];
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function caught(err: unknown): Outcome["error"] {
  return { code: String((err as { code?: unknown })?.code), message: String((err as Error)?.message ?? err), isTransportError: err instanceof TransportError };
}

async function subscribe(o: { remote: string; allowInsecure?: boolean; streamId: string; track: "manifests" | "chunks"; count: number; fromSeq?: number }): Promise<Outcome> {
  const events: string[] = [];
  const items: Array<{ seq: number; hex: string }> = [];
  try {
    const it = subscribeTrack({ remote: o.remote, allowInsecure: o.allowInsecure, streamId: o.streamId, track: o.track, fromSeq: o.fromSeq, onEvent: (e) => events.push(e.type), reconnect: { maxAttempts: 3 } });
    for await (const item of it) {
      items.push({ seq: item.seq, hex: hex(item.bytes) });
      if (items.length === o.count) break;
    }
    return { items, events };
  } catch (err) {
    return { items, error: caught(err), events };
  }
}

/** ObjectSources from the browser entry: the first `count` chunk objects, from whichever peer serves them. */
async function objects(o: { peers: string[]; streamId: string; count: number }): Promise<Outcome & { peers: string[] }> {
  const ctl = new AbortController();
  const items: Array<{ seq: number; hex: string }> = [];
  const peers: string[] = [];
  const events: string[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const sources = new ObjectSources({
      peers: o.peers,
      streamId: o.streamId,
      signal: ctl.signal,
      resumeFrom: () => next,
      waiting: () => true,
      deadlines: { dialMs: 5000, groupMs: 5000, frameMs: 5000, progressMs: 5000 },
      onObject: (obj) => {
        if (obj.seq !== next) return;
        next++;
        sources.progress(obj.peer);
        items.push({ seq: obj.seq, hex: hex(obj.bytes) });
        peers.push(obj.peer);
        if (items.length === o.count) resolve();
      },
      onEvent: (e) => events.push(e.type),
    });
    void sources.run();
  });
  ctl.abort();
  return { items, peers, events };
}

(globalThis as { ecTest?: unknown }).ecTest = { subscribe, objects, hasProcess: typeof (globalThis as { process?: unknown }).process !== "undefined" };
