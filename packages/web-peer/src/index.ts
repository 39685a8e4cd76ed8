/**
 * @ec/web-peer: the browser as a verifying every.channel peer. {@link watch} feeds the chunks a
 * verified source accepted (and only those) to {@link MsePlayer}, which transmuxes MPEG-TS to fMP4
 * with mux.js and plays it through Media Source Extensions; {@link probeCodecs} says up front when
 * a stream's codecs (MPEG-2 video, AC-3) cannot play in a browser. Runs in browsers only.
 * @packageDocumentation
 */
export { WEB_PEER_ERROR_CODES, WebPeerError, type WebPeerErrorCode } from "./errors.js";
export { hexStreamType, PLAYABLE_CODECS, probeCodecs, type CodecProbe, type ProbedStream } from "./codec-probe.js";
export { AppendQueue, MIN_BACK_BUFFER_S, type AppendQueueCounters, type SourceBufferLike } from "./append-queue.js";
export {
  MsePlayer,
  type MsePlayerOptions,
  type PlayerChunk,
  type PlayerCounters,
  type PlayerEvent,
  type PlayerState,
  type PushOutcome,
  type SkipReason,
} from "./mse-player.js";
export { watch, type AcceptedChunk, type WatchCounters, type WatchOptions, type Watching } from "./watch.js";
export { parsePageConfig, type PageConfig, CONFIG_FILE } from "./page-config.js";
export { isStalled, playerPill, signerStatus, STALL_AFTER_CHUNKS, STALL_MIN_MS, whyNotPlaying, type NotPlaying, type NotPlayingKind, type ShownPeer, type ShownStats, type StatusInputs } from "./page-status.js";
export { ChunkOrder, type ChunkOrderCounters, type ChunkOrderOptions } from "./chunk-order.js";
export { openVerifiedSource, type VerifiedSource, type VerifiedSourceOptions } from "./verified-source.js";
export { watchStream, type WatchedStream, type WatchStreamOptions } from "./watch-stream.js";
