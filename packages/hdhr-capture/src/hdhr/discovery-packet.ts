/**
 * libhdhomerun's UDP discovery frames (port 65001), as documented in its hdhomerun_pkt.h:
 *
 * ```
 * u16 BE  packet type       0x0002 discover request, 0x0003 discover reply
 * u16 BE  payload length
 * TLV*    u8 tag, varlen length, value
 *         varlen: one byte if < 128; else two: (len & 0x7f) | 0x80, then len >> 7
 * u32 LE  CRC-32 (Ethernet) over type, length and payload
 * ```
 * Tags used: 0x01 device type (u32 BE; 1 = tuner, 0xFFFFFFFF = any), 0x02 device id (u32 BE;
 * 0xFFFFFFFF = any), 0x10 tuner count (u8), 0x27 lineup URL, 0x2A base URL, 0x2B device auth
 * (strings). Unknown tags are kept, not rejected, as the header asks.
 */
import { DiscoveryPacketError } from "../errors.js";
import { crc32 } from "./crc32.js";

/** Packet types of the discovery exchange. */
export const DISCOVER_REQUEST = 0x0002;
export const DISCOVER_REPLY = 0x0003;
/** TLV tags. */
export const TAG_DEVICE_TYPE = 0x01;
export const TAG_DEVICE_ID = 0x02;
export const TAG_TUNER_COUNT = 0x10;
export const TAG_LINEUP_URL = 0x27;
export const TAG_BASE_URL = 0x2a;
export const TAG_DEVICE_AUTH = 0x2b;
/** Device type of a tuner, and the wildcards. */
export const DEVICE_TYPE_TUNER = 0x00000001;
export const DEVICE_TYPE_WILDCARD = 0xffffffff;
export const DEVICE_ID_WILDCARD = 0xffffffff;
/** libhdhomerun's HDHOMERUN_MAX_PACKET_SIZE. */
export const MAX_DISCOVERY_PACKET = 1460;

/** A decoded frame: its type and TLVs in order. */
export interface DiscoveryPacket {
  type: number;
  tlvs: Array<{ tag: number; value: Uint8Array }>;
}

