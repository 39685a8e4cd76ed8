/**
 * What a PMT stream_type (plus, for private data, its descriptors) says a stream carries.
 * Only what the chunker needs: is it video (and which start codes mark a keyframe) or audio.
 */

/** Codec families the reader distinguishes. */
export type StreamCodec =
  | "mpeg1-video"
  | "mpeg2-video"
  | "h264"
  | "hevc"
  | "mpeg-audio"
  | "aac"
  | "ac3"
  | "eac3"
  | "other";

/** One elementary stream listed in a PMT. */
export interface ElementaryStream {
  pid: number;
  /** PMT stream_type, e.g. 0x02 MPEG-2 video, 0x1B H.264, 0x24 HEVC, 0x81 ATSC AC-3. */
  streamType: number;
  codec: StreamCodec;
  kind: "video" | "audio" | "other";
}

const BY_TYPE: Record<number, [StreamCodec, ElementaryStream["kind"]]> = {
  0x01: ["mpeg1-video", "video"],
  0x02: ["mpeg2-video", "video"],
  0x1b: ["h264", "video"],
  0x24: ["hevc", "video"],
  0x03: ["mpeg-audio", "audio"],
  0x04: ["mpeg-audio", "audio"],
  0x0f: ["aac", "audio"],
  0x11: ["aac", "audio"],
  0x81: ["ac3", "audio"], // ATSC A/52
  0x87: ["eac3", "audio"], // ATSC A/52 Annex G
};

/** Classifies a stream from its stream_type and ES_info descriptors. */
export function describeStreamType(
  streamType: number,
  descriptors: Uint8Array,
): Pick<ElementaryStream, "codec" | "kind"> {
  const known = BY_TYPE[streamType];
  if (known) return { codec: known[0], kind: known[1] };
  if (streamType === 0x06) {
    // DVB carries AC-3 as private PES, identified by a descriptor.
    for (let i = 0; i + 2 <= descriptors.length; i += 2 + descriptors[i + 1]!) {
      const tag = descriptors[i]!;
      if (tag === 0x6a) return { codec: "ac3", kind: "audio" };
      if (tag === 0x7a) return { codec: "eac3", kind: "audio" };
      if (tag === 0x05 && i + 6 <= descriptors.length) {
        const id = String.fromCharCode(...descriptors.subarray(i + 2, i + 6));
        if (id === "AC-3") return { codec: "ac3", kind: "audio" };
        if (id === "EAC3") return { codec: "eac3", kind: "audio" };
      }
    }
  }
  return { codec: "other", kind: "other" };
}

/** Short codec names as HDHomeRun lineups spell them (VideoCodec / AudioCodec). */
export function lineupCodecName(codec: StreamCodec): string | undefined {
  switch (codec) {
    case "mpeg2-video":
      return "MPEG2";
    case "h264":
      return "H264";
    case "hevc":
      return "HEVC";
    case "aac":
      return "AAC";
    case "ac3":
      return "AC3";
    case "eac3":
      return "EAC3";
    case "mpeg-audio":
      return "MPEG";
    default:
      return undefined;
  }
}
