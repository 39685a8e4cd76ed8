/** Why a transport operation failed. Stable strings: match on `code`, never on the message. */
export type TransportErrorCode =
  | "bad-endpoint"
  | "bad-stream-id"
  | "bad-argument"
  | "auth-failed"
  | "unreachable"
  | "timeout"
  | "closed"
  | "frame-too-large"
  | "not-served"
  | "limit"
  | "protocol";

/**
 * The one error type this package throws. The message is a single line naming the problem;
 * it never contains key material.
 */
export class TransportError extends Error {
  /** Machine-readable reason. */
  readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
    this.code = code;
  }
}

/**
 * Application error codes carried in qmux RESET_STREAM when a node refuses a subscription.
 * They travel on the wire, so a plain `@moq/lite` client sees them as `err.streamErrorCode`.
 * Documented in docs/protocol/transport.md.
 */
export const ResetCode = {
  /** The stream is served, but not this track (e.g. a relay without manifests). */
  notServed: 0x4e01,
  /** The per-session subscription limit was reached. */
  limit: 0x4e02,
  /** The subscriber fell too far behind the live edge; resubscribe. */
  lagging: 0x4e03,
  /** A frame exceeded the receiver's frame size limit. */
  frameTooLarge: 0x4e04,
  /** A control message or stream exceeded its byte budget. */
  tooLarge: 0x4e05,
} as const;
