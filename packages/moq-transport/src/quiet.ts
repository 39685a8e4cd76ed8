/**
 * `@moq/lite` 0.2.2 logs through `console.debug` on every subscribe, announce and group, and through
 * `console.warn`/`console.log`/`console.error` when a peer disconnects ("publish error: ...",
 * "connected via WebSocket", "fatal error running connection"). A node that serves many peers
 * would flood its operator's terminal. `quietMoqLiteLogs()` filters console calls that originate
 * inside `@moq/lite` or `@moq/qmux` (recognised by their file path in the caller's stack frame) and
 * drops them, unless the environment variable `EC_MOQ_DEBUG` is set, in which case they go to stderr
 * prefixed with `[moq]`. Console calls from anywhere else pass through.
 *
 * It is opt-in: importing this package leaves `console` alone (a library must not change its host's
 * globals; the wrapper captures a stack on every console call, 2.55 -> 12.93 µs per `console.log`).
 * The `ec-node` program calls it at start; an embedding application decides for itself.
 *
 * Our own events (sessions, refusals, reconnects) go to the `Logger` the caller passes in.
 */

type ConsoleMethod = "debug" | "log" | "info" | "warn" | "error";
const METHODS: ConsoleMethod[] = ["debug", "log", "info", "warn", "error"];
const MARK = Symbol.for("@ec/moq-transport/quiet-console");
// Node reports a module's real path: node_modules/@moq/lite/... with npm, or
// node_modules/.pnpm/@moq+lite@0.2.2.../node_modules/@moq/lite/... with pnpm. Both contain "@moq/lite/".
const FROM_MOQ = /[\\/]@moq[\\/+](lite|qmux|signals)[\\/@]/;

function callerIsMoq(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  // Line 0 is "Error", line 1 this function, line 2 the console wrapper, line 3 the real caller.
  const line = stack.split("\n")[3] ?? "";
  return FROM_MOQ.test(line);
}

type ConsoleLike = Record<ConsoleMethod, (...args: unknown[]) => void> & { [MARK]?: () => void };

/**
 * Drops (or, with `EC_MOQ_DEBUG` set, routes to stderr as `[moq] ...`) the console output of
 * `@moq/lite` and `@moq/qmux` for the whole process; other console calls pass through. Idempotent.
 * Returns a function that puts the original console methods back.
 */
export function quietMoqLiteLogs(): () => void {
  const c = console as unknown as ConsoleLike;
  const installed = c[MARK];
  if (installed) return installed;
  const debug = Boolean(process.env.EC_MOQ_DEBUG);
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const m of METHODS) {
    const original = c[m];
    originals.set(m, original);
    c[m] = (...args: unknown[]) => {
      if (!callerIsMoq()) return original.apply(console, args);
      if (debug) process.stderr.write(`[moq] ${m} ${args.map(fmt).join(" ")}\n`);
    };
  }
  const restore = () => {
    for (const [m, original] of originals) c[m] = original;
    delete c[MARK];
  };
  c[MARK] = restore;
  return restore;
}

function fmt(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
