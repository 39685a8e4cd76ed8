/**
 * MPEG-TS → fragmented MP4 with mux.js (the project's chosen transmuxer): one chunk in, one
 * init segment and one moof+mdat run out. Original timestamps are kept, so a chunk lands on the
 * media timeline where its PTS says (a missing chunk leaves a hole the player jumps, instead of
 * later chunks sliding back into its place and drifting from the live edge).
 */
import { Transmuxer } from "mux.js/lib/mp4/transmuxer.js";
import type { TransmuxedSegment } from "mux.js/lib/mp4/transmuxer.js";
import probe from "mux.js/lib/mp4/probe.js";
import { WebPeerError } from "./errors.js";

/** What one chunk became. */
export interface Fmp4Segment {
  /** `ftyp`+`moov`: codec configuration (append when it changes). */
  init: Uint8Array;
  /** `moof`+`mdat` pairs. */
  media: Uint8Array;
  /** RFC 6381 codec strings read from the init segment, e.g. `avc1.64001e`, `mp4a.40.2`. */
  codecs: string[];
}

export class Fmp4Transmuxer {
  #mux = new Transmuxer({ remux: true, keepOriginalTimestamps: true });
  #out: TransmuxedSegment[] = [];

  constructor() {
    this.#mux.on("data", (s) => this.#out.push(s));
  }

  /** Transmuxes one whole chunk (mux.js works synchronously: its output is ready when flush returns). */
  chunk(ts: Uint8Array): Fmp4Segment {
    this.#out = [];
    this.#mux.push(ts);
    this.#mux.flush();
    const segs = this.#out.filter((s) => s.data && s.data.byteLength > 0);
    if (segs.length === 0) throw new WebPeerError("transmux-failed", `mux.js made no fMP4 from a ${ts.length}-byte chunk`);
    // remux: true gives one combined segment per flush; concatenate defensively if it ever gives more.
    const media = segs.length === 1 ? segs[0]!.data : concat(segs.map((s) => s.data));
    const init = segs[segs.length - 1]!.initSegment;
    return { init, media, codecs: codecsOf(init) };
  }
}

export function codecsOf(init: Uint8Array): string[] {
  return probe
    .tracks(init)
    .map((t) => t.codec)
    .filter((c) => typeof c === "string" && c.length > 0);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
