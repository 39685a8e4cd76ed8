/** Codes of {@link VerifiedStreamError}: branch on these, never on the message. */
export type VerifiedStreamErrorCode =
  /** Options that cannot work (no peer, manifests off without `acceptUnvouched`, ...). */
  | "bad-argument"
  /** `run()` called a second time (a stream runs once; make a new one). */
  | "already-run";

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
