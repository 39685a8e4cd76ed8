/**
 * Streaming a channel from an HDHomeRun: look the channel up in the lineup (as Silicondust's own
 * clients do: the URL comes from there, so a fake can serve everything on one port), refuse DRM
 * channels before tuning, then GET the stream and yield its bytes as they arrive.
 */
import type { IncomingMessage } from "node:http";
import { HdhrError } from "../errors.js";
import { lineup } from "./device-api.js";
import { streamRefusal } from "./device-error.js";
import { deviceBaseUrl } from "./host.js";
import { httpGet } from "./http.js";

/** Options of `openStream`. */
export interface OpenStreamOptions {
  /** Ask the device to end the stream after this many seconds (`?duration=N`, rounded up). */
  durationS?: number;
  /** Aborting closes the connection (freeing the tuner) and throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * Milliseconds without a byte, while the reader is waiting, before the stream is declared
   * stalled. Also bounds the wait for the response headers (tuning). Default 10 000.
   */
  stallTimeoutMs?: number;
  /** Milliseconds for the lineup request. Default 5000. */
  timeoutMs?: number;
}

const DEFAULT_STALL_MS = 10_000;

/**
 * Streams channel `channel` (a GuideNumber such as "2.1") from the device at `host` ("ip",
 * "ip:port" or an http(s) URL). Yields MPEG-TS bytes as they arrive; the next piece is read
 * from the socket only when the consumer asks for it (backpressure). Ends normally when the
 * device ends the stream (e.g. after `durationS`). Breaking out of the loop closes the
 * connection, which frees the tuner.
 *
 * @throws HdhrError `unknown-channel` (not in the lineup, or 404/801), `drm-refused` (lineup says
 *   DRM; nothing is requested), `tuners-busy` (805/804), `tune-failed` (806), `no-video` (807),
 *   `content-protected` (811), `http-error` (other refusals), `unreachable`, `stalled`,
 *   `connection-lost`, `bad-response`, `bad-host`; the signal's reason when aborted.
 */
export async function* openStream(
  host: string,
  channel: string,
  opts: OpenStreamOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
  if (!(stallMs > 0)) throw new RangeError(`stallTimeoutMs must be positive, got ${stallMs}`);
  if (opts.durationS !== undefined && !(opts.durationS > 0 && Number.isFinite(opts.durationS))) {
    throw new RangeError(`durationS must be a positive number, got ${opts.durationS}`);
  }
  const signal = opts.signal;
  const device = deviceBaseUrl(host).host;
  const channels = await lineup(host, { ...(signal ? { signal } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  const entry = channels.find((c) => c.guideNumber === channel);
  if (!entry) {
    throw new HdhrError("unknown-channel", `channel ${JSON.stringify(channel.slice(0, 32))} is not in the lineup of ${device}`);
  }
  if (entry.drm) {
    throw new HdhrError("drm-refused", `channel ${entry.guideNumber} (${entry.guideName}) is copy-protected (DRM); not requested`);
  }
  const url = new URL(entry.url);
  if (opts.durationS !== undefined) url.searchParams.set("duration", String(Math.ceil(opts.durationS)));
  const what = `channel ${entry.guideNumber} from ${device}`;

  const res = await httpGet(url, { signal, headersTimeoutMs: stallMs, timeoutCode: "stalled", what });
  if (res.statusCode !== 200) {
    const headerValue = res.headers["x-hdhomerun-error"];
    res.destroy();
    throw streamRefusal(res.statusCode ?? 0, Array.isArray(headerValue) ? headerValue[0] : headerValue, what);
  }
  yield* readWithStallTimeout(res, stallMs, signal, what);
}

/**
 * Yields the body of `res`, failing with `stalled` when a read waits longer than `stallMs`.
 * Only time spent waiting on the device counts: a slow consumer is backpressure, not a stall.
 */
async function* readWithStallTimeout(
  res: IncomingMessage,
  stallMs: number,
  signal: AbortSignal | undefined,
  what: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rejectWait: ((err: unknown) => void) | undefined;
  const onAbort = () => rejectWait?.(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const interrupted = new Promise<never>((_, reject) => {
        rejectWait = reject;
        timer = setTimeout(() => reject(new HdhrError("stalled", `${what}: no data for ${stallMs} ms`)), stallMs);
      });
      const next = it.next();
      next.catch(() => {}); // if the race is lost, destroying the response rejects this read
      let step: IteratorResult<Buffer>;
      try {
        step = await Promise.race([next, interrupted]);
      } catch (err) {
        if (err instanceof HdhrError || signal?.aborted) throw err;
        throw new HdhrError("connection-lost", `${what}: connection broke mid-stream`, { cause: err });
      } finally {
        clearTimeout(timer);
        rejectWait = undefined;
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    res.destroy();
  }
}
