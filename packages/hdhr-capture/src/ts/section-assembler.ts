/**
 * Reassembles one PSI section (PAT, PMT) from the TS packets of one PID and keeps copies of the
 * packets it came in, so a chunk can start with the exact packets the stream carried.
 *
 * Section layout (ISO/IEC 13818-1 §2.4.4): table_id(8), section_syntax_indicator(1), '0', '11',
 * section_length(12), then section_length bytes ending in CRC_32. In a packet with
 * payload_unit_start_indicator the payload begins with pointer_field(8): the number of bytes
 * that still belong to the previous section before the new one starts.
 */
import { PACKET_SIZE } from "./packet.js";

/** A PAT or PMT section may be at most 1024 bytes in total (section_length ≤ 1021). */
const MAX_SECTION = 1024;
/** A section of at most 1024 bytes spans at most this many packets. */
const MAX_PACKETS = 7;

/** A complete section and the packets that carried it. */
export interface AssembledSection {
  /** The whole section, table_id through CRC_32. Only valid until the next `feed`: copy to keep. */
  section: Uint8Array;
  /**
   * The TS packets, from the one where the section starts to the one where it ends, contiguous.
   * Only valid until the next `feed`: copy to keep.
   */
  packets: Uint8Array;
}

/** Result of feeding one packet: a section, nothing yet, or damage (counted by the caller). */
export type SectionResult = AssembledSection | "incomplete" | "error";

/** Reassembler for one PID. */
export class SectionAssembler {
  #buf = new Uint8Array(MAX_SECTION);
  #len = 0;
  #active = false;
  // Copies of the packets of the section being assembled (no allocation per packet).
  #packets = new Uint8Array(MAX_PACKETS * PACKET_SIZE);
  #packetCount = 0;
  #lastCc = -1;

  /** Feeds the packet at `off` whose payload starts at `payload` (see `payloadOffset`). */
  feed(buf: Uint8Array, off: number, payload: number, unitStart: boolean): SectionResult {
    const end = off + PACKET_SIZE;
    const cc = buf[off + 3]! & 0x0f;
    if (!unitStart) {
      if (!this.#active) return "incomplete";
      if (cc === this.#lastCc) return "incomplete"; // a duplicate packet: allowed, carries nothing new
      if (cc !== ((this.#lastCc + 1) & 0x0f)) return this.#fail(); // a packet of the section was lost
      if (this.#packetCount >= MAX_PACKETS) return this.#fail();
      this.#lastCc = cc;
      this.#keepPacket(buf, off);
      return this.#append(buf, payload, end);
    }
    // The tail of a previous section (pointer_field bytes) is only ever stuffing or a section
    // we do not need: a new section supersedes whatever was being assembled.
    const start = payload + 1 + buf[payload]!;
    this.#active = false;
    if (start >= end) return "error";
    if (buf[start] === 0xff) return "incomplete"; // stuffing: no section in this packet
    this.#active = true;
    this.#len = 0;
    this.#lastCc = cc;
    this.#packetCount = 0;
    this.#keepPacket(buf, off);
    return this.#append(buf, start, end);
  }

  #keepPacket(buf: Uint8Array, off: number): void {
    this.#packets.set(buf.subarray(off, off + PACKET_SIZE), this.#packetCount * PACKET_SIZE);
    this.#packetCount++;
  }

  #append(buf: Uint8Array, from: number, end: number): SectionResult {
    const take = Math.min(end - from, MAX_SECTION - this.#len);
    const into = this.#buf;
    const base = this.#len;
    for (let i = 0; i < take; i++) into[base + i] = buf[from + i]!;
    this.#len = base + take;
    if (this.#len < 3) return "incomplete";
    const total = 3 + (((this.#buf[1]! & 0x0f) << 8) | this.#buf[2]!);
    if (total > MAX_SECTION) return this.#fail();
    if (this.#len < total) return "incomplete";
    this.#active = false;
    return { section: this.#buf.subarray(0, total), packets: this.#packets.subarray(0, this.#packetCount * PACKET_SIZE) };
  }

  #fail(): "error" {
    this.#active = false;
    this.#packetCount = 0;
    return "error";
  }
}
