/**
 * A strict command-line flag parser. Every subcommand declares its flags once; the same table
 * drives parsing, defaults, validation and `--help`. Anything unexpected is a {@link UsageError}
 * whose message is one line naming the problem (the CLI prints it and exits 2).
 *
 * Accepted forms: `--name value`, `--name=value`; booleans also as bare `--name` (true) or
 * `--name=true|false`. Repeatable flags collect every occurrence in order.
 */

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type FlagKind = "string" | "boolean" | "int" | "number" | "duration";

export interface FlagSpec {
  kind: FlagKind;
  /** One line for `--help`. */
  help: string;
  /** Placeholder shown in `--help`, e.g. `<host:port>`. */
  value?: string;
  default?: string | boolean | number;
  repeatable?: boolean;
  required?: boolean;
}

export type FlagTable = Record<string, FlagSpec>;

export type FlagValue = string | boolean | number | string[] | number[] | undefined;

/** What one kind converts to: text stays text, `int`/`number`/`duration` (milliseconds) are numbers. */
type KindValue<K extends FlagKind> = K extends "string" ? string : K extends "boolean" ? boolean : number;

/**
 * The parsed value of one flag, from its spec: a repeatable flag is a list (empty when absent), a
 * required flag or one with a default is always there, any other may be `undefined`.
 */
export type FlagValueOf<S extends FlagSpec> = S extends { repeatable: true }
  ? KindValue<S["kind"]>[]
  : S extends { required: true }
    ? KindValue<S["kind"]>
    : S extends { default: string | boolean | number }
      ? KindValue<S["kind"]>
      : KindValue<S["kind"]> | undefined;

/** The parsed flags of a command whose table is `T`: each name typed by its spec, so no reader casts. */
export type Flags<T extends FlagTable> = (string extends keyof T
  ? { readonly [name: string]: FlagValue } // an untyped table: any value is possible
  : { readonly [K in keyof T]: FlagValueOf<T[K]> }) & { readonly help?: undefined };

/** `--help` (or `-h`) was given: nothing else was parsed or validated, so every declared flag is absent. */
export type HelpRequest<T extends FlagTable> = { readonly help: true } & { readonly [K in keyof T]?: undefined };

/** Flags parsed against an untyped table (every value possible). */
export type ParsedFlags = Flags<FlagTable>;

/** Declares a flag table once, keeping each spec's literal kind/required/default/repeatable for {@link Flags}. */
export function defineFlags<const T extends FlagTable>(table: T): T {
  return table;
}

/**
 * Parses `30s`, `2m`, `1500ms`, `1h`, `1m30s`, or a bare number of seconds, into milliseconds.
 * Zero parses (as 0); duration *flags* refuse it (see `convert`).
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n * 3_600_000;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== t.length || !Number.isFinite(total)) {
    throw new UsageError(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 2m, 1500ms)`);
  }
  return Math.round(total);
}

function convert(name: string, spec: FlagSpec, raw: string): string | boolean | number {
  switch (spec.kind) {
    case "string":
      return raw;
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(raw)}`);
    case "int": {
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
        throw new UsageError(`--${name} takes a whole number, not ${JSON.stringify(raw)}`);
      }
      return Number(raw);
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number, not ${JSON.stringify(raw)}`);
      return n;
    }
    case "duration": {
      let ms: number;
      try {
        ms = parseDuration(raw);
      } catch {
        throw new UsageError(`--${name} takes a duration such as 30s or 2m, not ${JSON.stringify(raw)}`);
      }
      // No duration flag gives 0 a meaning ("none", "forever"): leaving the flag out does that. A
      // zero that silently meant "no limit" (--timeout 0s) was a trap, so every one refuses it.
      if (ms <= 0) throw new UsageError(`--${name} takes a duration above zero, not ${JSON.stringify(raw)} (leave the flag out for its default)`);
      return ms;
    }
  }
}

/**
 * Parses `argv` against `table`. Returns every declared flag (defaults filled in; repeatable
 * flags as arrays). `--help`/`-h` is reported as `{help: true}` and nothing else is validated.
 */
