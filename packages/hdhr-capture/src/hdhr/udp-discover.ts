/**
 * Finding HDHomeRuns on the LAN the way libhdhomerun does: one discover request to UDP port
 * 65001 (broadcast by default), then every reply that arrives before the timeout. Optional:
 * the HTTP API works with an address the user already knows.
 */
import { createSocket } from "node:dgram";
import { decodeDiscoverReply, encodeDiscoverRequest } from "./discovery-packet.js";

/** The UDP port HDHomeRuns listen on for discovery. */
export const HDHR_DISCOVERY_PORT = 65001;

/** A device that answered a UDP discovery request. */
export interface DiscoveredHdhr {
  /** 8 upper-case hex digits. */
  deviceId: string;
  /** 1 for a tuner. */
  deviceType: number;
  tunerCount?: number;
  /** HTTP API base, when the device sends it (newer firmware); pass to `discover`/`lineup`. */
  baseUrl?: string;
  lineupUrl?: string;
  /** Source address of the reply. */
  address: string;
}

/** Options of `discoverUdp`. */
export interface DiscoverUdpOptions {
  /** Where to send the request, "address[:port]". Default "255.255.255.255:65001" (the LAN). */
  target?: string;
  /** How long to collect replies. Default 1000 ms. */
  timeoutMs?: number;
  /** Only this device id (8 hex digits); default any. */
  deviceId?: string;
  signal?: AbortSignal;
}

function parseTarget(target: string): { address: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(target.trim());
  if (!m) throw new RangeError(`bad discovery target ${JSON.stringify(target)}`);
  const port = m[3] === undefined ? HDHR_DISCOVERY_PORT : Number(m[3]);
  if (port < 1 || port > 65535) throw new RangeError(`bad discovery port in ${JSON.stringify(target)}`);
  return { address: (m[1] ?? m[2])!, port };
}

/**
 * Sends one discovery request and returns the devices that replied within `timeoutMs`, one per
 * device id, in order of arrival. Malformed replies are ignored.
 */
export async function discoverUdp(opts: DiscoverUdpOptions = {}): Promise<DiscoveredHdhr[]> {
  const { address, port } = parseTarget(opts.target ?? `255.255.255.255:${HDHR_DISCOVERY_PORT}`);
  const timeoutMs = opts.timeoutMs ?? 1000;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  let wanted: number | undefined;
  if (opts.deviceId !== undefined) {
    if (!/^[0-9a-f]{8}$/i.test(opts.deviceId)) throw new RangeError("deviceId must be 8 hex digits");
    wanted = parseInt(opts.deviceId, 16);
  }
  const signal = opts.signal;
  signal?.throwIfAborted();
  const socket = createSocket(address.includes(":") ? "udp6" : "udp4");
  const found = new Map<string, DiscoveredHdhr>();
  socket.on("message", (msg, rinfo) => {
    try {
      const reply = decodeDiscoverReply(msg);
      if (wanted !== undefined && parseInt(reply.deviceId, 16) !== wanted) return;
      if (!found.has(reply.deviceId)) found.set(reply.deviceId, { ...reply, address: rinfo.address });
    } catch {
      // Not a discovery reply (or a damaged one): another program may share the port.
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    // Settles on: the collection window closing, a socket error, or abort (at any point).
    await new Promise<void>((resolve, reject) => {
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("error", reject);
      socket.bind(0, () => {
        if (!address.includes(":")) socket.setBroadcast(true);
        socket.send(encodeDiscoverRequest(wanted), port, address, (err) => {
          if (err) reject(err);
          else timer = setTimeout(resolve, timeoutMs);
        });
      });
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    socket.close();
  }
  return [...found.values()];
}
