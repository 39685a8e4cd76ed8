/**
 * The package as a third party gets it: the built entry point has no `node:` imports (it must
 * load in a browser), and the packed tarball installs into an empty project where a vector
 * verifies through `import ... from "@ec/manifest"` alone (the vector itself read from the
 * tarball's `@ec/manifest/vectors/` export), in JavaScript and in TypeScript.
 * Needs `pnpm --filter @ec/manifest build` first (`pnpm test` at the root builds).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const execFileP = promisify(execFile);

/** execFile that puts the command's own output into the error, so failures explain themselves. */
async function run(cmd: string, args: string[], opts: { cwd: string; timeout: number; env: NodeJS.ProcessEnv }) {
  try {
    return await execFileP(cmd, args, opts);
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = join(pkgDir, "..", "..");
const distJs = join(pkgDir, "dist", "index.js");

function requireBuilt(): void {
  if (!existsSync(distJs)) throw new Error("dist/index.js is missing: run `pnpm --filter @ec/manifest build` first");
}

describe("built entry point", () => {
  it("imports nothing from node: (or any builtin), only @noble/* and @ec/stream-rules", () => {
    requireBuilt();
    const js = readFileSync(distJs, "utf8");
    const specifiers = [...js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s, `import of ${s}`).toMatch(/^(@noble\/(curves|hashes)\/[a-z0-9]+\.js|@ec\/stream-rules)$/);
    expect(js).not.toMatch(/["']node:/);
    expect(js).not.toMatch(/\brequire\s*\(/);
  });

  it("ships type declarations for the public API", () => {
    requireBuilt();
    const dts = readFileSync(join(pkgDir, "dist", "index.d.ts"), "utf8");
    for (const name of ["signManifest", "decodeManifest", "ManifestVerifier", "PendingObjects", "verifyProof", "ManifestError"]) {
      expect(dts).toContain(name);
    }
  });
});

describe("packed tarball in an empty project", () => {
  let work = "";
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "ec-manifest-pack-"));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    "installs and verifies a published vector through the public entry point alone",
    async () => {
      requireBuilt();
      const opts = { cwd: work, timeout: 120_000, env: { ...process.env, npm_config_update_notifier: "false" } };
      await run("pnpm", ["pack", "--pack-destination", work], { ...opts, cwd: pkgDir });
      // Its one @ec dependency, the shared rules, packed from this checkout too.
      await run("pnpm", ["pack", "--pack-destination", work], { ...opts, cwd: join(pkgDir, "..", "stream-rules") });
      const rulesTgz = join(work, readdirSync(work).find((f) => f.startsWith("ec-stream-rules-") && f.endsWith(".tgz"))!);
      const tarball = readdirSync(work).find((f) => f.startsWith("ec-manifest-") && f.endsWith(".tgz"));
      expect(tarball).toBeDefined();
      const { stdout: listing } = await run("tar", ["tzf", join(work, tarball!)], opts);
      expect(listing.split("\n").sort().filter(Boolean)).toEqual(
        [
          "package/LICENSE",
          "package/README.md",
          "package/dist/index.d.ts",
          "package/dist/index.js",
          "package/dist/index.js.map",
          "package/dist/index.d.cts",
          "package/dist/index.cjs",
          "package/dist/index.cjs.map",
          "package/dist/vectors/manifest-v1.json",
          "package/package.json",
        ].sort(),
      );

      const app = join(work, "app");
      await run("mkdir", [app], opts);
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "third-party-app", private: true, type: "module" }));
      const npmArgs = ["--no-audit", "--no-fund", "--ignore-scripts", "--cache", join(work, "npm-cache")];
      // Offline first: the @noble deps packed from this checkout's own install. If that fails
      // (e.g. an unusual store layout), let npm fetch them from the registry.
      const noble = ["hashes", "curves"].map((n) => realpathSync(join(pkgDir, "node_modules", "@noble", n)));
      await run("npm", ["pack", ...noble, "--pack-destination", work, "--ignore-scripts", "--cache", join(work, "npm-cache")], opts);
      const nobleTgz = readdirSync(work).filter((f) => f.startsWith("noble-") && f.endsWith(".tgz")).map((f) => join(work, f));
      try {
        await run("npm", ["install", "--offline", ...npmArgs, ...nobleTgz, rulesTgz, join(work, tarball!)], { ...opts, cwd: app });
      } catch {
        await run("npm", ["install", ...npmArgs, rulesTgz, join(work, tarball!)], { ...opts, cwd: app });
      }

      writeFileSync(join(app, "check.mjs"), CHECK_JS);
      const { stdout } = await run("node", ["check.mjs"], { ...opts, cwd: app });
      expect(stdout.trim()).toBe("verified 7 manifests, 1 proof, 1 object");

      // The declarations type-check a strict TypeScript consumer (node16 resolution, no skipLibCheck).
      writeFileSync(join(app, "check.ts"), CHECK_TS);
      const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
      await run(
        "node",
        [tsc, "--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--lib", "es2022,dom", "check.ts"],
        { ...opts, cwd: app },
      );
    },
    180_000,
  );
});

const CHECK_JS = `
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  decodeKeyFile, decodeManifest, decodeSignedHeader, verifyEntryProof, ManifestVerifier, publicKeyFromHex, hashObject,
} from "@ec/manifest";

// The vectors as the package ships them (the \`./vectors/*\` export).
const V = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@ec/manifest/vectors/manifest-v1.json"), "utf8"));
const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fail = (m) => { console.error(m); process.exit(1); };

const key = decodeKeyFile(V.keys[0].keyFile);
if (toHex(key.publicKey) !== V.keys[0].publicKey) fail("key file");
let n = 0;
for (const mv of V.manifests) {
  const m = decodeManifest(hex(mv.bytes));
  if (toHex(m.hash) !== mv.hash || m.streamId !== mv.body.streamId) fail("manifest " + mv.name);
  n++;
}
const first = V.manifests.find((m) => m.name === "first");
const header = decodeSignedHeader(hex(first.signedHeader));
const p = first.proofs[1];
const entry = decodeManifest(hex(first.bytes)).entries[1];
if (!verifyEntryProof(header, entry, { index: p.index, count: p.count, siblings: p.siblings.map(hex) })) fail("proof");
const v = new ManifestVerifier({ streamId: "wcbd-hd", trustedKeys: [publicKeyFromHex(V.keys[0].publicKey)], now: () => first.body.issuedAtMs });
const r = v.ingest(hex(first.bytes));
if (!r.ok) fail("ingest " + r.reason);
const obj = hex(V.objects[2].bytes);
if (toHex(hashObject(obj)) !== V.objects[2].sha256) fail("hash");
if (v.checkObject(11, obj).status !== "accept") fail("checkObject");
console.log("verified " + n + " manifests, 1 proof, 1 object");
`;

const CHECK_TS = `
import { ManifestVerifier, MANIFEST_REJECT_REASONS, type IngestResult, type ManifestRejectReason } from "@ec/manifest";
const v: ManifestVerifier = new ManifestVerifier({ streamId: "s", trustedKeys: [], trustOnFirstUse: true });
const r: IngestResult = v.ingest(new Uint8Array(0));
const reason: ManifestRejectReason | "accepted" = r.ok ? "accepted" : r.reason;
const all: readonly ManifestRejectReason[] = MANIFEST_REJECT_REASONS;
export { reason, all };
`;
