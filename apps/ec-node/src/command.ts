import { formatHelp, parseFlags } from "./flags.js";
import type { FlagTable, Flags } from "./flags.js";

/**
 * One `ec-node` subcommand as the dispatcher sees it: its name, help text and flag table, and a
 * runner for its argv. Each command's own flag types stay inside {@link defineCommand}.
 */
export interface Subcommand {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly flags: FlagTable;
  /** Parses `argv` (a UsageError on bad input), prints `--help` or runs; returns the exit code. */
  run(argv: readonly string[]): Promise<number>;
}

/** What a command declares: `run` receives flags typed by `flags`. */
export interface CommandSpec<T extends FlagTable> {
  name: string;
  summary: string;
  usage: string;
  flags: T;
  /** Returns the process exit code. */
  run(flags: Flags<T>): Promise<number>;
}

/**
 * Declares a command; `flags` keeps its literal specs, so `run(flags)` sees `flags.listen` as a
 * `string`, a repeatable flag as a list, an optional one as `string | undefined`, a duration as ms.
 */
export function defineCommand<const T extends FlagTable>(spec: CommandSpec<T>): Subcommand {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    flags: spec.flags,
    async run(argv) {
      const flags = parseFlags(argv, spec.flags);
      if (flags.help === true) {
        process.stdout.write(formatHelp(spec.usage, spec.summary, spec.flags));
        return 0;
      }
      return spec.run(flags);
    },
  };
}
