/**
 * Minimal HTTP GET over node:http(s) with the failure modes of a LAN device mapped to typed
 * errors. Used for both the small JSON documents and the long-running stream.
 */
import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { HdhrError } from "../errors.js";

/** Options of `httpGet`. */
export interface HttpGetOptions {
  signal?: AbortSignal | undefined;
  /** Milliseconds allowed until the response headers arrive. */
  headersTimeoutMs: number;
  /** Error code when that time runs out. */
  timeoutCode: "timeout" | "stalled";
  /** Short description of the request for messages, e.g. "discover.json from 10.0.0.7". */
  what: string;
}

/**
 * Sends a GET and resolves with the response once its headers are in. The caller owns the
 * response and must consume or destroy it.
 *
 * @throws the signal's reason when aborted; HdhrError `unreachable` or `timeoutCode` otherwise.
 */
export function httpGet(url: URL, opts: HttpGetOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const signal = opts.signal;
    if (signal?.aborted) return reject(signal.reason);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (err: unknown, res?: IncomingMessage) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (res) resolve(res);
      else reject(err);
    };
    const req = send(url, { method: "GET", headers: { "user-agent": "every.channel-hdhr-capture" } });
    const onAbort = () => {
      req.destroy();
      finish(signal!.reason);
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish(new HdhrError(opts.timeoutCode, `${opts.what}: no response within ${opts.headersTimeoutMs} ms`));
    }, opts.headersTimeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("response", (res) => finish(undefined, res));
    // Refused, reset, no route, no such name: before a response, every socket error means the
    // device cannot be reached.
    req.on("error", (err: NodeJS.ErrnoException) => {
      finish(new HdhrError("unreachable", `${opts.what}: ${err.code ?? err.message}`, { cause: err }));
    });
    req.end();
  });
}

/** Reads a whole response body, refusing more than `maxBytes`. */
export async function readBody(res: IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const part of res as AsyncIterable<Buffer>) {
      n += part.length;
      if (n > maxBytes) {
        res.destroy();
        throw new HdhrError("bad-response", `${what}: response larger than ${maxBytes} bytes`);
      }
      parts.push(part);
    }
  } catch (err) {
    if (err instanceof HdhrError) throw err;
    throw new HdhrError("connection-lost", `${what}: connection broke while reading the response`, { cause: err });
  }
  return Buffer.concat(parts);
}
