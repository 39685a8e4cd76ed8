/**
 * A fake HDHomeRun on loopback: the HTTP JSON API plus `/auto/v<GuideNumber>` streams played
 * from a TS file in real time (or `speed` times faster), with the real device's refusals:
 * 404 for an unknown channel, 503 + `805 All Tuners In Use` when every tuner is streaming,
 * 503 + `811` for a DRM channel. Test hooks inject the other failures.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { DEVICE_TYPE_TUNER } from "../hdhr/discovery-packet.js";
import { lineupCodecName } from "../ts/stream-types.js";
import { TICKS_PER_SECOND } from "@ec/stream-rules";
import { pacedTsFile } from "./paced-ts-file.js";
import { probeTsFile } from "./probe-ts-file.js";
import type { TsFileProbe } from "./probe-ts-file.js";
import { startUdpResponder } from "./udp-responder.js";
import type { UdpResponder } from "./udp-responder.js";
import { LiveBroadcast } from "./live-broadcast.js";
import type { DamageBurst } from "./live-broadcast.js";
import type { DamageSpec } from "./damage-spec.js";

/** A channel of the fake's lineup; every channel plays the same input file. */
export interface FakeChannel {
  guideNumber: string;
  guideName: string;
  /** Listed with `DRM: 1`, and refused with 503 `811` if requested anyway. */
  drm?: boolean;
  hd?: boolean;
}

/** Options of `createFakeHdhr`. */
export interface FakeHdhrOptions {
  /** Path of the MPEG-TS file every channel plays. */
  input: string;
  /** "host:port" to listen on. Default "127.0.0.1:0" (a free port). */
  listen?: string;
  /** Media seconds per wall second. Default 1 (real time); Infinity sends as fast as read. */
  speed?: number;
  /** Concurrent streams allowed before `805 All Tuners In Use`. Default 2. */
  tunerCount?: number;
  /** 8 hex digits. Default "1EC0DE01". */
  deviceId?: string;
  /** Default one channel, 2.1 "EC-TEST". */
  channels?: FakeChannel[];
  /** Restart the file at its end. Default true. */
  loop?: boolean;
  /** Also answer UDP discovery on this "host:port" (port 0 = free), e.g. "127.0.0.1:0". */
  discoveryListen?: string;
  /**
   * Serve one ongoing broadcast (see `LiveBroadcast`): a client joins at the current position of
   * a clock shared by every sim on this file, not at the file's start; the file loops with
   * continuous timestamps. `loop` is ignored; `speed` must be finite. Default false.
   */
  live?: boolean;
  /** Live only: Unix ms at which the broadcast was at its start. Default 0 (the epoch). */
  clockOriginMs?: number;
  /** Live only: behave like device n of the same broadcast (own PSI, nulls, extra PID). Default 0. */
  deviceProfile?: number;
  /** Live only: reception damage, e.g. "seed=7,every=10,burst=8,mode=mix". */
  damage?: DamageSpec | string;
  /** Live only: told once per damage burst, when it is first sent. */
  onDamage?: (burst: DamageBurst) => void;
}

/** A running fake tuner. */
export interface FakeHdhr {
  /** The live broadcast served, when `live` was set. */
  readonly broadcast: LiveBroadcast | undefined;
  /** e.g. "http://127.0.0.1:40123". */
  readonly baseUrl: string;
  /** e.g. "127.0.0.1:40123": what `discover`/`openStream` take. */
  readonly host: string;
  readonly deviceId: string;
  /** UDP discovery port, when `discoveryListen` was given. */
  readonly discoveryPort: number | undefined;
  /** Streams being served right now (tuners in use). */
  readonly activeStreams: number;
  /** Stream requests received, including refused ones. */
  readonly streamRequests: number;
  /** Stream bytes written to clients so far. */
  readonly bytesSent: number;
  /** The next stream request is refused with `status` and `X-HDHomeRun-Error: <code> <text>`. */
  failNext(deviceCode: number, deviceText: string, status?: number): void;
  /** The next stream sends `afterBytes` bytes, then nothing more while keeping the connection open. */
  stallAfterBytes(afterBytes: number): void;
  /** The next stream sends `afterBytes` bytes, then the connection is destroyed mid-stream. */
  dropAfterBytes(afterBytes: number): void;
  /** Stops listening and cuts every open stream. */
  close(): Promise<void>;
}

