/** Codes of {@link VerifiedStreamError}: branch on these, never on the message. */
export type VerifiedStreamErrorCode =
  /** Options that cannot work (no peer, manifests off without `acceptUnvouched`, ...). */
  "bad-argument";

/** A typed error of `@ec/verified-stream`. */
export class VerifiedStreamError extends Error {
  override readonly name = "VerifiedStreamError";
  constructor(
    readonly code: VerifiedStreamErrorCode,
    message: string,
  ) {
    super(message);
  }
}
