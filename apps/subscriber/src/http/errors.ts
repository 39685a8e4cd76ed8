/** What went wrong starting or running the watch server. */
export type WatchServerErrorCode =
  /** The listen address is not `host:port`, `:port` or `port`. */
  | "bad-listen"
  /** The socket could not be bound (port in use, no such address, permission). */
  | "listen-failed"
  /** A page asset (web/*, hls.js) is missing from the installed package. */
  | "missing-asset"
  /** An option is out of range. */
  | "bad-option";

/** The http module's one error type (watch server and site server): `code` says what kind of problem it is; the message is one line. */
export class WatchServerError extends Error {
  override readonly name = "WatchServerError";
  constructor(
    readonly code: WatchServerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
