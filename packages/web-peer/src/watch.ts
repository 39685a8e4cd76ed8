/**
 * The one path from verification to the screen: chunks a VerifiedStream accepted (each vouched
 * for by a verified manifest, then decrypted) go to the player, in order; nothing else reaches it.
 * The page and third-party embeds call this rather than `MsePlayer.push`, so "appended ≤ verified"
 * holds by construction, and the counters show it: `appended + skipped === verified` once idle.
 */
import type { MsePlayer } from "./mse-player.js";

/** A chunk the subscriber's trust core accepted: vouched for by a verified manifest, decrypted. */
export interface AcceptedChunk {
  epoch: string;
  seq: number;
  /** First PTS (90 kHz) and duration (90 kHz ticks), from the signed manifest entry. */
  firstPts: number;
  durationTicks: number;
  plaintext: Uint8Array;
  /** The object peer that served it. */
  peer: string;
}

export interface WatchCounters {
  /** Accepted chunks handed over by the verified source. */
  verified: number;
  /** Of those, appended to the SourceBuffer. */
  appended: number;
  /** Of those, not played (unsupported codec, failed player, duplicate or late). */
  skipped: number;
}

export interface WatchOptions {
  /** The verified source's accepted chunks (e.g. VerifiedStream's), in the order accepted. */
  accepted: AsyncIterable<AcceptedChunk>;
  player: MsePlayer;
  signal?: AbortSignal;
  onChunk?: (c: AcceptedChunk, counters: WatchCounters) => void;
}

export interface Watching {
  readonly counters: WatchCounters;
  /** Resolves when the source ends or the signal aborts, after the last chunk is appended or skipped. */
  readonly done: Promise<void>;
}

export function watch(opts: WatchOptions): Watching {
  const counters: WatchCounters = { verified: 0, appended: 0, skipped: 0 };
  const { player } = opts;
  const done = (async () => {
    for await (const c of opts.accepted) {
      if (opts.signal?.aborted) break;
      counters.verified++;
      const pushed = player.push({ epoch: c.epoch, seq: c.seq, plaintext: c.plaintext }).then((outcome) => {
        if (outcome === "appended") counters.appended++;
        else counters.skipped++;
        opts.onChunk?.(c, counters);
      });
      // Keep at most one chunk in flight beyond the one appending: back-pressure on the source.
      if (player.counters.chunksIn - player.counters.chunksAppended - player.counters.chunksSkipped > 2) await pushed;
    }
    await player.idle();
  })();
  return { counters, done };
}
