/**
 * Typed errors. Every failure a caller may want to branch on carries a `code` from a closed
 * string union, so apps can decide (retry, give up, tell the operator) without parsing messages.
 */

/** Why talking to an HDHomeRun (or the fake) failed. */
export type HdhrErrorCode =
  /** The channel is not in the device's lineup, or the device answered 404 / `801`. */
  | "unknown-channel"
  /** 503 with `805 All Tuners In Use` (also `804 Tuner In Use`). */
  | "tuners-busy"
  /** 503 with `806 Tune Failed`. */
  | "tune-failed"
  /** 503 with `807 No Video Data`: tuned, but no signal or no program. */
  | "no-video"
  /** 503 with `811 Content Protection Required`. */
  | "content-protected"
  /** Refused up front: the lineup marks the channel `DRM`, so it was never requested. */
  | "drm-refused"
  /** Connection refused, host unreachable, name not found, or reset before a response. */
  | "unreachable"
  /** No response to a JSON request within `timeoutMs`. */
  | "timeout"
  /** A stream produced no bytes (or no response) for `stallTimeoutMs` while the reader waited. */
  | "stalled"
  /** The connection broke in the middle of a stream. */
  | "connection-lost"
  /** Any other non-success HTTP status, or an unrecognised `X-HDHomeRun-Error`. */
  | "http-error"
  /** The device answered with something that is not the documented JSON. */
  | "bad-response"
  /** The `host` argument is not an address, `host:port` or http(s) URL. */
  | "bad-host";

/** Failure of the HDHomeRun client; `deviceCode`/`deviceText` carry the device's own words. */
export class HdhrError extends Error {
  override readonly name = "HdhrError";
  readonly code: HdhrErrorCode;
  /** Numeric code from `X-HDHomeRun-Error`, e.g. 805. */
  readonly deviceCode?: number;
  /** Text from `X-HDHomeRun-Error`, e.g. "All Tuners In Use" (control characters removed). */
  readonly deviceText?: string;
  /** HTTP status, when there was a response. */
  readonly status?: number;

  constructor(
    code: HdhrErrorCode,
    message: string,
    details: { deviceCode?: number; deviceText?: string; status?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.deviceCode !== undefined) this.deviceCode = details.deviceCode;
    if (details.deviceText !== undefined) this.deviceText = details.deviceText;
    if (details.status !== undefined) this.status = details.status;
  }
}

/** Why an MPEG-TS input could not be chunked at all. */
export type TsErrorCode =
  /** No 188-byte packet structure was found (empty input, HTML, random bytes...). */
  | "not-mpeg-ts"
  /** Packets, but no usable PAT/PMT naming a video or audio stream. */
  | "no-program"
  /** A program, but no random-access point (keyframe) to start a chunk at. */
  | "no-random-access-point";

/** Failure of the MPEG-TS reader: the input as a whole is unusable. Damage inside a stream is counted, not thrown. */
export class TsError extends Error {
  override readonly name = "TsError";
  readonly code: TsErrorCode;
  constructor(code: TsErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Failure decoding an HDHomeRun UDP discovery packet. */
export type DiscoveryPacketErrorCode =
  | "truncated"
  | "oversized"
  | "bad-crc"
  | "bad-length"
  | "wrong-type"
  | "bad-tlv";

/** A UDP discovery packet that does not follow libhdhomerun's frame format. */
export class DiscoveryPacketError extends Error {
  override readonly name = "DiscoveryPacketError";
  readonly code: DiscoveryPacketErrorCode;
  constructor(code: DiscoveryPacketErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
