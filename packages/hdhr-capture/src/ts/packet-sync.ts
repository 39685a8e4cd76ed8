/**
 * Finds 188-byte packet boundaries in a byte stream that arrives in arbitrary pieces, skipping
 * garbage and truncated packets. Every decision depends only on the bytes, never on how they were
 * split, so the same input always yields the same packets.
 *
 * Rules (positions are in the whole stream; "sync at p" means byte p is 0x47):
 * - Out of sync, a packet starts at the first p with sync at p, p+188 and p+376 (three in a row).
 * - In sync, the packet at p is accepted when there is sync at p and p+188. If there is sync at
 *   p but not at p+188, the packet at p is either truncated or followed by garbage: if some q in
 *   (p, p+188) starts three-in-a-row, p was truncated and is skipped, resuming at q; otherwise
 *   p is accepted and sync is lost after it.
 * - At end of input, the end itself counts as a sync position for those checks (the last packets
 *   of a file have nothing after them); a trailing partial packet is skipped.
 * Skipped bytes and the number of times sync was (re)acquired after skipping are counted.
 */
import { PACKET_SIZE, SYNC_BYTE } from "./packet.js";

/** Receives each packet as (buffer, offset); the buffer may be reused once `push`/`end` returns. */
export type PacketHandler = (buf: Uint8Array, off: number) => void;

const LOOKAHEAD = 3; // packets in a row needed to (re)acquire sync
/**
 * Bytes of a new piece appended to undecided carried bytes so that every decision about the
 * carried bytes can be made: deciding about a position p reads bytes up to p + 3 packets - 1 at
 * most (the three-sync lookahead chain of a packet that may start inside the one at p), so with
 * this many bytes after the carry, the scan of carry + bridge always stops inside the bridge and
 * goes on in the piece itself.
 */
const BRIDGE_BYTES = (LOOKAHEAD + 1) * PACKET_SIZE;

/** Streaming 188-byte packet splitter with resynchronisation. */
export class TsPacketSync {
  /** Whole packets delivered. */
  packets = 0;
  /** Bytes dropped as garbage or partial packets. */
  skippedBytes = 0;
  /** Times sync was acquired after skipping bytes. */
  resyncs = 0;
  #locked = false;
  #pendingSkip = 0; // bytes skipped since sync was last held, credited to the next resync
  // Undecided bytes are carry[carryStart, carryLen). They are compacted at the start of the next
  // push, never during one, because packets handed out may point into this buffer; a push that
  // handed out packets from the carry and must keep new bytes writes them to `spare` and swaps.
  #carry = new Uint8Array(4 * PACKET_SIZE);
  #spare = new Uint8Array(4 * PACKET_SIZE);
  #carryStart = 0;
  #carryLen = 0;

  /**
   * Adds bytes and calls `onPacket` for every packet that is now certain. Copy what you keep:
   * the buffers handed to `onPacket` may be reused by the next `push`. `data` itself is not kept
   * (only up to a few packets' worth of its undecided tail is copied), so the caller may reuse it
   * once `push` returns. Packets are scanned in place: the input is copied only around the joins
   * between pieces.
   */
  push(data: Uint8Array, onPacket: PacketHandler): void {
    const have = this.#carryLen - this.#carryStart;
    if (have === 0) {
      const used = this.#scan(data, 0, data.length, false, onPacket);
      this.#keep(data, used, data.length, false);
      return;
    }
    if (this.#carryStart > 0) {
      this.#carry.copyWithin(0, this.#carryStart, this.#carryLen);
      this.#carryStart = 0;
      this.#carryLen = have;
    }
    if (data.length >= BRIDGE_BYTES) {
      // Decide the carried bytes with the first few packets of `data`, then go on inside `data`.
      this.#reserve(have + BRIDGE_BYTES);
      this.#carry.set(data.subarray(0, BRIDGE_BYTES), have);
      const at = this.#scan(this.#carry, 0, have + BRIDGE_BYTES, false, onPacket);
      if (at >= have) {
        const used = this.#scan(data, at - have, data.length, false, onPacket);
        this.#keep(data, used, data.length, true);
        return;
      }
      // Not reached (see BRIDGE_BYTES); if it were, the carry simply grows by the whole piece.
      this.#carryStart = at;
      this.#carryLen = have + BRIDGE_BYTES;
      this.#merge(data.subarray(BRIDGE_BYTES), onPacket);
      return;
    }
    this.#merge(data, onPacket);
  }

