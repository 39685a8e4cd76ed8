/** Codes of {@link WebPeerError}: match on these, never on the message. */
export const WEB_PEER_ERROR_CODES = [
  /** A chunk is not whole 188-byte MPEG-TS packets starting with the sync byte. */
  "not-ts",
  /** A chunk carries no complete, valid PAT (every chunk must start with one). */
  "no-pat",
  /** The PAT lists no program, or the program's PMT is missing, truncated or fails its CRC. */
  "no-pmt",
  /** The browser has no Media Source Extensions (or none for this codec string). */
  "no-mse",
  /** mux.js found nothing it can turn into fMP4 in a chunk. */
  "transmux-failed",
  /** The SourceBuffer or the media element reported an error. */
  "media-error",
  /** A page configuration value is missing or malformed. */
  "bad-config",
] as const;
export type WebPeerErrorCode = (typeof WEB_PEER_ERROR_CODES)[number];

/** Every failure of this package, with a code. */
export class WebPeerError extends Error {
  override readonly name = "WebPeerError";
  constructor(
    readonly code: WebPeerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
