/**
 * Decides from elementary-stream start codes whether a video access unit is a random-access
 * point, for streams whose muxer does not set random_access_indicator. Fed the PES payload
 * packet by packet; answers as soon as the first picture-level unit appears.
 *
 * - H.264: the first VCL NAL unit (nal_unit_type 1..5) decides: 5 (IDR) is a keyframe.
 * - HEVC: the first VCL NAL unit (type 0..31, from `(byte >> 1) & 0x3f`) decides: 16..23 (IRAP:
 *   BLA, IDR, CRA and reserved IRAP) is a keyframe.
 * - MPEG-1/2 video: a sequence header (0xB3) or group-of-pictures header (0xB8) before the first
 *   picture start code (0x00) is a keyframe; a picture start code first is not.
 *
 * Start codes are `00 00 01 xx` and may straddle TS packets, so the scanner keeps the count of
 * trailing zero bytes and whether it stopped right after a prefix.
 */
import type { StreamCodec } from "./stream-types.js";

/** A scanner's answer: decided keyframe, decided not, or needs more bytes. */
export type KeyframeVerdict = "keyframe" | "not-keyframe" | "undecided";

type Classify = (code: number) => KeyframeVerdict;

const CLASSIFIERS: Partial<Record<StreamCodec, Classify>> = {
  h264: (b) => {
    const t = b & 0x1f;
    if (t === 5) return "keyframe";
    return t >= 1 && t <= 4 ? "not-keyframe" : "undecided";
  },
  hevc: (b) => {
    const t = (b >> 1) & 0x3f;
    if (t >= 16 && t <= 23) return "keyframe";
    return t < 32 ? "not-keyframe" : "undecided";
  },
  "mpeg2-video": (b) => {
    if (b === 0xb3 || b === 0xb8) return "keyframe";
    return b === 0x00 ? "not-keyframe" : "undecided";
  },
  "mpeg1-video": (b) => {
    if (b === 0xb3 || b === 0xb8) return "keyframe";
    return b === 0x00 ? "not-keyframe" : "undecided";
  },
};

/** True when start codes of this codec can tell keyframes apart. */
export function canScanKeyframes(codec: StreamCodec): boolean {
  return CLASSIFIERS[codec] !== undefined;
}

/** Start-code scanner for one access unit; create one per PES. */
export class KeyframeScanner {
  readonly #classify: Classify;
  #zeros = 0;
  #afterPrefix = false;

  constructor(codec: StreamCodec) {
    const c = CLASSIFIERS[codec];
    if (!c) throw new RangeError(`no start-code rules for ${codec}`);
    this.#classify = c;
  }

  /** Scans `buf[start..end)`, continuing where the previous call stopped. */
  feed(buf: Uint8Array, start: number, end: number): KeyframeVerdict {
    let zeros = this.#zeros;
    let i = start;
    if (this.#afterPrefix && i < end) {
      this.#afterPrefix = false;
      const v = this.#classify(buf[i]!);
      if (v !== "undecided") return v;
      zeros = buf[i] === 0 ? 1 : 0;
      i++;
    }
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b === 0) {
        zeros++;
      } else if (b === 1 && zeros >= 2) {
        zeros = 0;
        if (i + 1 >= end) {
          this.#afterPrefix = true;
          break;
        }
        const code = buf[++i]!;
        const v = this.#classify(code);
        if (v !== "undecided") return v;
        if (code === 0) zeros = 1;
      } else {
        zeros = 0;
      }
    }
    this.#zeros = zeros;
    return "undecided";
  }
}
