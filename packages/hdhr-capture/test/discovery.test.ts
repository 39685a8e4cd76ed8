/**
 * libhdhomerun UDP discovery frames: a captured vector, varlen lengths, malformed packets, and a
 * real exchange with the fake's responder on 127.0.0.1 (never a LAN or broadcast address).
 */
import { createSocket } from "node:dgram";
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crc32 } from "../src/hdhr/crc32.js";
import {
  DISCOVER_REPLY,
  decodeDiscoverReply,
  decodeDiscoverRequest,
  decodeDiscoveryPacket,
  encodeDiscoverReply,
  encodeDiscoverRequest,
  encodeDiscoveryPacket,
} from "../src/hdhr/discovery-packet.js";
import { discoverUdp } from "../src/hdhr/udp-discover.js";
import { DiscoveryPacketError } from "../src/errors.js";
import { createFakeHdhr } from "../src/fake/fake-hdhr.js";
import type { FakeHdhr } from "../src/fake/fake-hdhr.js";
import { fixturePath } from "@ec/fixtures";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("discovery packets", () => {
  it("encode the request exactly as libhdhomerun sends it (captured with tcpdump)", () => {
    // type 0x0002, length 12, device type = tuner, device id = wildcard, CRC-32 little-endian.
    expect(hex(encodeDiscoverRequest())).toBe("0002000c0104000000010204ffffffff4e507f35");
    expect(decodeDiscoverRequest(Buffer.from("0002000c0104000000010204ffffffff4e507f35", "hex"))).toEqual({
      deviceType: 1,
      deviceId: 0xffffffff,
    });
  });

  it("use the Ethernet CRC-32 (same as zlib)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
        expect(crc32(b)).toBe(zlibCrc32(b));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it("write lengths of 128 and more as two bytes: low 7 bits | 0x80, then the rest", () => {
    const pkt = encodeDiscoveryPacket({ type: 3, tlvs: [{ tag: 0x2a, value: new Uint8Array(200) }] });
    expect(hex(pkt.subarray(0, 7))).toBe("000300cb2ac801");
    expect(decodeDiscoveryPacket(pkt).tlvs[0]!.value.length).toBe(200);
    const short = encodeDiscoveryPacket({ type: 3, tlvs: [{ tag: 0x2a, value: new Uint8Array(127) }] });
    expect(short[5]).toBe(127);
  });

  it("round-trip a reply with URLs, skipping unknown tags and the device-auth credential", () => {
    const reply = { deviceType: 1, deviceId: "1040A2B3", tunerCount: 4, baseUrl: "http://192.0.2.7:80", lineupUrl: "http://192.0.2.7:80/lineup.json" };
    const bytes = encodeDiscoverReply(reply, "secret-auth-token");
    expect(Buffer.from(bytes).includes(Buffer.from("secret-auth-token"))).toBe(true);
    const decoded = decodeDiscoverReply(bytes);
    expect(decoded).toEqual(reply);
    expect(JSON.stringify(decoded)).not.toContain("secret");
  });

  const good = () => encodeDiscoverReply({ deviceType: 1, deviceId: "12345678", tunerCount: 2 });
  const reseal = (b: Uint8Array) => {
    const c = b.slice();
    new DataView(c.buffer).setUint32(c.length - 4, crc32(c, 0, c.length - 4), true);
    return c;
  };
  const codeOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DiscoveryPacketError);
      return (e as DiscoveryPacketError).code;
    }
    return "no error";
  };

  it("reject malformed packets with typed errors", () => {
    expect(codeOf(() => decodeDiscoveryPacket(new Uint8Array(5)))).toBe("truncated");
    expect(codeOf(() => decodeDiscoveryPacket(good().subarray(0, 12)))).toBe("bad-length");
    expect(codeOf(() => decodeDiscoveryPacket(new Uint8Array(2000)))).toBe("oversized");
    const flipped = good();
    flipped[6]! ^= 1;
    expect(codeOf(() => decodeDiscoveryPacket(flipped))).toBe("bad-crc");
    expect(codeOf(() => decodeDiscoverReply(encodeDiscoverRequest()))).toBe("wrong-type");
    expect(codeOf(() => decodeDiscoverRequest(good()))).toBe("wrong-type");
    // A TLV whose length runs past the payload.
    const past = good();
    past[5] = 0x7f;
    expect(codeOf(() => decodeDiscoveryPacket(reseal(past)))).toBe("bad-tlv");
    // A two-byte length cut off by the end of the payload.
    const cut = reseal(Uint8Array.from([0, 3, 0, 2, 0x2a, 0x85, 0, 0, 0, 0]));
    expect(codeOf(() => decodeDiscoveryPacket(cut))).toBe("bad-tlv");
    // A device id of 3 bytes, and a reply with no device id.
    const id3 = encodeDiscoveryPacket({ type: DISCOVER_REPLY, tlvs: [{ tag: 1, value: new Uint8Array(4) }, { tag: 2, value: new Uint8Array(3) }] });
    expect(codeOf(() => decodeDiscoverReply(id3))).toBe("bad-tlv");
    const noId = encodeDiscoveryPacket({ type: DISCOVER_REPLY, tlvs: [{ tag: 1, value: new Uint8Array(4) }] });
    expect(codeOf(() => decodeDiscoverReply(noId))).toBe("bad-tlv");
    expect(codeOf(() => encodeDiscoveryPacket({ type: 3, tlvs: [{ tag: 1, value: new Uint8Array(1500) }] }))).toBe("oversized");
  });

  it("throw only DiscoveryPacketError on random bytes (fuzz)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), fc.boolean(), (b, seal) => {
        const input = seal && b.length >= 8 ? reseal(b) : b;
        try {
          decodeDiscoverReply(input);
        } catch (e) {
          expect(e).toBeInstanceOf(DiscoveryPacketError);
        }
      }),
      { numRuns: 1000, seed: 11 },
    );
  });
});

