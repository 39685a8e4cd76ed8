/**
 * One call for a third-party page: a verified source (VerifiedStream over the browser transport,
 * ordered by ChunkOrder) wired through {@link watch} to an {@link MsePlayer} on `video`.
 */
import { MsePlayer } from "./mse-player.js";
import type { MsePlayerOptions } from "./mse-player.js";
import { openVerifiedSource } from "./verified-source.js";
import type { VerifiedSource, VerifiedSourceOptions } from "./verified-source.js";
import { watch } from "./watch.js";
import type { Watching } from "./watch.js";

export interface WatchStreamOptions extends VerifiedSourceOptions {
  video: HTMLVideoElement;
  /** Player options besides the video (back buffer, live catch-up, events). */
  player?: Omit<MsePlayerOptions, "video">;
}

export interface WatchedStream {
  source: VerifiedSource & ReturnType<typeof openVerifiedSource>;
  player: MsePlayer;
  /** verified (handed to the player) / appended / skipped. */
  counters: Watching["counters"];
  /** Resolves when the stream ended and the last chunk is appended or skipped. */
  done: Promise<void>;
  stop(): void;
}

export function watchStream(opts: WatchStreamOptions): WatchedStream {
  const player = new MsePlayer({ ...opts.player, video: opts.video });
  const source = openVerifiedSource(opts);
  const watching = watch({ accepted: source.accepted, player });
  return {
    source,
    player,
    counters: watching.counters,
    done: watching.done,
    stop: () => {
      source.close();
      player.close();
    },
  };
}
