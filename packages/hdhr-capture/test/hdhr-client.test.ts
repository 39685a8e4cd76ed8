/**
 * The HDHomeRun client against the fake tuner (real HTTP on loopback) and against small hostile
 * servers: every error path of the issue, a whole capture with `duration`, backpressure.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeHdhr } from "../src/fake/fake-hdhr.js";
import type { FakeHdhr } from "../src/fake/fake-hdhr.js";
import { discover, lineup } from "../src/hdhr/device-api.js";
import { openStream } from "../src/hdhr/open-stream.js";
import { parseDeviceError } from "../src/hdhr/device-error.js";
import { deviceBaseUrl } from "../src/hdhr/host.js";
import { chunkStream } from "../src/chunker/chunk-stream.js";
import { HdhrError } from "../src/errors.js";
import type { TsChunk } from "../src/chunker/ts-chunker.js";
import type { HdhrErrorCode } from "../src/errors.js";
import { fixturePath } from "@ec/fixtures";

async function errorOf(p: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

async function expectHdhr(p: Promise<unknown> | (() => Promise<unknown>), code: HdhrErrorCode): Promise<HdhrError> {
  const e = await errorOf(p);
  expect(e).toBeInstanceOf(HdhrError);
  expect((e as HdhrError).code).toBe(code);
  return e as HdhrError;
}

/** Reads a whole stream; returns the byte count. */
async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const b of stream) n += b.length;
  return n;
}

/** Polls `cond` on a short interval (bounded number of times); no timing is asserted. */
async function eventually(cond: () => boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition never became true");
}

