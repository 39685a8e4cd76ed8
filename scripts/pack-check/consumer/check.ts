// A strict TypeScript consumer (no skipLibCheck): the shipped declarations resolve and agree.
import { STREAM_ID_PATTERN } from "@ec/stream-rules";
import { ManifestVerifier, type IngestResult } from "@ec/manifest";
import { ChunkCryptoError } from "@ec/chunk-crypto";
import { TsChunker } from "@ec/hdhr-capture";
import { parseEndpointAddr, quietMoqLiteLogs, type EndpointAddr } from "@ec/moq-transport";
import { HlsSink } from "@ec/hls-sink";
import { fixturePath, type FixtureName } from "@ec/fixtures";

const v = new ManifestVerifier({ streamId: "s", trustedKeys: [], trustOnFirstUse: true });
const r: IngestResult = v.ingest(new Uint8Array(0));
const clip: FixtureName = "h264-aac-1s-gop.ts";
const path: string = fixturePath(clip);
const restore: () => void = quietMoqLiteLogs;
export { r, path, restore, STREAM_ID_PATTERN, ChunkCryptoError, TsChunker, parseEndpointAddr, HlsSink };
export type { EndpointAddr };
