/**
 * The `ec-node` command: dispatches subcommands. Each one parses and validates its flags, then
 * composes packages; bad input is a one-line error and exit code 2, failures a one-line reason.
 */
import { readFileSync } from "node:fs";
import { quietMoqLiteLogs } from "@ec/moq-transport";
import { HELP_WIDTH, UsageError, wrapText } from "./flags.js";
import { CommandError } from "./common.js";
import type { Subcommand } from "./command.js";
import { keygen } from "./commands/keygen.js";
import { hdhrSim } from "./commands/hdhr-sim.js";
import { capture } from "./commands/capture.js";
import { moqPublish } from "./commands/moq-publish.js";
import { moqSubscribe } from "./commands/moq-subscribe.js";
import { demo } from "./commands/demo.js";
import { relay } from "./commands/relay.js";

export { parseFlags, parseDuration, formatHelp, defineFlags, UsageError } from "./flags.js";
export type { FlagSpec, FlagTable, Flags, FlagValueOf, HelpRequest, ParsedFlags } from "./flags.js";
export { defineCommand } from "./command.js";
export type { CommandSpec, Subcommand } from "./command.js";
export { createLogger } from "./log.js";

export const COMMANDS: Subcommand[] = [demo, moqPublish, moqSubscribe, relay, keygen, hdhrSim, capture];

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "usage: ec-node <command> [flags]",
    "",
    "every.channel split-source MoQ mesh node.",
    "",
    "commands:",
    ...COMMANDS.flatMap((c) => wrapText(`  ${c.name.padEnd(width)}${c.summary.split("\n")[0]}`, HELP_WIDTH, " ".repeat(width + 2))),
    "",
    "Run `ec-node <command> --help` for its flags; `ec-node --version` prints the version.",
    "",
    "environment:",
    "  EC_DEBUG=1      print the stack trace of an unexpected error (after its one-line message)",
    "  EC_MOQ_DEBUG=1  show @moq/lite's own console lines on stderr, prefixed [moq] (dropped otherwise)",
    "",
  ].join("\n");
}

/** The installed package's version (package.json sits one level above both src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs `ec-node` with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The program (not the libraries) decides: @moq/lite's console chatter is dropped (EC_MOQ_DEBUG=1 shows it).
  quietMoqLiteLogs();
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(topHelp());
    return 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`ec-node ${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`ec-node: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(", ")})\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ec-node ${cmd.name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CommandError) {
      process.stderr.write(`ec-node ${cmd.name}: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`ec-node ${cmd.name}: ${e?.message ?? String(err)}\n`);
    if (process.env.EC_DEBUG) process.stderr.write(`${e?.stack}\n`);
    return 1;
  }
}
