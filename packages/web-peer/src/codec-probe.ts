/**
 * What a chunk's PMT says it carries, and whether a browser can play it. Every chunk of a stream
 * starts with the current PAT and PMT (docs/protocol/chunking.md), so the first verified chunk is
 * enough. Browsers' Media Source Extensions decode H.264 and AAC (after mux.js turns the TS into
 * fMP4); MPEG-2 video and AC-3 — most US broadcast — they cannot decode at all, and HEVC, MPEG
 * audio and E-AC-3 are not something mux.js transmuxes. Those get a typed "unsupported" answer
 * the page shows plainly, instead of a player that silently never starts.
 */
import { PACKET_SIZE, PAT_PID, SYNC_BYTE, SectionAssembler, packetPid, packetStartsUnit, parsePat, parsePmt, payloadOffset } from "@ec/hdhr-capture/psi";
import type { ElementaryStream, StreamCodec } from "@ec/hdhr-capture/psi";
import { WebPeerError } from "./errors.js";

/** Codecs this player plays: what mux.js transmuxes and every MSE browser decodes. */
export const PLAYABLE_CODECS: ReadonlySet<StreamCodec> = new Set<StreamCodec>(["h264", "aac"]);

/** One stream of the program, as the probe reports it. */
export interface ProbedStream {
  pid: number;
  streamType: number;
  codec: StreamCodec;
  kind: "video" | "audio";
  playable: boolean;
}

/** The probe's answer: play it, or say plainly why not. */
export type CodecProbe =
  | { kind: "playable"; streams: ProbedStream[]; video: boolean; audio: boolean }
  | { kind: "unsupported"; streams: ProbedStream[]; unsupported: ProbedStream[]; message: string };

/** Human names of the codecs, for the message a viewer reads. */
const CODEC_NAMES: Record<StreamCodec, string> = {
  "mpeg1-video": "MPEG-1 video",
  "mpeg2-video": "MPEG-2 video",
  h264: "H.264",
  hevc: "HEVC (H.265)",
  "mpeg-audio": "MPEG audio",
  aac: "AAC",
  ac3: "AC-3 (Dolby Digital)",
  eac3: "E-AC-3 (Dolby Digital Plus)",
  other: "an unknown codec",
};

/** Stream type in hex as the PMT spells it, e.g. `0x1b`. */
export const hexStreamType = (t: number): string => `0x${t.toString(16).padStart(2, "0")}`;

/**
 * Reads the first program's PMT from `chunk` and classifies its audio and video streams.
 * Throws {@link WebPeerError} `not-ts`, `no-pat` or `no-pmt` for bytes that are not such a chunk.
 */
export function probeCodecs(chunk: Uint8Array): CodecProbe {
  const pmt = readFirstPmt(chunk);
  const streams: ProbedStream[] = pmt.streams
    .filter((s): s is ElementaryStream & { kind: "video" | "audio" } => s.kind === "video" || s.kind === "audio")
    .map((s) => ({ pid: s.pid, streamType: s.streamType, codec: s.codec, kind: s.kind, playable: PLAYABLE_CODECS.has(s.codec) }));
  const unsupported = streams.filter((s) => !s.playable);
  const video = streams.some((s) => s.kind === "video" && s.playable);
  const audio = streams.some((s) => s.kind === "audio" && s.playable);
  if (streams.length === 0) {
    return { kind: "unsupported", streams, unsupported, message: "The stream's program lists no audio or video stream this player knows." };
  }
  // A playable video track with an unplayable extra audio track (e.g. H.264 + AC-3) would play
  // silently: that is unsupported too, said as such, rather than a mystery of missing sound.
  if (unsupported.length > 0) return { kind: "unsupported", streams, unsupported, message: unsupportedMessage(unsupported) };
  return { kind: "playable", streams, video, audio };
}

function unsupportedMessage(unsupported: ProbedStream[]): string {
  const list = unsupported.map((s) => `${CODEC_NAMES[s.codec]} (stream type ${hexStreamType(s.streamType)})`).join(" and ");
  return (
    `This stream is ${list}, which web browsers cannot decode: only H.264 video and AAC audio play in a page. ` +
    "Its chunks were still verified; play it with a native player (e.g. ec-node moq-subscribe to HLS, then VLC or ffplay)."
  );
}

interface Pmtish {
  streams: ElementaryStream[];
}

function readFirstPmt(chunk: Uint8Array): Pmtish {
  if (chunk.length === 0 || chunk.length % PACKET_SIZE !== 0) {
    throw new WebPeerError("not-ts", `a chunk must be whole ${PACKET_SIZE}-byte TS packets; got ${chunk.length} bytes`);
  }
  const pat = new SectionAssembler();
  const pmtAssembler = new SectionAssembler();
  let pmtPid = -1;
  let sawPat = false;
  for (let off = 0; off < chunk.length; off += PACKET_SIZE) {
    if (chunk[off] !== SYNC_BYTE) throw new WebPeerError("not-ts", `no TS sync byte at offset ${off}`);
    const pid = packetPid(chunk, off);
    if (pid !== PAT_PID && pid !== pmtPid) continue;
    const payload = payloadOffset(chunk, off);
    if (payload < 0) continue;
    if (pid === PAT_PID && pmtPid < 0) {
      const r = pat.feed(chunk, off, payload, packetStartsUnit(chunk, off));
      if (typeof r === "string") continue;
      const programs = parsePat(r.section);
      if (!programs) continue; // bad CRC or damage: a later PAT may be whole
      sawPat = true;
      if (programs.length === 0) throw new WebPeerError("no-pmt", "the PAT lists no program");
      pmtPid = programs[0]!.pmtPid;
    } else if (pid === pmtPid) {
      const r = pmtAssembler.feed(chunk, off, payload, packetStartsUnit(chunk, off));
      if (typeof r === "string") continue;
      const pmt = parsePmt(r.section);
      if (pmt) return pmt;
    }
  }
  if (!sawPat) throw new WebPeerError("no-pat", "the chunk carries no valid PAT");
  throw new WebPeerError("no-pmt", `the chunk carries no valid PMT on PID ${pmtPid}`);
}
