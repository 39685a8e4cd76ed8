#!/usr/bin/env node
import { main } from "./index.js";

process.on("unhandledRejection", (err) => {
  process.stderr.write(`ec-node: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  if (process.env.EC_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
  process.exit(1);
});

const code = await main(process.argv.slice(2));
// Let stdout/stderr drain, then exit even if a library left a handle open.
process.exitCode = code;
setImmediate(() => process.exit(code));
