/**
 * @ec/hdhr-capture: an HDHomeRun client, a deterministic MPEG-TS keyframe chunker, and a fake
 * HDHomeRun that plays a TS file, for tests and demos.
 *
 * @example
 * ```ts
 * import { chunkStream, openStream } from "@ec/hdhr-capture";
 * for await (const chunk of chunkStream(openStream("192.168.1.50", "2.1", { durationS: 30 }))) {
 *   console.log(chunk.seq, chunk.firstPts, chunk.durationTicks / 90_000, chunk.bytes.length);
 * }
 * ```
 */
export { HdhrError, TsError, DiscoveryPacketError } from "./errors.js";
export type { HdhrErrorCode, TsErrorCode, DiscoveryPacketErrorCode } from "./errors.js";

export { TsChunker } from "./chunker/ts-chunker.js";
export { CHUNK_BOUNDARIES } from "./chunker/ts-chunker.js";
export type { ChunkBoundary, TsChunk, TsChunkerOptions, TsChunkerStats } from "./chunker/ts-chunker.js";
export { chunkStream } from "./chunker/chunk-stream.js";
export { chunkFile } from "./chunker/chunk-file.js";
export type { ChunkFileOptions } from "./chunker/chunk-file.js";
export { pacedChunks } from "./chunker/paced-chunks.js";
export type { PacedChunksOptions } from "./chunker/paced-chunks.js";
export type { ProgramInfo } from "./ts/program-tracker.js";
export type { ElementaryStream, StreamCodec } from "./ts/stream-types.js";
export { TICKS_PER_SECOND, TIMESTAMP_WRAP, timestampDelta } from "./ts/timestamps.js";

export { discover, lineup } from "./hdhr/device-api.js";
export type { HdhrDevice, HdhrChannel, HdhrRequestOptions } from "./hdhr/device-api.js";
export { openStream } from "./hdhr/open-stream.js";
export type { OpenStreamOptions } from "./hdhr/open-stream.js";
export { deviceBaseUrl } from "./hdhr/host.js";
export { discoverUdp, HDHR_DISCOVERY_PORT } from "./hdhr/udp-discover.js";
export type { DiscoveredHdhr, DiscoverUdpOptions } from "./hdhr/udp-discover.js";
export {
  decodeDiscoverReply,
  decodeDiscoverRequest,
  decodeDiscoveryPacket,
  encodeDiscoverReply,
  encodeDiscoverRequest,
  encodeDiscoveryPacket,
} from "./hdhr/discovery-packet.js";
export type { DiscoveryPacket, DiscoveryReply } from "./hdhr/discovery-packet.js";

export { createFakeHdhr } from "./fake/fake-hdhr.js";
export type { FakeHdhr, FakeHdhrOptions, FakeChannel } from "./fake/fake-hdhr.js";
export { LiveBroadcast } from "./fake/live-broadcast.js";
export type { DamageBurst, LiveBroadcastOptions, LiveStreamOptions } from "./fake/live-broadcast.js";
export { buildTimeline } from "./fake/broadcast-timeline.js";
export type { BroadcastTimeline, TimelineRap } from "./fake/broadcast-timeline.js";
export { DamageSpecError, parseDamageSpec, formatDamageSpec } from "./fake/damage-spec.js";
export type { DamageMode, DamageSpec } from "./fake/damage-spec.js";
export { deviceProfile, MAX_DEVICE_PROFILE } from "./fake/device-profile.js";
export type { DeviceProfile } from "./fake/device-profile.js";