/** A tiny HTTP server with a per-path handler: a misbehaving "device". */
async function hostileServer(handler: (path: string, res: ServerResponse) => void): Promise<{ server: Server; host: string }> {
  const server = createServer((req, res) => handler(req.url ?? "/", res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, "close");
}

describe("against the fake HDHomeRun", () => {
  let fake: FakeHdhr;
  beforeAll(async () => {
    fake = await createFakeHdhr({
      input: fixturePath("h264-aac-1s-gop.ts"),
      speed: 40,
      tunerCount: 1,
      deviceId: "1040a2b3",
      channels: [
        { guideNumber: "2.1", guideName: "EC-TEST", hd: true },
        { guideNumber: "5.1", guideName: "PAYTV", drm: true },
      ],
    });
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    await eventually(() => fake.activeStreams === 0); // every test frees its tuner
  });

  it("discover() reads discover.json and leaves the DeviceAuth credential out", async () => {
    const dev = await discover(fake.host);
    expect(dev).toEqual({
      deviceId: "1040A2B3",
      modelNumber: "HDHR5-EC",
      friendlyName: "every.channel fake HDHomeRun",
      firmwareName: "hdhomerun_fake",
      firmwareVersion: "20250101",
      tunerCount: 1,
      baseUrl: fake.baseUrl,
      lineupUrl: `${fake.baseUrl}/lineup.json`,
    });
    const raw = (await (await fetch(`${fake.baseUrl}/discover.json`)).json()) as { DeviceAuth: string };
    expect(raw.DeviceAuth.length).toBeGreaterThan(10);
    expect(JSON.stringify(dev)).not.toContain(raw.DeviceAuth);
    // Every accepted host spelling reaches the same device.
    expect((await discover(`http://${fake.host}/ignored/path`)).deviceId).toBe("1040A2B3");
  });

  it("lineup() reads lineup.json with codecs, flags and stream URLs", async () => {
    expect(await lineup(fake.host)).toEqual([
      { guideNumber: "2.1", guideName: "EC-TEST", url: `${fake.baseUrl}/auto/v2.1`, videoCodec: "H264", audioCodec: "AAC", hd: true, favorite: false, drm: false },
      { guideNumber: "5.1", guideName: "PAYTV", url: `${fake.baseUrl}/auto/v5.1`, videoCodec: "H264", audioCodec: "AAC", hd: false, favorite: false, drm: true },
    ]);
  });

  it("captures a whole stream with duration and chunks it to that much media", async () => {
    const chunks: TsChunk[] = [];
    for await (const c of chunkStream(openStream(fake.host, "2.1", { durationS: 5 }), { chunkMs: 2000 })) chunks.push(c);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
    const seconds = chunks.reduce((n, c) => n + c.durationTicks, 0) / 90_000;
    // The fake stops at the first PCR ≥ 5 s of media; frames are 1/30 s.
    expect(Math.abs(seconds - 5)).toBeLessThanOrEqual(2 / 30);
  });

  it("loops the file past its end; the chunker cuts at the timestamp jump", async () => {
    const chunks: TsChunk[] = [];
    for await (const c of chunkStream(openStream(fake.host, "2.1", { durationS: 15 }), { chunkMs: 2000 })) chunks.push(c);
    const seconds = chunks.reduce((n, c) => n + c.durationTicks, 0) / 90_000;
    expect(Math.abs(seconds - 15)).toBeLessThanOrEqual(2 / 30);
    const jumps = chunks.filter((c, i) => i + 1 < chunks.length && c.firstPts + c.durationTicks !== chunks[i + 1]!.firstPts);
    expect(jumps).toHaveLength(1);
  });

  it("refuses a channel missing from the lineup without requesting it", async () => {
    const before = fake.streamRequests;
    const e = await expectHdhr(drain(openStream(fake.host, "99.9")), "unknown-channel");
    expect(e.message).toContain("99.9");
    expect(fake.streamRequests).toBe(before);
  });

  it("refuses a DRM channel up front, without tuning", async () => {
    const before = fake.streamRequests;
    await expectHdhr(drain(openStream(fake.host, "5.1")), "drm-refused");
    expect(fake.streamRequests).toBe(before);
  });

  it("maps 805 All Tuners In Use when the only tuner is busy, and frees it when the reader stops", async () => {
    const first = openStream(fake.host, "2.1")[Symbol.asyncIterator]();
    expect((await first.next()).done).toBe(false);
    expect(fake.activeStreams).toBe(1);
    const e = await expectHdhr(drain(openStream(fake.host, "2.1")), "tuners-busy");
    expect([e.status, e.deviceCode, e.deviceText]).toEqual([503, 805, "All Tuners In Use"]);
    expect(e.message).toContain("805 All Tuners In Use");
    await first.return(undefined);
    await eventually(() => fake.activeStreams === 0);
    const again = openStream(fake.host, "2.1", { durationS: 1 });
    expect(await drain(again)).toBeGreaterThan(0);
  });

  it.each([
    [806, "Tune Failed", "tune-failed"],
    [807, "No Video Data", "no-video"],
    [811, "Content Protection Required", "content-protected"],
    [801, "Unknown Channel", "unknown-channel"],
    [899, "Something Else", "http-error"],
  ] as const)("maps 503 %i %s to %s with the device's words", async (deviceCode, deviceText, code) => {
    fake.failNext(deviceCode, deviceText);
    const e = await expectHdhr(drain(openStream(fake.host, "2.1")), code);
    expect([e.status, e.deviceCode, e.deviceText]).toEqual([503, deviceCode, deviceText]);
  });

  it("maps a stream that stops sending to stalled", async () => {
    fake.stallAfterBytes(50_000);
    let got = 0;
    const e = await expectHdhr(async () => {
      for await (const b of openStream(fake.host, "2.1", { stallTimeoutMs: 300 })) got += b.length;
    }, "stalled");
    expect(got).toBe(50_000);
    expect(e.message).toContain("300 ms");
  });

  it("maps a connection cut mid-stream to connection-lost", async () => {
    fake.dropAfterBytes(100_000);
    let got = 0;
    await expectHdhr(async () => {
      for await (const b of openStream(fake.host, "2.1")) got += b.length;
    }, "connection-lost");
    expect(got).toBe(100_000);
  });

  it("stops on abort with the signal's reason and frees the tuner", async () => {
    const ac = new AbortController();
    let pieces = 0;
    const e = await errorOf(async () => {
      for await (const _ of openStream(fake.host, "2.1", { signal: ac.signal })) if (++pieces === 3) ac.abort(new Error("operator stop"));
    });
    expect((e as Error).message).toBe("operator stop");
    await eventually(() => fake.activeStreams === 0);
  });

  it("applies backpressure: an idle reader stops the device from sending", async () => {
    const unpaced = await createFakeHdhr({ input: fixturePath("h264-aac-1s-gop.ts"), speed: Infinity });
    try {
      const it = openStream(unpaced.host, "2.1")[Symbol.asyncIterator]();
      await it.next();
      // Let the socket buffers fill: bytesSent must settle instead of growing without end
      // (unpaced and looping, the fake would otherwise send gigabytes).
      let last = -1;
      await eventually(() => {
        const now = unpaced.bytesSent;
        const settled = now === last;
        last = now;
        return settled;
      }, 1000);
      expect(unpaced.bytesSent).toBeLessThan(32 * 1024 * 1024);
      let more = 0;
      for (let i = 0; i < 50; i++) more += ((await it.next()).value as Uint8Array).length;
      expect(more).toBeGreaterThan(0);
      await it.return(undefined);
    } finally {
      await unpaced.close();
    }
  });
});

describe("device failures outside the fake's repertoire", () => {
  it("maps connection refused to unreachable", async () => {
    const { server, host } = await hostileServer(() => {});
    await closeServer(server); // the port is now closed
    await expectHdhr(discover(host), "unreachable");
    await expectHdhr(drain(openStream(host, "2.1")), "unreachable");
  });

  it("maps silence to timeout (JSON) and to stalled (stream headers)", async () => {
    let base = "";
    const { server, host } = await hostileServer((path, res) => {
      if (path === "/lineup.json") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify([{ GuideNumber: "2.1", GuideName: "X", URL: `${base}/auto/v2.1` }]));
      }
      // everything else: never answer
    });
    base = `http://${host}`;
    try {
      await expectHdhr(discover(host, { timeoutMs: 200 }), "timeout");
      await expectHdhr(drain(openStream(host, "2.1", { stallTimeoutMs: 200 })), "stalled");
    } finally {
      await closeServer(server);
    }
  });

  it("maps a plain 404 from the stream URL to unknown-channel", async () => {
    const fake = await createFakeHdhr({ input: fixturePath("h264-scenecut.ts") });
    // A lineup that lists a channel the tuner does not have (stale lineup).
    const { server, host } = await hostileServer((_path, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify([{ GuideNumber: "9.9", GuideName: "GONE", URL: `${fake.baseUrl}/auto/v9.9` }]));
    });
    try {
      const e = await expectHdhr(drain(openStream(host, "9.9")), "unknown-channel");
      expect(e.status).toBe(404);
    } finally {
      await closeServer(server);
      await fake.close();
    }
  });

  it("maps malformed documents to bad-response and error statuses to http-error", async () => {
    const bodies: Record<string, [number, string]> = {
      "/discover.json": [200, "<html>not json</html>"],
      "/lineup.json": [200, JSON.stringify({ not: "an array" })],
    };
    const { server, host } = await hostileServer((path, res) => {
      const [status, body] = bodies[path] ?? [404, ""];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    });
    try {
      await expectHdhr(discover(host), "bad-response");
      await expectHdhr(lineup(host), "bad-response");
      bodies["/discover.json"] = [200, JSON.stringify({ DeviceID: "12345678", ModelNumber: "M", FirmwareVersion: "1", TunerCount: "two", BaseURL: "http://x" })];
      expect((await expectHdhr(discover(host), "bad-response")).message).toContain("TunerCount");
      bodies["/discover.json"] = [200, JSON.stringify({ DeviceID: "xyz", ModelNumber: "M", FirmwareVersion: "1", TunerCount: 2, BaseURL: "http://x" })];
      expect((await expectHdhr(discover(host), "bad-response")).message).toContain("DeviceID");
      bodies["/discover.json"] = [200, JSON.stringify({ DeviceID: "12345678", ModelNumber: "M", FirmwareVersion: "1", TunerCount: 2, BaseURL: "javascript:alert(1)" })];
      expect((await expectHdhr(discover(host), "bad-response")).message).toContain("BaseURL");
      bodies["/lineup.json"] = [200, JSON.stringify([{ GuideNumber: "2.1", GuideName: "NO URL" }])];
      expect((await expectHdhr(lineup(host), "bad-response")).message).toContain("URL");
      bodies["/lineup.json"] = [200, JSON.stringify([{ GuideNumber: "2.1", URL: "http://x/auto/v2.1" }]) + " ".repeat(5 * 1024 * 1024)];
      expect((await expectHdhr(lineup(host), "bad-response")).message).toContain("larger than");
      bodies["/discover.json"] = [500, "oops"];
      expect((await expectHdhr(discover(host), "http-error")).status).toBe(500);
    } finally {
      await closeServer(server);
    }
  });

  it("rejects hosts that are not device addresses", () => {
    for (const bad of ["", "   ", "ftp://10.0.0.1", "http://user:pw@10.0.0.1", "http://[::1"]) {
      expect(() => deviceBaseUrl(bad)).toThrow(HdhrError);
    }
    expect(deviceBaseUrl("10.0.0.7").href).toBe("http://10.0.0.7/");
    expect(deviceBaseUrl("10.0.0.7:5004").href).toBe("http://10.0.0.7:5004/");
    expect(deviceBaseUrl("[fe80::1]:8080").host).toBe("[fe80::1]:8080");
  });

  it("cleans device text of control characters and caps its length", () => {
    expect(parseDeviceError("805 All Tuners\u001b[31m In Use\r\nInjected: yes")).toEqual({ deviceCode: 805, deviceText: "All Tuners[31m In UseInjected: yes" });
    expect(parseDeviceError(`807 ${"x".repeat(1000)}`).deviceText).toHaveLength(196);
    expect(parseDeviceError("garbled")).toEqual({ deviceText: "garbled" });
    expect(parseDeviceError(undefined)).toEqual({});
  });

  it("rejects bad stream options", async () => {
    await expect(drain(openStream("127.0.0.1:1", "2.1", { durationS: -1 }))).rejects.toThrow(RangeError);
    await expect(drain(openStream("127.0.0.1:1", "2.1", { stallTimeoutMs: 0 }))).rejects.toThrow(RangeError);
  });
});
