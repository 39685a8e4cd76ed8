/**
 * What every subcommand shares: log flags, reading key files, a one-line failure and exit code.
 */
import { writeFileSync, renameSync } from "node:fs";
import { streamIdProblem } from "@ec/stream-rules";
import { decodeKeyFile, publicKeyFromHex } from "@ec/manifest";
import type { SigningKey } from "@ec/manifest";
import { createLogger, LOG_LEVELS } from "./log.js";
import type { LogFormat, LogLevel, Logger } from "./log.js";
import { UsageError } from "./flags.js";
import type { FlagTable, ParsedFlags } from "./flags.js";
import { makeDirectory, readSmallTextFile } from "./files.js";

/** A key file from `ec-node keygen` is ~200 bytes; anything near this is not one. */
export const KEY_FILE_MAX_BYTES = 4096;
/** A stream secret is a passphrase, not a payload. */
export const SECRET_FILE_MAX_BYTES = 4096;

export const LOG_FLAGS: FlagTable = {
  "log-level": { kind: "string", value: "<debug|info|warn|error>", help: "least severe log level printed", default: "info" },
  "log-format": { kind: "string", value: "<text|json>", help: "logfmt lines or JSON lines on stderr", default: "text" },
};

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

export function loggerFrom(flags: ParsedFlags, component: string): Logger {
  const level = flags["log-level"] as string;
  const format = flags["log-format"] as string;
  if (!LOG_LEVELS.includes(level as LogLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  if (format !== "text" && format !== "json") throw new UsageError("--log-format must be text or json");
  return createLogger({ level: level as LogLevel, format: format as LogFormat, component });
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
export function streamSecretFrom(flags: ParsedFlags): string | undefined {
  const direct = flags["stream-secret"] as string | undefined;
  const file = flags["stream-secret-file"] as string | undefined;
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

export const SECRET_FLAGS: FlagTable = {
  "stream-secret": { kind: "string", value: "<text>", help: "shared secret mixed into the stream key (prefer --stream-secret-file or EC_STREAM_SECRET: argv is visible to other users)" },
  "stream-secret-file": { kind: "string", value: "<path>", help: "read the stream secret from a file" },
};

/** Writes a small text file atomically (temp name, then rename). */
export function writeFileAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

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

export function validateStreamId(id: string): string {
  // The one stream-id rule (@ec/stream-rules), as every package enforces it.
  if (streamIdProblem(id) !== undefined) {
    throw new UsageError(`--stream-id ${JSON.stringify(id)}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return id;
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