describe("discoverUdp against the fake's responder on 127.0.0.1", () => {
  let fake: FakeHdhr;
  beforeAll(async () => {
    fake = await createFakeHdhr({ input: fixturePath("h264-scenecut.ts"), deviceId: "1040a2b3", tunerCount: 3, discoveryListen: "127.0.0.1:0" });
  });
  afterAll(() => fake.close());

  it("finds the device, with the base URL that the HTTP API answers on", async () => {
    const found = await discoverUdp({ target: `127.0.0.1:${fake.discoveryPort}`, timeoutMs: 300 });
    expect(found).toEqual([
      { deviceType: 1, deviceId: "1040A2B3", tunerCount: 3, baseUrl: fake.baseUrl, lineupUrl: `${fake.baseUrl}/lineup.json`, address: "127.0.0.1" },
    ]);
  });

  it("asks for one device id: the matching one answers, another does not", async () => {
    expect(await discoverUdp({ target: `127.0.0.1:${fake.discoveryPort}`, timeoutMs: 300, deviceId: "1040A2B3" })).toHaveLength(1);
    expect(await discoverUdp({ target: `127.0.0.1:${fake.discoveryPort}`, timeoutMs: 300, deviceId: "0BADF00D" })).toEqual([]);
  });

  it("ignores junk on the port and keeps answering", async () => {
    const sock = createSocket("udp4");
    await new Promise<void>((r) => sock.send(Buffer.from("not a discovery packet"), fake.discoveryPort!, "127.0.0.1", () => r()));
    sock.close();
    expect(await discoverUdp({ target: `127.0.0.1:${fake.discoveryPort}`, timeoutMs: 300 })).toHaveLength(1);
  });

  it("stops on abort with the signal's reason", async () => {
    const ac = new AbortController();
    const p = discoverUdp({ target: `127.0.0.1:${fake.discoveryPort}`, timeoutMs: 60_000, signal: ac.signal });
    ac.abort(new Error("enough"));
    await expect(p).rejects.toThrow("enough");
  });

  it("rejects bad targets and device ids", async () => {
    await expect(discoverUdp({ target: "127.0.0.1:99999" })).rejects.toThrow(RangeError);
    await expect(discoverUdp({ deviceId: "xyz" })).rejects.toThrow(RangeError);
  });
});
