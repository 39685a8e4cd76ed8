/**
 * `@moq/lite` 0.2.2 logs through `console.debug` on every subscribe, announce and group, and through
 * `console.warn`/`console.log`/`console.error` when a peer disconnects ("publish error: ...",
 * "connected via WebSocket", "fatal error running connection"). A node that serves many peers
 * would flood its operator's terminal, so this module filters console calls that originate inside
 * `@moq/lite` or `@moq/qmux` (recognised by their file path in the caller's stack frame) and drops
 * them, unless the environment variable `EC_MOQ_DEBUG` is set, in which case they go to stderr
 * prefixed with `[moq]`. Console calls from anywhere else are untouched.
 *
 * Our own events (sessions, refusals, reconnects) go to the `Logger` the caller passes in.
 */
export {};

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

const c = console as unknown as Record<ConsoleMethod, (...args: unknown[]) => void> & { [MARK]?: true };
if (!c[MARK]) {
  c[MARK] = true;
  const debug = Boolean(process.env.EC_MOQ_DEBUG);
  for (const m of METHODS) {
    const original = c[m].bind(console);
    c[m] = (...args: unknown[]) => {
      if (!callerIsMoq()) return original(...args);
      if (debug) process.stderr.write(`[moq] ${m} ${args.map(fmt).join(" ")}\n`);
    };
  }
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
