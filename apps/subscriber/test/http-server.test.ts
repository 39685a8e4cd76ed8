/**
 * The watch server on a real loopback socket, over real files. Traversal attempts go over a raw
 * TCP socket: `fetch` would normalise `/../` and `%2e%2e` away before they reached the server.
 */
import { describe, expect, it, beforeAll, afterAll, afterEach } from "vitest";
import type { AddressInfo } from "node:net";
import { createServer, request } from "node:http";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWatchServer, WatchServerError } from "../src/http/index.js";
import type { WatchServer, WatchServerOptions, WatchSnapshot } from "../src/http/index.js";
import { newSubscriberStats } from "../src/stats.js";
import { raw } from "./http-raw.js";
import type { SubscriberStats } from "../src/stats.js";

const SECRET = "TOP-SECRET-MARKER-4f1c";
let root: string;
let hls: string;
const servers: WatchServer[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "ec-watch-srv-"));
  hls = join(root, "hls");
  mkdirSync(hls);
  writeFileSync(join(hls, "index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n00000.ts\n");
  writeFileSync(join(hls, "00000.ts"), Buffer.alloc(188 * 4, 0x47));
  writeFileSync(join(hls, "empty.ts"), "");
  // Things next to and inside the HLS directory that must never be served.
  writeFileSync(join(root, "secret.ts"), SECRET);
  writeFileSync(join(root, "secret.m3u8"), SECRET);
  writeFileSync(join(hls, "notes.txt"), SECRET);
  writeFileSync(join(hls, ".hls-sink-00001.ts-1-1-x.tmp"), SECRET);
  writeFileSync(join(hls, ".hidden.ts"), SECRET);
  symlinkSync(join(root, "secret.ts"), join(hls, "evil.ts"));
  symlinkSync("../secret.m3u8", join(hls, "evil.m3u8"));
  mkdirSync(join(hls, "dir.ts"));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function serve(opts: Partial<WatchServerOptions> = {}): Promise<WatchServer> {
  const s = await startWatchServer({ hlsDir: hls, stats: () => undefined, ...opts });
  servers.push(s);
  return s;
}

/** Reads Server-Sent Events from `url` until `until` returns true for the list so far. */
function readEvents(url: string, until: (events: WatchSnapshot[]) => boolean): Promise<{ events: WatchSnapshot[]; contentType: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const events: WatchSnapshot[] = [];
    const req = request(url, (res) => {
      let buf = "";
      const done = (ended: boolean) => {
        req.destroy();
        resolve({ events, contentType: String(res.headers["content-type"]), ended });
      };
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n\n")) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const lines = block.split("\n");
          if (lines[0] === "event: stats" && lines[1]?.startsWith("data: ")) events.push(JSON.parse(lines[1].slice(6)) as WatchSnapshot);
        }
        if (until(events)) done(false);
      });
      res.on("end", () => done(true));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("watch server: binding", () => {
  it("binds 127.0.0.1 by default and for a bare port, and reports the real port", async () => {
    const a = await serve();
    expect(a.host).toBe("127.0.0.1");
    expect(a.port).toBeGreaterThan(0);
    expect(a.url).toBe(`http://127.0.0.1:${a.port}/`);
    const b = await serve({ listen: "0" });
    expect(b.host).toBe("127.0.0.1");
    const c = await serve({ listen: ":0" });
    expect(c.host).toBe("127.0.0.1");
    expect((await fetch(c.url)).status).toBe(200);
  });

  it("binds another interface only when it is named, and says so in the log", async () => {
    const warnings: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) };
    const s = await serve({ listen: "0.0.0.0:0", log });
    expect(s.host).toBe("0.0.0.0");
    expect(warnings.some((w) => /beyond this machine/.test(w))).toBe(true);
    // Not loopback: no Host restriction (there is nothing to rebind).
    expect((await raw(s.port, "/api/stats", { host: "watch.example" })).status).toBe(200);
  });

  it("fails with typed errors: bad address, port in use, bad options", async () => {
    await expect(startWatchServer({ listen: "nope", hlsDir: hls, stats: () => undefined })).rejects.toMatchObject({ code: "bad-listen" });
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as AddressInfo).port;
    try {
      const err = await startWatchServer({ listen: `127.0.0.1:${port}`, hlsDir: hls, stats: () => undefined }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WatchServerError);
      expect((err as WatchServerError).code).toBe("listen-failed");
      expect((err as Error).message).toContain("EADDRINUSE");
    } finally {
      busy.close();
    }
    await expect(startWatchServer({ hlsDir: hls, stats: () => undefined, sampleMs: 0 })).rejects.toMatchObject({ code: "bad-option" });
    await expect(startWatchServer({ hlsDir: hls, stats: () => undefined, historyMs: 1 })).rejects.toMatchObject({ code: "bad-option" });
    await expect(startWatchServer({ hlsDir: hls, stats: () => undefined, maxEventClients: 0 })).rejects.toMatchObject({ code: "bad-option" });
    await expect(startWatchServer({ hlsDir: "", stats: () => undefined })).rejects.toMatchObject({ code: "bad-option" });
  });

  it("close() ends event streams and stops listening", async () => {
    const s = await startWatchServer({ hlsDir: hls, stats: () => undefined, sampleMs: 20 });
    const reading = readEvents(`${s.url}api/events`, () => false);
    await expect.poll(() => fetch(`${s.url}api/stats`).then((r) => r.status)).toBe(200);
    await s.close();
    const r = await reading;
    expect(r.ended).toBe(true);
    expect(r.events.length).toBeGreaterThanOrEqual(1);
    await expect(fetch(s.url)).rejects.toThrow();
    // Idempotent.
    await s.close();
  });
});

