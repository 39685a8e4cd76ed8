import type { FlagTable, ParsedFlags } from "./flags.js";

/** One `ec-node` subcommand: its flag table drives parsing and `--help`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: FlagTable;
  /** Returns the process exit code. */
  run(flags: ParsedFlags): Promise<number>;
}
