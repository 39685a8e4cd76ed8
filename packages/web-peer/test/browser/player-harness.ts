/**
 * Browser side of mse-player.test.ts: fetches chunk files the test serves and feeds them through
 * `watch` (as an accepted-chunk source would) into a real MsePlayer in a real <video>.
 */
import { MsePlayer, watch } from "../../src/index.js";
import type { AcceptedChunk, PlayerEvent, Watching } from "../../src/index.js";

interface Harness {
  events: PlayerEvent[];
  watching?: Watching;
  player?: MsePlayer;
  run(urls: string[], opts?: { epoch?: string; duplicateEvery?: number; skipSeqs?: number[] }): Promise<void>;
  /** Given chunks exactly as listed (url, epoch, seq), with player options. */
  runSeq(items: Array<{ url: string; epoch: string; seq: number }>, playerOpts?: { maxBehindSeconds?: number; startBehindSeconds?: number }): Promise<void>;
  state(): unknown;
}

async function* fetched(urls: string[], opts: { epoch?: string; duplicateEvery?: number; skipSeqs?: number[] }): AsyncIterable<AcceptedChunk> {
  for (let seq = 0; seq < urls.length; seq++) {
    if (opts.skipSeqs?.includes(seq)) continue;
    const plaintext = new Uint8Array(await (await fetch(urls[seq]!)).arrayBuffer());
    const c = { epoch: opts.epoch ?? "e1", seq, firstPts: 0, durationTicks: 90_000, plaintext, peer: "test" };
    yield c;
    if (opts.duplicateEvery && seq % opts.duplicateEvery === 0) yield c;
  }
}

const h: Harness = {
  events: [],
  async run(urls, opts = {}) {
    const video = document.querySelector("video")!;
    h.player = new MsePlayer({ video, onEvent: (e) => h.events.push(e) });
    h.watching = watch({ accepted: fetched(urls, opts), player: h.player });
    await h.watching.done;
  },
  async runSeq(items, playerOpts = {}) {
    const video = document.querySelector("video")!;
    h.player = new MsePlayer({ video, ...playerOpts, onEvent: (e) => h.events.push(e) });
    async function* listed(): AsyncIterable<AcceptedChunk> {
      for (const it of items) {
        const plaintext = new Uint8Array(await (await fetch(it.url)).arrayBuffer());
        yield { epoch: it.epoch, seq: it.seq, firstPts: 0, durationTicks: 90_000, plaintext, peer: "test" };
      }
    }
    h.watching = watch({ accepted: listed(), player: h.player });
    await h.watching.done;
  },
  state() {
    const v = document.querySelector("video")!;
    const p = h.player!;
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i < v.buffered.length; i++) ranges.push([v.buffered.start(i), v.buffered.end(i)]);
    return {
      watch: h.watching?.counters,
      player: { ...p.counters, state: p.state, mime: p.mime, probe: p.probe, error: p.error && { code: p.error.code, message: p.error.message } },
      video: { currentTime: v.currentTime, paused: v.paused, readyState: v.readyState, width: v.videoWidth, height: v.videoHeight, frames: v.getVideoPlaybackQuality().totalVideoFrames, ranges },
      events: h.events.map((e) => e.type),
    };
  },
};
(window as unknown as { __harness: Harness }).__harness = h;
