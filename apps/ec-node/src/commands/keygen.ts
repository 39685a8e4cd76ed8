import { existsSync } from "node:fs";
import { encodeKeyFile, generateSigningKey, publicKeyToHex } from "@ec/manifest";
import { UsageError } from "../flags.js";
import { LOG_FLAGS, loggerFrom, writeFileAtomic } from "../common.js";
import { defineCommand } from "../command.js";

export const keygen = defineCommand({
  name: "keygen",
  summary: "Write a new Ed25519 signing key (mode 0600) and print its public key.\nUse it with moq-publish --signing-key (or --node-key); give the public key to subscribers as --trusted-key.",
  usage: "ec-node keygen --out leader.key [--force]",
  flags: {
    out: { kind: "string", value: "<path>", help: "where to write the key file", required: true },
    force: { kind: "boolean", help: "overwrite an existing file", default: false },
    // Accepted like every other command's, so a script can pass the same --log-level to all of them.
    ...LOG_FLAGS,
  },
  async run(flags) {
    const log = loggerFrom(flags, "keygen"); // validates --log-level/--log-format before anything is written
    const out = flags.out;
    if (existsSync(out) && !flags.force) throw new UsageError(`--out ${out} exists; refusing to overwrite a key (use --force)`);
    const key = generateSigningKey();
    try {
      writeFileAtomic(out, encodeKeyFile(key), 0o600);
    } catch (err) {
      throw new UsageError(`--out: cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    log.info("key written", { path: out });
    process.stdout.write(publicKeyToHex(key.publicKey) + "\n");
    return 0;
  },
});
