/** Structured logger. Every method takes a short message and optional fields; none may throw. */
export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
}

/** The default logger: says nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Counters by reason as one log value or exit-reason clause: "3 unknown-signer, 1 expired"
 * (largest first), or "none". The one format every command prints counts in.
 */
export function describeCounts(counts: Partial<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`);
  return parts.length ? parts.join(", ") : "none";
}
