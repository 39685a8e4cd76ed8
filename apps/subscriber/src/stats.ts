/**
 * The counters an operator reads, serialised as-is by `--stats-json` and shown by the watch page:
 * the verifying stream's own (manifests, objects, per peer: owned by VerifiedStream and its gate)
 * beside the HLS writer's (segments, bytes, media time), copied in by {@link showCounters}.
 */
import type { SegmentWriterCounters } from "@ec/hls-sink";
import type { FramePoolStats } from "@ec/moq-transport";
import type { StreamStats } from "@ec/verified-stream";
import { secondsFromTicks } from "@ec/stream-rules";

export type { PeerStats } from "@ec/verified-stream";

export interface SubscriberStats extends StreamStats {
  startedAt: string;
  segments: number;
  discontinuities: number;
  bytesWritten: number;
  mediaSeconds: number;
  /** The newest segment in place: with writtenAtMs, a UI can show how far behind live it is. */
  lastSegment?: { seq: number; name: string; writtenAtMs: number; durationTicks: number };
  /** When the first segment was written (ms since the epoch). */
  firstSegmentAtMs?: number;
  /**
   * Buffers objects were received into (FramePool of @ec/moq-transport): `reused` of them were
   * memory an earlier object's written segment gave back instead of fresh pages.
   */
  receiveBuffers: { lent: number; reused: number };
  /** Why the run ended (exit reason), once it has. */
  result?: { ok: boolean; reason: string };
}

/** Fresh counters, keys in the order `--stats-json` has always shown them. */
export function newSubscriberStats(streamId: string, signerPinned = false): SubscriberStats {
  return {
    startedAt: new Date().toISOString(),
    streamId,
    signer: undefined,
    signerPinned,
    epoch: undefined,
    manifests: { accepted: 0, rejected: {} },
    objects: { accepted: 0, rejected: {}, duplicates: 0, evictedUnvouched: 0, pending: 0 },
    segments: 0,
    discontinuities: 0,
    bytesWritten: 0,
    mediaSeconds: 0,
    peers: { manifests: {}, objects: {} },
    receiveBuffers: { lent: 0, reused: 0 },
  };
}

/** Copies the stream's, the writer's and the receive pool's counters into `stats` (they own the numbers; this only shows them). */
export function showCounters(stats: SubscriberStats, stream: StreamStats, writer: SegmentWriterCounters, buffers: FramePoolStats): void {
  stats.signer = stream.signer;
  stats.signerPinned = stream.signerPinned;
  stats.epoch = stream.epoch;
  stats.firstManifestAtMs = stream.firstManifestAtMs;
  stats.manifests = stream.manifests;
  // The writer refuses a chunk it already has, too: one duplicates count for both.
  stats.objects = { ...stream.objects, duplicates: stream.objects.duplicates + writer.duplicates };
  stats.peers = stream.peers;
  stats.segments = writer.segmentsWritten;
  stats.discontinuities = writer.discontinuities;
  stats.bytesWritten = writer.bytesWritten;
  stats.mediaSeconds = secondsFromTicks(writer.mediaTicksWritten);
  stats.receiveBuffers = { lent: buffers.lent, reused: buffers.reused };
}

/** "3 unknown-signer, 1 expired" — the CLI's one format for counts (defined in @ec/moq-transport). */
export { describeCounts } from "@ec/moq-transport";
