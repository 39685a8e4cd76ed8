import { describe, expect, it, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCli } from "./cli-harness.js";

const out = mkdtempSync(join(tmpdir(), "ec-demo-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("ec-node demo (the README's main job)", () => {
  it("runs two antennas, leader, follower, relay hop and subscriber, and leaves a playable verified HLS stream", async () => {
    // The browser page is @ec/web-peer's build, bundled with ec-node (played in Chromium by
    // web-peer.e2e.test.ts): here, that the hop serves it with a config.json pointing at the mesh.
    const demo = startCli(["demo", "--out", out, "--duration", "6s", "--serve-web", "127.0.0.1:0"]);
    const timer = setTimeout(() => demo.proc.kill("SIGKILL"), 90_000);
    // While it runs: the printed browser page URL serves the page and its config.json.
    while (!/\n {2}signer: {4}\S+/.test(demo.stdout()) && demo.proc.exitCode === null) await new Promise((res) => setTimeout(res, 100));
    const printed = (label: string) => new RegExp(`^ {2}${label}: +(\\S+)`, "m").exec(demo.stdout())?.[1];
    const pageUrl = printed("browser");
    expect(pageUrl, demo.stdout()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(pageUrl!);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await index.text()).toContain("web peer");
    const app = await fetch(`${pageUrl}app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const config = await (await fetch(`${pageUrl}config.json`)).json();
    expect(config).toEqual({ streamId: "demo", manifestPeer: printed("hop"), objectPeers: [printed("hop"), printed("follower")], trustedKeys: [printed("signer")] });
    const r = await demo.exit;
    clearTimeout(timer);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const playlist = join(out, "hls", "index.m3u8");
    expect(r.stdout).toContain(playlist);
    expect(r.stdout).toMatch(/done: \d+ segments/);
    expect(readFileSync(playlist, "utf8")).toContain("#EXT-X-ENDLIST");
    // Each node logged under its role.
    for (const role of ["[leader]", "[follower]", "[relay-hop]", "[subscriber]"]) expect(r.stderr).toContain(role);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.result.ok).toBe(true);
    expect(stats.mediaSeconds).toBeGreaterThanOrEqual(6);
    expect(stats.objects.rejected).toEqual({});
    expect(statSync(join(out, "leader.key")).mode & 0o777).toBe(0o600);
    // One relay hop (ec-node relay) between the capturing relay and the subscriber: the subscriber's
    // only peer, and it verified and forwarded every object the subscriber wrote.
    const hop = JSON.parse(readFileSync(join(out, "relay-stats.json"), "utf8"));
    expect(Object.keys(stats.peers.manifests)).toEqual([hop.endpoint]);
    expect(Object.keys(stats.peers.objects)).toEqual([hop.endpoint]);
    expect(stats.peers.objects[hop.endpoint].accepted).toBe(stats.objects.accepted);
    expect(hop.objectsForwarded).toBeGreaterThanOrEqual(stats.segments);
    expect(hop.gate.objects.rejected).toEqual({});
    expect(r.stdout).toContain(`hop:       ${hop.endpoint}`);
    // The follower (the second antenna, another device) served the leader's objects from its own capture.
    const follower = JSON.parse(readFileSync(join(out, "follower-stats.json"), "utf8")).follow;
    expect(follower.published).toBeGreaterThan(0);
    expect(follower.mismatched["hash-mismatch"] ?? 0).toBe(0);
    expect(r.stdout).toContain("follower:");
    // ffmpeg decodes the whole playlist without an error.
    execFileSync("ffmpeg", ["-v", "error", "-xerror", "-i", playlist, "-f", "null", "-"], { stdio: ["ignore", "ignore", "pipe"] });
  });
});