export function parseFlags<T extends FlagTable>(argv: readonly string[], table: T): Flags<T> | HelpRequest<T> {
  if (argv.includes("--help") || argv.includes("-h")) return { help: true } as HelpRequest<T>;
  // Built untyped, then returned as the table's type: every declared name is filled below exactly as
  // FlagValueOf says (lists for repeatable, a value when required or defaulted).
  const out: Record<string, FlagValue> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = table[name];
    if (!spec) throw new UsageError(`unknown flag --${name} (see --help)`);
    let raw: string;
    if (eq !== -1) {
      raw = arg.slice(eq + 1);
    } else if (spec.kind === "boolean") {
      raw = "true";
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value ${spec.value ?? ""}`.trimEnd());
      raw = next;
      i++;
    }
    const value = convert(name, spec, raw);
    if (spec.repeatable) {
      const list = (out[name] as Array<string | number> | undefined) ?? [];
      list.push(value as string | number);
      out[name] = list as string[] | number[];
    } else {
      if (out[name] !== undefined) throw new UsageError(`--${name} given more than once`);
      out[name] = value;
    }
  }
  for (const [name, spec] of Object.entries(table)) {
    if (out[name] === undefined) {
      if (spec.required) throw new UsageError(`missing --${name} ${spec.value ?? ""}`.trimEnd());
      if (spec.repeatable) out[name] = [];
      else if (spec.default !== undefined) {
        // Defaults are written as an operator would type them ("2m"), so they go through the same conversion.
        out[name] = typeof spec.default === "string" ? convert(name, spec, spec.default) : spec.default;
      }
    }
  }
  return out as Flags<T>;
}

/** Help text stays under this many columns (a terminal's 100, with a margin). */
export const HELP_WIDTH = 98;

/** Greedy word wrap of `text` to `width` columns; continuation lines get `indent`. */
export function wrapText(text: string, width: number, indent = ""): string[] {
  const out: string[] = [];
  let line: string | undefined;
  // Split on single spaces so runs of spaces (alignment padding) survive as empty words.
  for (const word of text.split(" ")) {
    if (line === undefined) line = word;
    else if (word && line.length + 1 + word.length > width && line.trim()) {
      out.push(line.trimEnd());
      line = indent + word;
    } else line = `${line} ${word}`;
  }
  out.push(line ?? "");
  return out;
}

/** The summary's first line is its headline; the rest is one paragraph, re-wrapped. */
function summaryLines(summary: string): string[] {
  const [headline = "", ...rest] = summary.split("\n");
  const body = rest.map((l) => l.trim()).filter(Boolean).join(" ");
  return [...wrapText(headline, HELP_WIDTH), ...(body ? wrapText(body, HELP_WIDTH) : [])];
}

/**
 * Renders the `--help` text for a command, wrapped to {@link HELP_WIDTH}. Every duration flag reads
 * `<dur>` (one syntax, explained once at the end); a default is shown once, and a boolean's `false`
 * default not at all (leaving the flag out is false).
 */
export function formatHelp(usage: string, summary: string, table: FlagTable): string {
  let hasDuration = false;
  const rows = Object.entries(table).map(([name, spec]) => {
    if (spec.kind === "duration") hasDuration = true;
    const value = spec.kind === "duration" ? "<dur>" : (spec.value ?? `<${spec.kind}>`);
    const left = `  --${name}${spec.kind === "boolean" ? "[=true|false]" : " " + value}`;
    const extra: string[] = [];
    if (spec.required) extra.push("required");
    if (spec.repeatable) extra.push("repeatable");
    const saysDefault = /\(default\b/.test(spec.help);
    if (spec.default !== undefined && !saysDefault && !(spec.kind === "boolean" && spec.default === false)) {
      extra.push(`default ${String(spec.default)}`);
    }
    return [left, spec.help + (extra.length ? ` (${extra.join(", ")})` : "")] as const;
  });
  rows.push(["  --help", "show this help"]);
  // Descriptions start in one column; a flag too long for it puts its description on the next line.
  const col = Math.min(Math.max(...rows.map(([l]) => l.length), 10) + 2, 34);
  const pad = " ".repeat(col);
  const flagLines = rows.flatMap(([l, r]) => {
    const body = wrapText(r, HELP_WIDTH - col);
    const lines = body.map((b, i) => (i === 0 ? "" : pad) + b);
    return l.length + 2 <= col ? [l.padEnd(col) + lines[0], ...lines.slice(1)] : [l, ...lines.map((x, i) => (i === 0 ? pad + x : x))];
  });
  return [
    ...wrapText(`usage: ${usage}`, HELP_WIDTH, "         "),
    "",
    ...summaryLines(summary),
    "",
    "flags:",
    ...flagLines,
    ...(hasDuration ? ["", "<dur> is a duration such as 500ms, 30s, 2m or 1m30s (a bare number is seconds)."] : []),
    "",
  ].join("\n");
}