  /** Marks the end of input: delivers the last packets and skips any partial remainder. */
  end(onPacket: PacketHandler): void {
    const used = this.#scan(this.#carry, this.#carryStart, this.#carryLen, true, onPacket);
    this.#skip(this.#carryLen - used);
    this.#carryStart = this.#carryLen = 0;
  }

  /** Bytes held back because no decision about them is possible yet. */
  get pendingBytes(): number {
    return this.#carryLen - this.#carryStart;
  }

  /** Appends `data` to the carry and scans on from the carry's start. */
  #merge(data: Uint8Array, onPacket: PacketHandler): void {
    const total = this.#carryLen + data.length;
    this.#reserve(total);
    this.#carry.set(data, this.#carryLen);
    this.#carryLen = total;
    this.#carryStart = this.#scan(this.#carry, this.#carryStart, total, false, onPacket);
  }

  /**
   * Keeps src[from, to) as the new carry. `handedOut`: packets of this push point into the carry,
   * so the bytes go to the spare buffer, which then becomes the carry.
   */
  #keep(src: Uint8Array, from: number, to: number, handedOut: boolean): void {
    const n = to - from;
    if (handedOut) {
      const c = this.#carry;
      this.#carry = this.#spare;
      this.#spare = c;
    }
    this.#carryStart = 0;
    this.#carryLen = 0;
    this.#reserve(n);
    this.#carry.set(src.subarray(from, to), 0);
    this.#carryLen = n;
  }

  #reserve(n: number): void {
    if (n <= this.#carry.length) return;
    const bigger = new Uint8Array(Math.max(n, this.#carry.length * 2));
    bigger.set(this.#carry.subarray(0, this.#carryLen));
    this.#carry = bigger;
  }

  #skip(n: number): void {
    if (n <= 0) return;
    this.skippedBytes += n;
    this.#pendingSkip += n;
  }

  #acquire(): void {
    if (this.#pendingSkip > 0) this.resyncs++;
    this.#pendingSkip = 0;
  }

  /**
   * Is there a chain of `count` sync bytes every 188 bytes from `p`? null: cannot tell yet.
   * At the end of input a chain may stop exactly at `len`.
   */
  #chain(buf: Uint8Array, len: number, p: number, count: number, final: boolean): boolean | null {
    for (let m = 0; m < count; m++, p += PACKET_SIZE) {
      if (p >= len) return final ? p === len && m > 0 : null;
      if (buf[p] !== SYNC_BYTE) return false;
    }
    return true;
  }

  /** Delivers packets from buf[start..len); returns the position up to which bytes were consumed. */
  #scan(buf: Uint8Array, start: number, len: number, final: boolean, onPacket: PacketHandler): number {
    let i = start;
    for (;;) {
      if (!this.#locked) {
        // Hunt for three sync bytes in a row.
        let j = i;
        let found = -1;
        while (j < len) {
          j = buf.indexOf(SYNC_BYTE, j);
          if (j < 0 || j >= len) {
            j = len;
            break;
          }
          const c = this.#chain(buf, len, j, LOOKAHEAD, final);
          if (c === null) break;
          if (c) {
            found = j;
            break;
          }
          j++;
        }
        this.#skip(j - i);
        i = j;
        if (found < 0) return i;
        this.#locked = true;
        this.#acquire();
      }
      // In sync: the fast path is one comparison per packet.
      if (len - i < PACKET_SIZE) return i;
      if (buf[i] !== SYNC_BYTE) {
        this.#locked = false;
        continue;
      }
      const next = i + PACKET_SIZE;
      if (next === len) {
        if (!final) return i;
        this.packets++;
        onPacket(buf, i);
        return len;
      }
      if (buf[next] === SYNC_BYTE) {
        this.packets++;
        onPacket(buf, i);
        i = next;
        continue;
      }
      // Truncated packet, or garbage after a good one? Look for a real packet starting inside.
      let restart = -1;
      for (let q = i + 1; q < next; q++) {
        if (buf[q] !== SYNC_BYTE) continue;
        const c = this.#chain(buf, len, q, LOOKAHEAD, final);
        if (c === null) return i; // wait for more bytes before deciding
        if (c) {
          restart = q;
          break;
        }
      }
      if (restart >= 0) {
        this.#skip(restart - i);
        this.#acquire();
        i = restart;
        continue;
      }
      this.packets++;
      onPacket(buf, i);
      i = next;
      this.#locked = false;
    }
  }
}
