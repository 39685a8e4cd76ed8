/**
 * Answers HDHomeRun UDP discovery requests for the fake tuner, on an address the caller picks
 * (loopback in tests: never the LAN).
 */
import { createSocket } from "node:dgram";
import type { Socket } from "node:dgram";
import {
  DEVICE_ID_WILDCARD,
  DEVICE_TYPE_TUNER,
  DEVICE_TYPE_WILDCARD,
  decodeDiscoverRequest,
  encodeDiscoverReply,
} from "../hdhr/discovery-packet.js";
import type { DiscoveryReply } from "../hdhr/discovery-packet.js";

/** A bound responder. */
export interface UdpResponder {
  port: number;
  /** Requests that were not valid discovery requests. */
  readonly rejected: number;
  close(): Promise<void>;
}

/** Binds `address:port` (port 0 = any free one) and replies to matching discovery requests. */
export async function startUdpResponder(address: string, port: number, reply: DiscoveryReply): Promise<UdpResponder> {
  const socket: Socket = createSocket(address.includes(":") ? "udp6" : "udp4");
  const packet = encodeDiscoverReply(reply);
  const ownId = parseInt(reply.deviceId, 16);
  let rejected = 0;
  socket.on("message", (msg, rinfo) => {
    let req: { deviceType: number; deviceId: number };
    try {
      req = decodeDiscoverRequest(msg);
    } catch {
      rejected++;
      return;
    }
    const typeOk = req.deviceType === DEVICE_TYPE_WILDCARD || req.deviceType === DEVICE_TYPE_TUNER;
    const idOk = req.deviceId === DEVICE_ID_WILDCARD || req.deviceId === ownId;
    if (typeOk && idOk) socket.send(packet, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => {
    // A send to a vanished client fails on some platforms; the responder keeps serving.
  });
  return {
    port: socket.address().port,
    get rejected() {
      return rejected;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
