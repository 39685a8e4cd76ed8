/**
 * Follows the PAT and the first program's PMT through a stream: which PID is the video (or, for
 * radio, the audio) that chunks are cut on, and the current PAT+PMT packets to start chunks with.
 *
 * Only the first program in the PAT (lowest position, program_number ≠ 0) is followed: an
 * HDHomeRun stream carries exactly one, and a multi-program file is chunked on its first.
 */
import { PACKET_SIZE, PAT_PID, packetHasError, packetPid, packetStartsUnit, payloadOffset } from "./packet.js";
import { parsePat, parsePmt } from "./psi-tables.js";
import type { Pmt } from "./psi-tables.js";
import { SectionAssembler } from "./section-assembler.js";
import type { AssembledSection } from "./section-assembler.js";
import type { ElementaryStream } from "./stream-types.js";

const EMPTY = new Uint8Array(0);

/** The program being followed. */
export interface ProgramInfo {
  programNumber: number;
  pmtPid: number;
  pcrPid: number;
  streams: ElementaryStream[];
  /** The stream chunks are cut on: the first video stream, else the first audio stream. */
  anchor: ElementaryStream | undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `packets` copied into `into` when the sizes match (the steady state), else into a new array. */
function keep(into: Uint8Array, packets: Uint8Array): Uint8Array {
  if (into.length !== packets.length) return packets.slice();
  into.set(packets);
  return into;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/** Tracks PAT/PMT; feed it every packet in stream order. */
export class ProgramTracker {
  /** Sections that were damaged or malformed (bad CRC, lost packet, bad loop lengths). */
  psiErrors = 0;
  /** PID of the anchor stream, or -1 while unknown. Read on every packet, so kept as a number. */
  anchorPid = -1;
  #pmtPid = -1;
  #programNumber = -1;
  #pat = new SectionAssembler();
  #pmt = new SectionAssembler();
  #patPackets: Uint8Array = EMPTY;
  #pmtPackets: Uint8Array = EMPTY;
  #header: Uint8Array | null = EMPTY; // null: stale, rebuilt on first read
  #program: ProgramInfo | undefined;
  // The last accepted sections: a repeat (the usual case, ~10 times a second) is not reparsed.
  #lastPat: Uint8Array = EMPTY;
  #lastPmt: Uint8Array = EMPTY;

  /** The followed program, once both its PAT entry and PMT have been seen. */
  get program(): ProgramInfo | undefined {
    return this.#program;
  }

  /**
   * The most recent PAT packet(s) followed by the most recent PMT packet(s), verbatim; empty until
   * both are known. A new array whenever either changes, so a reference taken earlier stays valid.
   */
  get header(): Uint8Array {
    if (this.#header === null) {
      this.#header =
        this.#patPackets.length > 0 && this.#pmtPackets.length > 0
          ? concat([this.#patPackets, this.#pmtPackets])
          : EMPTY;
    }
    return this.#header;
  }

  /** Looks at one packet; returns true when it was a PAT/PMT packet of the followed program. */
  onPacket(buf: Uint8Array, off: number): boolean {
    const pid = packetPid(buf, off);
    if (pid !== PAT_PID && pid !== this.#pmtPid) return false;
    if (packetHasError(buf, off)) return true;
    const payload = payloadOffset(buf, off);
    if (payload < 0) return true;
    const unitStart = packetStartsUnit(buf, off);
    if (unitStart && payload >= off + PACKET_SIZE) {
      this.psiErrors++;
      return true;
    }
    if (pid === PAT_PID) this.#onSection(this.#pat.feed(buf, off, payload, unitStart), true);
    else this.#onSection(this.#pmt.feed(buf, off, payload, unitStart), false);
    return true;
  }

  #onSection(r: AssembledSection | "incomplete" | "error", isPat: boolean): void {
    if (r === "incomplete") return;
    if (r === "error") {
      this.psiErrors++;
      return;
    }
    if (isPat) this.#onPat(r);
    else this.#onPmt(r);
  }

  #onPat(r: AssembledSection): void {
    if (sameBytes(r.section, this.#lastPat)) {
      this.#patPackets = keep(this.#patPackets, r.packets); // same table; newest packets (continuity counter)
      this.#header = null;
      return;
    }
    const programs = parsePat(r.section);
    if (programs === null) {
      this.psiErrors++;
      return;
    }
    this.#lastPat = r.section.slice();
    this.#patPackets = r.packets.slice();
    const first = programs[0];
    if (!first) {
      this.#select(-1, -1);
      return;
    }
    if (first.pmtPid !== this.#pmtPid || first.programNumber !== this.#programNumber) {
      this.#select(first.pmtPid, first.programNumber);
    }
    this.#rebuildHeader();
  }

  #select(pmtPid: number, programNumber: number): void {
    this.#pmtPid = pmtPid;
    this.#programNumber = programNumber;
    this.#pmt = new SectionAssembler();
    this.#pmtPackets = EMPTY;
    this.#lastPmt = EMPTY;
    this.#program = undefined;
    this.anchorPid = -1;
    this.#rebuildHeader();
  }

  #onPmt(r: AssembledSection): void {
    if (sameBytes(r.section, this.#lastPmt)) {
      this.#pmtPackets = keep(this.#pmtPackets, r.packets);
      this.#header = null;
      return;
    }
    const pmt: Pmt | null = parsePmt(r.section);
    if (pmt === null) {
      this.psiErrors++;
      return;
    }
    if (pmt.programNumber !== this.#programNumber) return; // another program's PMT on a shared PID
    this.#lastPmt = r.section.slice();
    this.#pmtPackets = r.packets.slice();
    const anchor =
      pmt.streams.find((s) => s.kind === "video") ?? pmt.streams.find((s) => s.kind === "audio");
    this.#program = {
      programNumber: pmt.programNumber,
      pmtPid: this.#pmtPid,
      pcrPid: pmt.pcrPid,
      streams: pmt.streams,
      anchor,
    };
    this.anchorPid = anchor ? anchor.pid : -1;
    this.#rebuildHeader();
  }

  #rebuildHeader(): void {
    this.#header = null;
  }
}
