/**
 * The HDHomeRun JSON API: `/discover.json` (what the device is) and `/lineup.json` (what it can
 * tune). Field names follow the device's PascalCase JSON in camelCase; anything that does not
 * match the documented shape is a `bad-response`, never a silent undefined.
 */
import type { IncomingMessage } from "node:http";
import { HdhrError } from "../errors.js";
import { deviceBaseUrl } from "./host.js";
import { httpGet, readBody } from "./http.js";
import { sanitizeDeviceText } from "./device-error.js";

/** What `/discover.json` says about a device. `DeviceAuth` is deliberately not kept: it is a credential. */
export interface HdhrDevice {
  /** 8 hex digits, upper case, e.g. "1040A2B3". */
  deviceId: string;
  /** e.g. "HDHR5-4US". */
  modelNumber: string;
  friendlyName?: string;
  firmwareName?: string;
  firmwareVersion: string;
  tunerCount: number;
  /** e.g. "http://192.168.1.50:80". */
  baseUrl: string;
  /** e.g. "http://192.168.1.50:80/lineup.json". */
  lineupUrl: string;
}

/** One `/lineup.json` entry. */
export interface HdhrChannel {
  /** Virtual channel, e.g. "2.1"; what `openStream` takes. */
  guideNumber: string;
  /** Station name, e.g. "WCBD-HD". */
  guideName: string;
  /** Stream URL, e.g. "http://192.168.1.50:5004/auto/v2.1". */
  url: string;
  /** "MPEG2", "H264" or "HEVC" when the device knows. */
  videoCodec?: string;
  /** "AC3", "AAC", "MPEG"... when the device knows. */
  audioCodec?: string;
  hd: boolean;
  favorite: boolean;
  /** Copy-protected: the device will refuse to stream it to us. */
  drm: boolean;
}

/** Options of `discover` and `lineup`. */
export interface HdhrRequestOptions {
  signal?: AbortSignal;
  /** Milliseconds for the whole request. Default 5000. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_JSON_BYTES = 4 * 1024 * 1024;

async function getJson(host: string, path: string, opts: HdhrRequestOptions): Promise<unknown> {
  const base = deviceBaseUrl(host);
  const what = `${path} from ${base.host}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  // One deadline for headers and body alike.
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const rethrow = (err: unknown): never => {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (deadline.aborted) throw new HdhrError("timeout", `${what}: no complete response within ${timeoutMs} ms`);
    throw err;
  };
  let res: IncomingMessage;
  try {
    res = await httpGet(new URL(path, base), { signal, headersTimeoutMs: timeoutMs, timeoutCode: "timeout", what });
  } catch (err) {
    return rethrow(err);
  }
  const onAbort = () => res.destroy();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    if (res.statusCode !== 200) {
      res.resume();
      throw new HdhrError("http-error", `${what}: HTTP ${res.statusCode}`, { status: res.statusCode ?? 0 });
    }
    const body = await readBody(res, MAX_JSON_BYTES, what);
    try {
      return JSON.parse(body.toString("utf8")) as unknown;
    } catch {
      throw new HdhrError("bad-response", `${what}: not JSON`);
    }
  } catch (err) {
    return rethrow(err);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(o: Record<string, unknown>, key: string, what: string, required: true): string;
function field(o: Record<string, unknown>, key: string, what: string, required: false): string | undefined;
function field(o: Record<string, unknown>, key: string, what: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v.length > 1024) {
    throw new HdhrError("bad-response", `${what}: ${key} is missing or not a string`);
  }
  return sanitizeDeviceText(v);
}

function httpUrl(v: string, key: string, what: string): string {
  try {
    const u = new URL(v);
    if (u.protocol === "http:" || u.protocol === "https:") return u.href;
  } catch {
    // fall through
  }
  throw new HdhrError("bad-response", `${what}: ${key} is not an http URL`);
}

function flag(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  return v === 1 || v === true || v === "1";
}

/**
 * Reads `/discover.json`. `host` is "ip", "ip:port" or an http(s) URL (port 80 by default).
 *
 * @throws HdhrError `bad-host`, `unreachable`, `timeout`, `http-error`, `bad-response`; the
 *   signal's reason when aborted.
 */
export async function discover(host: string, opts: HdhrRequestOptions = {}): Promise<HdhrDevice> {
  const what = `discover.json from ${deviceBaseUrl(host).host}`;
  const j = await getJson(host, "/discover.json", opts);
  if (!isRecord(j)) throw new HdhrError("bad-response", `${what}: not a JSON object`);
  const deviceId = field(j, "DeviceID", what, true).toUpperCase();
  if (!/^[0-9A-F]{8}$/.test(deviceId)) throw new HdhrError("bad-response", `${what}: DeviceID is not 8 hex digits`);
  const tunerCount = j["TunerCount"];
  if (typeof tunerCount !== "number" || !Number.isInteger(tunerCount) || tunerCount < 1 || tunerCount > 64) {
    throw new HdhrError("bad-response", `${what}: TunerCount is not a number from 1 to 64`);
  }
  const baseUrl = httpUrl(field(j, "BaseURL", what, true), "BaseURL", what).replace(/\/$/, "");
  const device: HdhrDevice = {
    deviceId,
    modelNumber: field(j, "ModelNumber", what, true),
    firmwareVersion: field(j, "FirmwareVersion", what, true),
    tunerCount,
    baseUrl,
    lineupUrl: httpUrl(field(j, "LineupURL", what, false) ?? `${baseUrl}/lineup.json`, "LineupURL", what),
  };
  const friendlyName = field(j, "FriendlyName", what, false);
  if (friendlyName !== undefined) device.friendlyName = friendlyName;
  const firmwareName = field(j, "FirmwareName", what, false);
  if (firmwareName !== undefined) device.firmwareName = firmwareName;
  return device;
}

/**
 * Reads `/lineup.json` from the device at `host`.
 *
 * @throws HdhrError as `discover`; `bad-response` when an entry lacks GuideNumber or URL.
 */
export async function lineup(host: string, opts: HdhrRequestOptions = {}): Promise<HdhrChannel[]> {
  const what = `lineup.json from ${deviceBaseUrl(host).host}`;
  const j = await getJson(host, "/lineup.json", opts);
  if (!Array.isArray(j)) throw new HdhrError("bad-response", `${what}: not a JSON array`);
  return j.map((e: unknown, i): HdhrChannel => {
    const at = `${what}, entry ${i}`;
    if (!isRecord(e)) throw new HdhrError("bad-response", `${at}: not an object`);
    const ch: HdhrChannel = {
      guideNumber: field(e, "GuideNumber", at, true),
      guideName: field(e, "GuideName", at, false) ?? "",
      url: httpUrl(field(e, "URL", at, true), "URL", at),
      hd: flag(e, "HD"),
      favorite: flag(e, "Favorite"),
      drm: flag(e, "DRM"),
    };
    const videoCodec = field(e, "VideoCodec", at, false);
    if (videoCodec !== undefined) ch.videoCodec = videoCodec;
    const audioCodec = field(e, "AudioCodec", at, false);
    if (audioCodec !== undefined) ch.audioCodec = audioCodec;
    return ch;
  });
}
