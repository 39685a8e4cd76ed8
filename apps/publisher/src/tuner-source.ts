import { HdhrError } from "@ec/hdhr-capture";
import type { TsChunk } from "@ec/hdhr-capture";
import { backoffDelay, pause } from "@ec/moq-transport";
import type { Logger } from "@ec/moq-transport";

/** Tuner errors that no retry will fix: the channel, not the moment, is wrong. */
const FATAL_CODES = new Set(["unknown-channel", "drm-refused", "content-protected"]);

export interface TunerRetry {
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Consecutive failed attempts before giving up (default 10). */
  maxAttempts?: number;
}

/**
 * Chunks from a live tuner that survive stalls and busy tuners: on a retryable error the stream
 * is reopened with exponential backoff (jittered, cut short by `signal`) and chunk numbering carries on where it stopped, so the
 * gap shows downstream as a PTS jump (an HLS discontinuity), not as reused sequence numbers.
 */
export async function* retryingTunerStream(opts: {
  open: (firstSeq: number) => AsyncIterable<TsChunk>;
  retry?: TunerRetry;
  signal: AbortSignal;
  log: Logger;
  onRetry?: (err: HdhrError) => void;
}): AsyncGenerator<TsChunk> {
  const minDelay = opts.retry?.minDelayMs ?? 500;
  const maxDelay = opts.retry?.maxDelayMs ?? 15_000;
  const maxAttempts = opts.retry?.maxAttempts ?? 10;
  let nextSeq = 0;
  let failures = 0;
  for (;;) {
    try {
      for await (const chunk of opts.open(nextSeq)) {
        failures = 0;
        nextSeq = chunk.seq + 1;
        yield chunk;
      }
      return;
    } catch (err) {
      if (opts.signal.aborted) return;
      if (!(err instanceof HdhrError) || FATAL_CODES.has(err.code)) throw err;
      failures++;
      if (failures > maxAttempts) throw err;
      // Jittered (up to +25 %), so tuners that failed together do not retry in lockstep.
      const delayMs = backoffDelay(failures, { minMs: minDelay, maxMs: maxDelay });
      opts.onRetry?.(err);
      opts.log.warn("tuner error, retrying", { code: err.code, error: err.message, attempt: failures, delayMs, nextSeq });
      // Interruptible: a stop during the wait ends the stream at once, not after up to maxDelay.
      await pause(delayMs, opts.signal);
      if (opts.signal.aborted) return;
    }
  }
}
