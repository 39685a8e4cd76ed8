/**
 * Two versions of one workspace package's `src`, bundled with esbuild and imported into one
 * process, for the A/B tools (`hls-sink-ab.mts`, `recv-ab.mts`): the old version's sources are
 * taken from git at a commit, the new one is the working tree's. Both bundle the dependencies
 * installed now (resolved from the package's and the root's node_modules).
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

// esbuild is not a direct dependency (so not on npx's path); tsup's own copy is.
const esbuild = createRequire(createRequire(join(REPO, "package.json")).resolve("tsup"))("esbuild") as {
  buildSync(o: Record<string, unknown>): unknown;
};

// CommonJS dependencies (ws) require Node built-ins: give the ESM bundle a require.
const REQUIRE_BANNER = 'import { createRequire as __ecRequire } from "node:module"; const require = __ecRequire(import.meta.url);';

function bundle(srcDir: string, packageDir: string, out: string): string {
  const nodePaths = [join(packageDir, "node_modules"), join(REPO, "node_modules")];
  esbuild.buildSync({ entryPoints: [join(srcDir, "index.ts")], bundle: true, platform: "node", format: "esm", outfile: out, logLevel: "error", nodePaths, banner: { js: REQUIRE_BANNER } });
  return out;
}

/** `packages/<name>/src` at `oldCommit` and in the working tree, bundled into `work` and imported. */
export async function importPackageVersions<T>(name: string, oldCommit: string, work: string): Promise<{ Old: T; New: T }> {
  const packageDir = join(REPO, "packages", name);
  const srcPath = `packages/${name}/src/`;
  const oldSrc = join(work, "old-src");
  const files = execFileSync("git", ["ls-tree", "-r", "--name-only", oldCommit, srcPath], { cwd: REPO, encoding: "utf8" }).trim().split("\n");
  for (const f of files.filter((x) => x.endsWith(".ts"))) {
    const to = join(oldSrc, f.slice(srcPath.length));
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, execFileSync("git", ["show", `${oldCommit}:${f}`], { cwd: REPO }));
  }
  const Old = (await import(pathToFileURL(bundle(oldSrc, packageDir, join(work, "old.mjs"))).href)) as T;
  const New = (await import(pathToFileURL(bundle(join(packageDir, "src"), packageDir, join(work, "new.mjs"))).href)) as T;
  return { Old, New };
}