type StreamFault = { kind: "stall" | "drop"; afterBytes: number };

function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen.trim());
  if (!m) throw new RangeError(`listen must be "host:port", got ${JSON.stringify(listen)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new RangeError(`bad port in ${JSON.stringify(listen)}`);
  return { host: (m[1] ?? m[2])!, port };
}

function formatHost(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function refuse(res: ServerResponse, status: number, deviceError?: string): void {
  const headers: Record<string, string> = { "content-type": "text/plain" };
  if (deviceError) headers["x-hdhomerun-error"] = deviceError;
  res.writeHead(status, headers);
  res.end(deviceError ?? (status === 404 ? "Unknown Channel" : "Error"));
}

/**
 * Starts the fake. @throws TsError when `input` holds no usable MPEG-TS program (and the usual
 * fs error when it cannot be read); RangeError for bad options.
 */
export async function createFakeHdhr(opts: FakeHdhrOptions): Promise<FakeHdhr> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`speed must be positive, got ${speed}`);
  const tunerCount = opts.tunerCount ?? 2;
  if (!Number.isInteger(tunerCount) || tunerCount < 1 || tunerCount > 64) {
    throw new RangeError(`tunerCount must be an integer from 1 to 64, got ${tunerCount}`);
  }
  const deviceId = (opts.deviceId ?? "1EC0DE01").toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(deviceId)) throw new RangeError("deviceId must be 8 hex digits");
  const channels = opts.channels ?? [{ guideNumber: "2.1", guideName: "EC-TEST" }];
  const loop = opts.loop ?? true;
  const live = opts.live ?? false;
  if (!live && (opts.deviceProfile !== undefined || opts.damage !== undefined || opts.clockOriginMs !== undefined)) {
    throw new RangeError("deviceProfile, damage and clockOriginMs need live: true");
  }
  const probe: TsFileProbe = await probeTsFile(opts.input);
  const broadcast = live
    ? await LiveBroadcast.fromFile(opts.input, {
        speed,
        clockOriginMs: opts.clockOriginMs ?? 0,
        deviceProfile: opts.deviceProfile ?? 0,
        ...(opts.damage !== undefined ? { damage: opts.damage } : {}),
        ...(opts.onDamage ? { onDamage: opts.onDamage } : {}),
      })
    : undefined;
  const { host: listenHost, port: listenPort } = splitHostPort(opts.listen ?? "127.0.0.1:0");
  const video = probe.program.streams.find((s) => s.kind === "video");
  const audio = probe.program.streams.find((s) => s.kind === "audio");
  // A credential on a real device; random here so nothing can depend on it.
  const deviceAuth = randomBytes(18).toString("base64url");

  const active = new Set<ServerResponse>();
  const faults: StreamFault[] = [];
  const failures: Array<{ status: number; header: string }> = [];
  let streamRequests = 0;
  let bytesSent = 0;
  let baseUrl = "";

  const lineupJson = () =>
    channels.map((c) => ({
      GuideNumber: c.guideNumber,
      GuideName: c.guideName,
      ...(video && lineupCodecName(video.codec) ? { VideoCodec: lineupCodecName(video.codec) } : {}),
      ...(audio && lineupCodecName(audio.codec) ? { AudioCodec: lineupCodecName(audio.codec) } : {}),
      ...(c.hd ? { HD: 1 } : {}),
      ...(c.drm ? { DRM: 1 } : {}),
      URL: `${baseUrl}/auto/v${c.guideNumber}`,
    }));

  async function serveStream(req: IncomingMessage, res: ServerResponse, guideNumber: string, query: URLSearchParams) {
    streamRequests++;
    const failure = failures.shift();
    if (failure) return refuse(res, failure.status, failure.header);
    const channel = channels.find((c) => c.guideNumber === guideNumber);
    if (!channel) return refuse(res, 404);
    if (channel.drm) return refuse(res, 503, "811 Content Protection Required");
    if (active.size >= tunerCount) return refuse(res, 503, "805 All Tuners In Use");
    const durationS = Number(query.get("duration"));
    const durationTicks = Number.isFinite(durationS) && durationS > 0 ? Math.floor(durationS * TICKS_PER_SECOND) : undefined;
    const fault = faults.shift();

    active.add(res);
    const stop = new AbortController();
    res.on("close", () => {
      stop.abort();
      active.delete(res);
    });
    res.writeHead(200, { "content-type": "video/mpeg", "cache-control": "no-cache" });
    res.flushHeaders();
    let sent = 0;
    try {
      const pieces = broadcast
        ? broadcast.stream({ signal: stop.signal, durationTicks })
        : pacedTsFile(opts.input, probe, { speed, loop, durationTicks, signal: stop.signal });
      for await (const piece of pieces) {
        if (fault && sent + piece.length >= fault.afterBytes) {
          const last = piece.subarray(0, fault.afterBytes - sent);
          // Wait until the bytes have been handed to the socket before cutting it.
          await new Promise<void>((r) => res.write(last, () => r()));
          bytesSent += last.length;
          if (fault.kind === "drop") {
            req.socket.destroy();
          } else {
            await once(stop.signal, "abort");
          }
          return;
        }
        sent += piece.length;
        bytesSent += piece.length;
        if (!res.write(piece)) {
          try {
            await once(res, "drain", { signal: stop.signal });
          } catch {
            return; // the client went away while we waited
          }
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method !== "GET" && req.method !== "HEAD") return refuse(res, 405);
    const stream = /^\/auto\/v([^/]+)$/.exec(url.pathname);
    if (stream && req.method === "GET") {
      void serveStream(req, res, decodeURIComponent(stream[1]!), url.searchParams);
      return;
    }
    switch (url.pathname) {
      case "/discover.json":
        return sendJson(res, {
          FriendlyName: "every.channel fake HDHomeRun",
          ModelNumber: "HDHR5-EC",
          FirmwareName: "hdhomerun_fake",
          FirmwareVersion: "20250101",
          DeviceID: deviceId,
          DeviceAuth: deviceAuth,
          BaseURL: baseUrl,
          LineupURL: `${baseUrl}/lineup.json`,
          TunerCount: tunerCount,
        });
      case "/lineup.json":
        return sendJson(res, lineupJson());
      case "/lineup_status.json":
        return sendJson(res, { ScanInProgress: 0, ScanPossible: 1, Source: "Antenna", SourceList: ["Antenna", "Cable"] });
      case "/status.json":
        return sendJson(
          res,
          Array.from({ length: tunerCount }, (_, i) => ({ Resource: `tuner${i}`, ...(i < active.size ? { VctNumber: "2.1" } : {}) })),
        );
      default:
        return refuse(res, 404);
    }
  });
  server.listen(listenPort, listenHost);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const host = formatHost(listenHost, port);
  baseUrl = `http://${host}`;

  let udp: UdpResponder | undefined;
  if (opts.discoveryListen !== undefined) {
    const d = splitHostPort(opts.discoveryListen);
    try {
      udp = await startUdpResponder(d.host, d.port, {
        deviceType: DEVICE_TYPE_TUNER,
        deviceId,
        tunerCount,
        baseUrl,
        lineupUrl: `${baseUrl}/lineup.json`,
      });
    } catch (err) {
      server.close();
      throw err;
    }
  }

  return {
    broadcast,
    baseUrl,
    host,
    deviceId,
    discoveryPort: udp?.port,
    get activeStreams() {
      return active.size;
    },
    get streamRequests() {
      return streamRequests;
    },
    get bytesSent() {
      return bytesSent;
    },
    failNext(deviceCode, deviceText, status = 503) {
      failures.push({ status, header: `${deviceCode} ${deviceText}` });
    },
    stallAfterBytes(afterBytes) {
      faults.push({ kind: "stall", afterBytes });
    },
    dropAfterBytes(afterBytes) {
      faults.push({ kind: "drop", afterBytes });
    },
    async close() {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      for (const res of active) res.destroy();
      await closed;
      await udp?.close();
    },
  };
}
