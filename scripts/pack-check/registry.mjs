/**
 * A throwaway npm registry for the @ec scope, serving the tarballs in one directory, so the pack
 * check installs exactly as a stranger would (`npm i -g @ec/ec-node`, dependencies by name and
 * version) without publishing, and without ever asking the public registry for an @ec name.
 * Usage: node registry.mjs <dir-of-tgz>   (prints "http://127.0.0.1:<port>/" once listening)
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: registry.mjs <dir-of-tgz>\n");
  process.exit(2);
}

/** package.json out of a .tgz (tar: 512-byte headers, name at 0, octal size at 124). */
function manifestOf(tgz) {
  const tar = gunzipSync(tgz);
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(tar.subarray(off + 124, off + 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    if (name === "package/package.json") return JSON.parse(tar.subarray(off + 512, off + 512 + size).toString("utf8"));
    if (!name) break;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error("no package/package.json in tarball");
}

const packages = new Map(); // name -> { pkg, file, bytes }
for (const f of readdirSync(dir).filter((f) => f.endsWith(".tgz"))) {
  const bytes = readFileSync(join(dir, f));
  const pkg = manifestOf(bytes);
  packages.set(pkg.name, { pkg, file: f, bytes });
}

const server = createServer((req, res) => {
  const url = decodeURIComponent(req.url ?? "/");
  const tarball = url.match(/^\/-\/(.+\.tgz)$/);
  if (tarball) {
    const hit = [...packages.values()].find((p) => p.file === tarball[1]);
    if (!hit) return void res.writeHead(404).end();
    return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(hit.bytes);
  }
  const hit = packages.get(url.slice(1));
  if (!hit) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
  const { pkg, file, bytes } = hit;
  const base = `http://${req.headers.host}/`;
  const version = {
    ...pkg,
    _id: `${pkg.name}@${pkg.version}`,
    dist: {
      tarball: `${base}-/${file}`,
      integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
      shasum: createHash("sha1").update(bytes).digest("hex"),
    },
  };
  const doc = { name: pkg.name, "dist-tags": { latest: pkg.version }, versions: { [pkg.version]: version } };
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}/\n`);
});