describe("watch server: what it serves", () => {
  it("serves the page, its assets and hls.js with the right types and no-cache", async () => {
    const s = await serve();
    const cases: Array<[string, string]> = [
      ["/", "text/html; charset=utf-8"],
      ["/index.html", "text/html; charset=utf-8"],
      ["/app.js", "text/javascript; charset=utf-8"],
      ["/style.css", "text/css; charset=utf-8"],
      ["/favicon.svg", "image/svg+xml"],
      ["/vendor/hls.min.js", "text/javascript; charset=utf-8"],
    ];
    for (const [path, type] of cases) {
      const r = await raw(s.port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers["content-type"], path).toBe(type);
      expect(r.headers["content-length"], path).toBe(String(r.body.length));
      expect(r.headers["x-content-type-options"], path).toBe("nosniff");
      expect(r.headers["cache-control"], path).toBe("no-cache");
    }
    const page = await raw(s.port, "/");
    expect(page.body.toString()).toContain('<script src="/vendor/hls.min.js"');
    expect(page.headers["content-security-policy"]).toMatch(/default-src 'none'.*script-src 'self'/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    // hls.js is the installed npm package's browser build, byte for byte.
    const hlsJs = readFileSync(createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js"));
    expect((await raw(s.port, "/vendor/hls.min.js")).body.equals(hlsJs)).toBe(true);
  });

  it("sends an ETag with each page asset and answers a matching If-None-Match with an empty 304", async () => {
    const s = await serve();
    for (const path of ["/vendor/hls.min.js", "/", "/app.js"]) {
      const first = await raw(s.port, path);
      const etag = first.headers["etag"];
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
      const again = await raw(s.port, path, { headers: { "If-None-Match": etag! } });
      expect(again.status, path).toBe(304);
      expect(again.body.length, path).toBe(0);
      expect(again.headers["etag"], path).toBe(etag);
      const weakList = await raw(s.port, path, { headers: { "If-None-Match": `"other", W/${etag}` } });
      expect(weakList.status, path).toBe(304);
      const stale = await raw(s.port, path, { headers: { "If-None-Match": '"stale"' } });
      expect(stale.status, path).toBe(200);
      expect(stale.body.equals(first.body), path).toBe(true);
    }
  });

  it("serves HLS files with HLS content types, no-cache, and HEAD without a body", async () => {
    const s = await serve();
    const pl = await raw(s.port, "/hls/index.m3u8");
    expect(pl.status).toBe(200);
    expect(pl.headers["content-type"]).toBe("application/vnd.apple.mpegurl");
    expect(pl.headers["cache-control"]).toBe("no-cache");
    expect(pl.body.equals(readFileSync(join(hls, "index.m3u8")))).toBe(true);
    const seg = await raw(s.port, "/hls/00000.ts");
    expect(seg.status).toBe(200);
    expect(seg.headers["content-type"]).toBe("video/mp2t");
    expect(seg.body.equals(readFileSync(join(hls, "00000.ts")))).toBe(true);
    const head = await raw(s.port, "/hls/00000.ts", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(188 * 4));
    expect(head.body.length).toBe(0);
    const empty = await raw(s.port, "/hls/empty.ts");
    expect(empty.status).toBe(200);
    expect(empty.body.length).toBe(0);
    expect((await raw(s.port, "/hls/00001.ts")).status).toBe(404);
  });

  it("serves nothing before the HLS directory exists, and its files once it does", async () => {
    const later = join(root, "later");
    const s = await serve({ hlsDir: later });
    expect((await raw(s.port, "/hls/index.m3u8")).status).toBe(404);
    mkdirSync(later);
    writeFileSync(join(later, "index.m3u8"), "#EXTM3U\n");
    expect((await raw(s.port, "/hls/index.m3u8")).body.toString()).toBe("#EXTM3U\n");
  });
});

describe("watch server: refusals", () => {
  const traversal = [
    "/hls/../secret.ts",
    "/hls/../secret.m3u8",
    "/hls/..%2fsecret.ts",
    "/hls/..%2Fsecret.m3u8",
    "/hls/%2e%2e/secret.ts",
    "/hls/%2E%2E%2Fsecret.ts",
    "/hls/.%2e/secret.ts",
    "/hls/%252e%252e/secret.ts",
    "/hls/%252e%252e%252fsecret.ts",
    "/hls/..%5csecret.ts",
    "/hls/..\\secret.ts",
    "/hls/%c0%ae%c0%ae/secret.ts",
    "/hls//etc/passwd",
    "/hls/%2Fetc%2Fpasswd",
    "ABSOLUTE", // /hls/<encoded absolute path of the secret>, filled in below
    "//etc/passwd",
    "/../secret.ts",
    "/%2e%2e/secret.ts",
    `http://127.0.0.1/hls/../secret.ts`,
    "/hls/secret.ts%00.m3u8",
    "/hls/index.m3u8%00",
  ];

  it("refuses traversal in every spelling (400) and never leaks the file", async () => {
    const s = await serve();
    for (const t0 of traversal) {
      const t = t0 === "ABSOLUTE" ? `/hls/${encodeURIComponent(join(root, "secret.ts"))}` : t0;
      const r = await raw(s.port, t);
      expect(r.status, t).toBe(400);
      expect(r.body.toString(), t).not.toContain(SECRET);
      // The refusal does not echo the request or any path back.
      expect(r.body.toString(), t).toBe("bad request\n");
    }
  });

  it("refuses raw NUL and control bytes in the request line", async () => {
    const s = await serve();
    for (const t of [Buffer.from("/hls/index.m3u8\0"), Buffer.from("/hls/\0../secret.ts"), Buffer.from("/hls/\x01.ts"), Buffer.from("/hls/\xff.ts", "latin1")]) {
      const r = await raw(s.port, t);
      expect(r.status, JSON.stringify(t.toString("latin1"))).toBe(400);
      expect(r.body.toString()).not.toContain(SECRET);
    }
  });

  it("serves only .m3u8/.ts regular files from the HLS directory: no symlinks, dirs, hidden or other files (404)", async () => {
    const s = await serve();
    for (const t of ["/hls/evil.ts", "/hls/evil.m3u8", "/hls/dir.ts", "/hls/notes.txt", "/hls/.hidden.ts", "/hls/.hls-sink-00001.ts-1-1-x.tmp", "/secret.ts", "/package.json", "/web/index.html", "/src/http/server.ts", "/node_modules/hls.js/package.json"]) {
      const r = await raw(s.port, t);
      expect(r.status, t).toBe(404);
      expect(r.body.toString(), t).not.toContain(SECRET);
    }
  });

  it("answers only GET and HEAD", async () => {
    const s = await serve();
    for (const m of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"]) {
      const r = await raw(s.port, "/hls/index.m3u8", { method: m });
      expect(r.status, m).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
    }
  });

  it("on loopback, refuses requests addressed to another host name (DNS rebinding)", async () => {
    const s = await serve();
    for (const host of ["evil.example", `evil.example:${s.port}`, "127.0.0.1.evil.example", "10.1.2.3"]) {
      const r = await raw(s.port, "/api/stats", { host });
      expect(r.status, host).toBe(403);
      expect(r.body.toString()).not.toContain("streamId");
    }
    for (const host of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, "localhost"]) {
      expect((await raw(s.port, "/api/stats", { host })).status, host).toBe(200);
    }
  });
});

describe("watch server: counters", () => {
  it("GET /api/stats: the live counters as JSON, no-cache; null before the subscriber starts", async () => {
    let live: SubscriberStats | undefined;
    const s = await serve({ stats: () => live });
    const r1 = await raw(s.port, "/api/stats");
    expect(r1.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r1.headers["cache-control"]).toBe("no-cache");
    const snap1 = JSON.parse(r1.body.toString()) as WatchSnapshot;
    expect(snap1.v).toBe(1);
    expect(snap1.stats).toBeNull();
    expect(snap1.liveEdge).toEqual({ newestSegmentAgeMs: null, newestSegmentSeq: null, newestSegmentSeconds: null });

    live = newSubscriberStats("wcbd-hd");
    live.signer = "ab".repeat(32);
    live.signerPinned = true;
    live.manifests.accepted = 7;
    live.objects.rejected["hash-mismatch"] = 3;
    live.peers.objects["ecmoq://x@127.0.0.1:1"] = { role: "objects", connected: false, connects: 1, disconnects: 1, received: 3, accepted: 0, rejected: { "hash-mismatch": 3 }, duplicates: 0, dropped: "junk" };
    live.lastSegment = { seq: 41, name: "00003.ts", writtenAtMs: Date.now() - 1500, durationTicks: 180_000 };
    const snap2 = (await (await fetch(`${s.url}api/stats`)).json()) as WatchSnapshot;
    expect(snap2.stats).toEqual(JSON.parse(JSON.stringify(live)));
    expect(snap2.liveEdge.newestSegmentSeq).toBe(41);
    expect(snap2.liveEdge.newestSegmentSeconds).toBe(2);
    expect(snap2.liveEdge.newestSegmentAgeMs).toBeGreaterThanOrEqual(1500);
  });

  it("GET /api/events: Server-Sent Events that follow the counters, history first, then only new samples", async () => {
    const live = newSubscriberStats("wcbd-hd");
    const s = await serve({ stats: () => live, sampleMs: 20 });
    // Let some history build up before the client connects.
    live.bytesWritten = 1000;
    const history = async () => ((await (await fetch(`${s.url}api/stats`)).json()) as WatchSnapshot).throughput.samples;
    await expect.poll(async () => (await history()).reduce((n, smp) => n + smp.bytes, 0), { timeout: 10_000 }).toBe(1000);
    const got = readEvents(`${s.url}api/events`, (ev) => ev.some((e) => e.stats!.manifests.accepted === 5) && ev.length >= 4);
    // Change the counters while the stream is open (or opening).
    live.manifests.accepted = 5;
    live.bytesWritten += 4000;
    const { events, contentType } = await got;
    expect(contentType).toBe("text/event-stream; charset=utf-8");
    expect(events[0]!.v).toBe(1);
    // The first event carries the kept history; later ones only what is new to this client.
    expect(events[0]!.throughput.samples.length).toBeGreaterThan(1);
    for (let i = 1; i < events.length; i++) {
      const prevNewest = events[i - 1]!.throughput.samples.at(-1)?.atMs ?? -1;
      for (const smp of events[i]!.throughput.samples) expect(smp.atMs).toBeGreaterThan(prevNewest);
    }
    const all = events.flatMap((e) => e.throughput.samples);
    // Every byte written shows up exactly once across the samples.
    expect(all.reduce((n, smp) => n + smp.bytes, 0)).toBe(5000);
    expect(all.reduce((n, smp) => n + smp.manifestsAccepted, 0)).toBe(5);
  });

  it("HEAD /api/events answers headers only; too many streams get 503", async () => {
    const s = await serve({ maxEventClients: 1, sampleMs: 20 });
    const head = await raw(s.port, "/api/events", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    let firstOpen!: () => void;
    const opened = new Promise<void>((r) => (firstOpen = r));
    const first = readEvents(`${s.url}api/events`, (ev) => {
      if (ev.length === 1) firstOpen();
      return ev.length >= 3;
    });
    await opened;
    const second = await raw(s.port, "/api/events");
    expect(second.status).toBe(503);
    expect(second.headers["retry-after"]).toBe("5");
    expect((await first).events.length).toBeGreaterThanOrEqual(3);
  });
});
