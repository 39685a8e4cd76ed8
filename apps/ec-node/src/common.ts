import { parseEndpointAddr } from "@ec/moq-transport";
/**
 * What every subcommand shares: log flags, reading key files, a one-line failure and exit code.
 */
import { decodeKeyFile, publicKeyFromHex } from "@ec/manifest";
import type { SigningKey } from "@ec/manifest";
import { isEpoch, isStreamId } from "@ec/stream-rules";
import { createLogger, LOG_LEVELS } from "./log.js";
import type { LogLevel, Logger } from "./log.js";
import { UsageError, defineFlags } from "./flags.js";
import type { Flags } from "./flags.js";
import { makeDirectory, readSmallTextFile } from "./files.js";

/** A key file from `ec-node keygen` is ~200 bytes; anything near this is not one. */
export const KEY_FILE_MAX_BYTES = 4096;
/** A stream secret is a passphrase, not a payload. */
export const SECRET_FILE_MAX_BYTES = 4096;

export const LOG_FLAGS = defineFlags({
  "log-level": { kind: "string", value: "<debug|info|warn|error>", help: "least severe log level printed", default: "info" },
  "log-format": { kind: "string", value: "<text|json>", help: "logfmt lines or JSON lines on stderr", default: "text" },
});

/** A failure that is the operator's to fix (bad flag, unreadable file): exit 2, one line. */
export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function loggerFrom(flags: Flags<typeof LOG_FLAGS>, component: string): Logger {
  const level = flags["log-level"];
  const format: string = flags["log-format"];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  if (format !== "text" && format !== "json") throw new UsageError("--log-format must be text or json");
  return createLogger({ level, format, component });
}

/** Reads a key file written by `ec-node keygen`; any problem is a one-line usage error. */
export function readKeyFile(path: string, flag: string): SigningKey {
  let text: string;
  try {
    text = readSmallTextFile(path, KEY_FILE_MAX_BYTES);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
  try {
    return decodeKeyFile(text);
  } catch (err) {
    throw new UsageError(`--${flag}: ${path} is not an ec-node key file: ${(err as Error).message}`);
  }
}

export function parseTrustedKey(hex: string): Uint8Array {
  try {
    return publicKeyFromHex(hex);
  } catch (err) {
    throw new UsageError(`--trusted-key: ${(err as Error).message}`);
  }
}

/** Reads a stream secret from --stream-secret, --stream-secret-file, or EC_STREAM_SECRET. */
export function streamSecretFrom(flags: Flags<typeof SECRET_FLAGS>): string | undefined {
  const direct = flags["stream-secret"];
  const file = flags["stream-secret-file"];
  if (direct !== undefined && file !== undefined) throw new UsageError("give --stream-secret or --stream-secret-file, not both");
  if (file !== undefined) {
    let s: string;
    try {
      s = readSmallTextFile(file, SECRET_FILE_MAX_BYTES).trim();
    } catch (err) {
      throw new UsageError(`--stream-secret-file: ${(err as Error).message}`);
    }
    if (!s) throw new UsageError(`--stream-secret-file: ${file} is empty`);
    return s;
  }
  if (direct !== undefined) {
    if (!direct) throw new UsageError("--stream-secret is empty");
    return direct;
  }
  return process.env.EC_STREAM_SECRET || undefined;
}

export const SECRET_FLAGS = defineFlags({
  "stream-secret": { kind: "string", value: "<text>", help: "shared secret mixed into the stream key (prefer --stream-secret-file or EC_STREAM_SECRET: argv is visible to other users)" },
  "stream-secret-file": { kind: "string", value: "<path>", help: "read the stream secret from a file" },
});

/** The apps' one atomic small-file write (temp name, then rename), shared with the publisher. */
export { writeFileAtomic } from "@ec/publisher";

/**
 * Aborts the returned controller when SIGINT or SIGTERM arrives. The handlers stay installed: a
 * repeated signal does not cut the graceful shutdown short. That matters because a stop usually
 * arrives twice: `timeout`, systemd and a terminal's Ctrl-C signal the whole process group, and the
 * demo then signals its children again; with the default action restored, the second one killed a
 * child mid-cleanup (see demo.ts). SIGKILL is the way to force.
 */
export function onStopSignal(): AbortController {
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return ctl;
}

/** Resolves once `signal` is aborted, at once if it already is (an abort listener added late never fires). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolveAborted) => {
    if (signal.aborted) return resolveAborted();
    signal.addEventListener("abort", () => resolveAborted(), { once: true });
  });
}

/** Creates an output directory named by `--<flag>`; a path that cannot be a directory is a usage error. */
export function ensureOutputDir(dir: string, flag: string): void {
  try {
    makeDirectory(dir);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

/** The one stream-id rule (`@ec/stream-rules`), as a one-line usage error naming `--stream-id`. */
export function validateStreamId(id: string): string {
  if (!isStreamId(id)) {
    throw new UsageError(`--stream-id ${JSON.stringify(id)}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return id;
}

/** The one epoch rule (`@ec/stream-rules`), as a one-line usage error naming `--epoch`; absent passes. */
export function validateEpoch(epoch: string | undefined): string | undefined {
  if (epoch !== undefined && !isEpoch(epoch)) throw new UsageError("--epoch: 1-64 letters, digits, '.', '_' or '-'");
  return epoch;
}

/** Checks an address flag with its parser; a bad one is a usage error naming the flag. Absent passes. */
export function addrFlag(flag: string, text: string | undefined, parse: (t: string) => unknown): string | undefined {
  if (text === undefined) return undefined;
  try {
    parse(text);
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
  return text;
}

/**
 * Checks EndpointAddr flag values before anything starts: a bad one is a usage error (exit 2), one
 * line naming the value, never a runtime failure discovered after the node is up.
 */
export function checkEndpointArgs(values: readonly string[], opts: { allowInsecure?: boolean } = {}): void {
  for (const v of values) {
    try {
      parseEndpointAddr(v, opts);
    } catch (err) {
      // The library's message already names the value and the problem ("bad endpoint \"x\": missing :port"):
      // wrapping it again said it twice.
      throw new UsageError((err as Error).message);
    }
  }
}
