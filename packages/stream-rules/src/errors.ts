/**
 * Which rule a value broke. Branch on `code`; `message` is one line for humans.
 * - `bad-stream-id`, `bad-epoch`, `bad-seq`, `bad-pts`, `bad-ticks`: the value is not one every node accepts.
 */
export type StreamRuleErrorCode = "bad-stream-id" | "bad-epoch" | "bad-seq" | "bad-pts" | "bad-ticks";

/** The only error this package throws. */
export class StreamRuleError extends Error {
  override readonly name = "StreamRuleError";
  constructor(
    readonly code: StreamRuleErrorCode,
    message: string,
  ) {
    super(message);
  }
}
