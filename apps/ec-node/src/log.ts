/**
 * Structured logs for operators: one line per event on stderr, either logfmt
 * (`ts=… level=info msg="…" key=value`, the default: readable and greppable) or JSON lines.
 * stdout is kept for what a script wants to read (endpoint addresses, URLs, summaries).
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];

function logfmtValue(v: unknown): string {
  if (v === undefined) return "";
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  const s = typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

/** Creates a logger writing to `sink` (stderr by default), dropping events below `level`. */
export function createLogger(opts: {
  level?: LogLevel;
  format?: LogFormat;
  component?: string;
  sink?: (line: string) => void;
}): Logger {
  const min = RANK[opts.level ?? "info"];
  const format = opts.format ?? "text";
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (level: LogLevel, msg: string, fields?: object) => {
    if (RANK[level] < min) return;
    const ts = new Date().toISOString();
    const all: Record<string, unknown> = { ...(opts.component ? { component: opts.component } : {}), ...fields };
    if (format === "json") {
      sink(JSON.stringify({ ts, level, msg, ...all }, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v)));
    } else {
      const kv = Object.entries(all)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${logfmtValue(v)}`)
        .join(" ");
      sink(`ts=${ts} level=${level} msg=${JSON.stringify(msg)}${kv ? " " + kv : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