/** Encodes a frame. @throws DiscoveryPacketError `oversized` past 1460 bytes or a value ≥ 16384 bytes. */
export function encodeDiscoveryPacket(packet: DiscoveryPacket): Uint8Array {
  let payload = 0;
  for (const t of packet.tlvs) {
    if (t.value.length >= 1 << 14) throw new DiscoveryPacketError("oversized", `TLV value of ${t.value.length} bytes`);
    payload += 1 + (t.value.length < 128 ? 1 : 2) + t.value.length;
  }
  const total = 4 + payload + 4;
  if (total > MAX_DISCOVERY_PACKET) throw new DiscoveryPacketError("oversized", `packet of ${total} bytes`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint16(0, packet.type);
  view.setUint16(2, payload);
  let p = 4;
  for (const t of packet.tlvs) {
    out[p++] = t.tag;
    const n = t.value.length;
    if (n < 128) {
      out[p++] = n;
    } else {
      out[p++] = (n & 0x7f) | 0x80;
      out[p++] = n >> 7;
    }
    out.set(t.value, p);
    p += n;
  }
  view.setUint32(p, crc32(out, 0, p), true);
  return out;
}

/** Decodes a frame. @throws DiscoveryPacketError with what is wrong. */
export function decodeDiscoveryPacket(bytes: Uint8Array): DiscoveryPacket {
  if (bytes.length < 8) throw new DiscoveryPacketError("truncated", `packet of ${bytes.length} bytes is shorter than 8`);
  if (bytes.length > MAX_DISCOVERY_PACKET) throw new DiscoveryPacketError("oversized", `packet of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint16(2);
  if (4 + length + 4 !== bytes.length) {
    throw new DiscoveryPacketError("bad-length", `payload length ${length} does not match a ${bytes.length}-byte packet`);
  }
  const end = 4 + length;
  if (view.getUint32(end, true) !== crc32(bytes, 0, end)) throw new DiscoveryPacketError("bad-crc", "CRC-32 mismatch");
  const tlvs: DiscoveryPacket["tlvs"] = [];
  let p = 4;
  while (p < end) {
    const tag = bytes[p++]!;
    if (p >= end) throw new DiscoveryPacketError("bad-tlv", `TLV 0x${tag.toString(16)} has no length`);
    let n = bytes[p++]!;
    if (n & 0x80) {
      if (p >= end) throw new DiscoveryPacketError("bad-tlv", `TLV 0x${tag.toString(16)} length is cut short`);
      n = (n & 0x7f) | (bytes[p++]! << 7);
    }
    if (p + n > end) throw new DiscoveryPacketError("bad-tlv", `TLV 0x${tag.toString(16)} runs past the payload`);
    tlvs.push({ tag, value: bytes.slice(p, p + n) });
    p += n;
  }
  return { type, tlvs };
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
}

/** The request a client broadcasts: any tuner (or one device id). */
export function encodeDiscoverRequest(deviceId: number = DEVICE_ID_WILDCARD): Uint8Array {
  return encodeDiscoveryPacket({
    type: DISCOVER_REQUEST,
    tlvs: [
      { tag: TAG_DEVICE_TYPE, value: u32(DEVICE_TYPE_TUNER) },
      { tag: TAG_DEVICE_ID, value: u32(deviceId) },
    ],
  });
}

/** What a discovery reply says about a device. */
export interface DiscoveryReply {
  deviceType: number;
  /** 8 upper-case hex digits. */
  deviceId: string;
  tunerCount?: number;
  baseUrl?: string;
  lineupUrl?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();

function readU32(value: Uint8Array, what: string): number {
  if (value.length !== 4) throw new DiscoveryPacketError("bad-tlv", `${what} is ${value.length} bytes, not 4`);
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0);
}

function readText(value: Uint8Array): string {
  // Strings may carry a trailing NUL; never trust it to be there.
  const s = utf8.decode(value).replace(/\0+$/, "");
  return s.replace(/[^\x20-\x7e]/g, "").slice(0, 512);
}

/** Builds a reply (what a device, or the fake, sends back). */
export function encodeDiscoverReply(reply: DiscoveryReply, deviceAuth?: string): Uint8Array {
  const tlvs: DiscoveryPacket["tlvs"] = [
    { tag: TAG_DEVICE_TYPE, value: u32(reply.deviceType) },
    { tag: TAG_DEVICE_ID, value: u32(parseInt(reply.deviceId, 16)) },
  ];
  if (reply.tunerCount !== undefined) tlvs.push({ tag: TAG_TUNER_COUNT, value: Uint8Array.of(reply.tunerCount) });
  if (reply.baseUrl !== undefined) tlvs.push({ tag: TAG_BASE_URL, value: utf8Encoder.encode(reply.baseUrl) });
  if (reply.lineupUrl !== undefined) tlvs.push({ tag: TAG_LINEUP_URL, value: utf8Encoder.encode(reply.lineupUrl) });
  if (deviceAuth !== undefined) tlvs.push({ tag: TAG_DEVICE_AUTH, value: utf8Encoder.encode(deviceAuth) });
  return encodeDiscoveryPacket({ type: DISCOVER_REPLY, tlvs });
}

/**
 * Decodes a discovery reply. The device-auth string is skipped on purpose: it is a credential.
 *
 * @throws DiscoveryPacketError `wrong-type` for anything but a reply, `bad-tlv` when the device
 *   type or id is missing or malformed, and the frame errors of `decodeDiscoveryPacket`.
 */
export function decodeDiscoverReply(bytes: Uint8Array): DiscoveryReply {
  const pkt = decodeDiscoveryPacket(bytes);
  if (pkt.type !== DISCOVER_REPLY) {
    throw new DiscoveryPacketError("wrong-type", `packet type 0x${pkt.type.toString(16).padStart(4, "0")} is not a discover reply`);
  }
  let deviceType: number | undefined;
  let deviceId: number | undefined;
  const reply: Partial<DiscoveryReply> = {};
  for (const { tag, value } of pkt.tlvs) {
    switch (tag) {
      case TAG_DEVICE_TYPE:
        deviceType = readU32(value, "device type");
        break;
      case TAG_DEVICE_ID:
        deviceId = readU32(value, "device id");
        break;
      case TAG_TUNER_COUNT:
        if (value.length !== 1) throw new DiscoveryPacketError("bad-tlv", `tuner count is ${value.length} bytes, not 1`);
        reply.tunerCount = value[0]!;
        break;
      case TAG_BASE_URL:
        reply.baseUrl = readText(value);
        break;
      case TAG_LINEUP_URL:
        reply.lineupUrl = readText(value);
        break;
      default:
        break; // unknown tags (and device auth) are skipped
    }
  }
  if (deviceType === undefined) throw new DiscoveryPacketError("bad-tlv", "reply has no device type");
  if (deviceId === undefined) throw new DiscoveryPacketError("bad-tlv", "reply has no device id");
  return {
    deviceType,
    deviceId: deviceId.toString(16).toUpperCase().padStart(8, "0"),
    ...reply,
  };
}

/** Reads a discovery request's wanted device type and id (for responders such as the fake). */
export function decodeDiscoverRequest(bytes: Uint8Array): { deviceType: number; deviceId: number } {
  const pkt = decodeDiscoveryPacket(bytes);
  if (pkt.type !== DISCOVER_REQUEST) {
    throw new DiscoveryPacketError("wrong-type", `packet type 0x${pkt.type.toString(16).padStart(4, "0")} is not a discover request`);
  }
  let deviceType = DEVICE_TYPE_WILDCARD;
  let deviceId = DEVICE_ID_WILDCARD;
  for (const { tag, value } of pkt.tlvs) {
    if (tag === TAG_DEVICE_TYPE) deviceType = readU32(value, "device type");
    else if (tag === TAG_DEVICE_ID) deviceId = readU32(value, "device id");
  }
  return { deviceType, deviceId };
}
