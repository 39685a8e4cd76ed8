/**
 * The unpatched `@moq/lite` 0.2.2, for the benches' "raw, unpatched" baseline: the repo patches
 * its receive copy (patches/@moq__lite@0.2.2.patch), and the gain only shows beside the original in
 * the same run. Made at bench time, offline: the installed (patched) package is copied into the
 * scratch directory and the patch is reversed with `patch -R`; its dependencies are linked to the
 * very builds the patched copy uses. Nothing is downloaded and nothing is committed.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./media.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
export const MOQ_LITE_PATCH = join(REPO, "patches", "@moq__lite@0.2.2.patch");
/** The environment variable `procs/raw-moq.mjs` loads `@moq/lite` from when set (a file path). */
export const RAW_MOQ_LITE_ENV = "EC_RAW_MOQ_LITE";

let made: string | undefined;
/** The path of the pristine package's `index.js` (made once per bench process). */
export function pristineMoqLite(): string {
  if (made) return made;
  const fromTransport = createRequire(join(REPO, "packages", "moq-transport", "package.json"));
  const patched = realpathSync(dirname(fromTransport.resolve("@moq/lite")));
  const siblings = dirname(dirname(patched)); // .pnpm/<pkg>/node_modules
  const modules = join(tempDir("moq-lite-unpatched"), "node_modules");
  const copy = join(modules, "@moq", "lite");
  mkdirSync(dirname(copy), { recursive: true });
  cpSync(patched, copy, { recursive: true, dereference: true });
  execFileSync("patch", ["-R", "-p1", "-s", "-d", copy, "-i", MOQ_LITE_PATCH], { stdio: ["ignore", "ignore", "pipe"] });
  if (readFileSync(join(copy, "stream.js"), "utf8").includes("every.channel patch")) throw new Error("reversing the @moq/lite patch left it applied");
  for (const entry of readdirSync(siblings)) {
    const scoped = entry.startsWith("@") ? readdirSync(join(siblings, entry)).map((n) => join(entry, n)) : [entry];
    for (const name of scoped) {
      if (name === join("@moq", "lite")) continue;
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(realpathSync(join(siblings, name)), join(modules, name));
    }
  }
  made = join(copy, "index.js");
  return made;
}
