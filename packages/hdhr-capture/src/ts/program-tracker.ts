/**
 * Follows the PAT and the first program's PMT through a stream: which PID is the video (or, for
 * radio, the audio) that chunks are cut on, and the current PAT+PMT packets to start chunks with.
 *
 * Chunks start with a canonical PAT+PMT built from the parsed PMT (see `canonical-psi.ts`), not
 * with the device's own PSI packets, and carry only the packets of `mediaPids`.
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
import { canonicalHeader } from "./canonical-psi.js";

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

/** Tracks PAT/PMT; feed it every packet in stream order. */
export class ProgramTracker {
  /** Sections that were damaged or malformed (bad CRC, lost packet, bad loop lengths). */
  psiErrors = 0;
  /** PID of the anchor stream, or -1 while unknown. Read on every packet, so kept as a number. */
  anchorPid = -1;
  /** Incremented whenever `program` (and so `header` and `mediaPids`) changes. */
  changes = 0;
  #pmtPid = -1;
  #programNumber = -1;
  #pat = new SectionAssembler();
  #pmt = new SectionAssembler();
  #header: Uint8Array = EMPTY;
  #program: ProgramInfo | undefined;
  #pmtTable: Pmt | undefined;
  #mediaPids = new Uint8Array(8192);
  // The last accepted sections: a repeat (the usual case, ~10 times a second) is not reparsed.
  #lastPat: Uint8Array = EMPTY;
  #lastPmt: Uint8Array = EMPTY;

  /** The followed program, once both its PAT entry and PMT have been seen. */
  get program(): ProgramInfo | undefined {
    return this.#program;
  }

  /** The followed program's PMT as last accepted, descriptors included (copies). */
  get pmt(): Pmt | undefined {
    return this.#pmtTable;
  }

  /**
   * The canonical PAT+PMT packets for the followed program (continuity counters 0; see
   * `canonical-psi.ts`); empty until both are known. A new array whenever the program changes.
   */
  get header(): Uint8Array {
    return this.#header;
  }

  /**
   * 1 at index PID for the PIDs whose packets a chunk carries: the program's video and audio
   * streams and its PCR PID. All zero while the program is unknown. Do not modify.
   */
  get mediaPids(): Uint8Array {
    return this.#mediaPids;
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
    if (sameBytes(r.section, this.#lastPat)) return; // a repeat of the same table
    const programs = parsePat(r.section);
    if (programs === null) {
      this.psiErrors++;
      return;
    }
    this.#lastPat = r.section.slice();
    const first = programs[0];
    if (!first) {
      this.#select(-1, -1);
      return;
    }
    if (first.pmtPid !== this.#pmtPid || first.programNumber !== this.#programNumber) {
      this.#select(first.pmtPid, first.programNumber);
    }
  }

  #select(pmtPid: number, programNumber: number): void {
    this.#pmtPid = pmtPid;
    this.#programNumber = programNumber;
    this.#pmt = new SectionAssembler();
    this.#lastPmt = EMPTY;
    this.#pmtTable = undefined;
    this.#setProgram(undefined, EMPTY);
  }

  #onPmt(r: AssembledSection): void {
    if (sameBytes(r.section, this.#lastPmt)) return;
    const pmt: Pmt | null = parsePmt(r.section);
    if (pmt === null) {
      this.psiErrors++;
      return;
    }
    if (pmt.programNumber !== this.#programNumber) return; // another program's PMT on a shared PID
    this.#lastPmt = r.section.slice();
    this.#pmtTable = { ...pmt, programInfo: pmt.programInfo.slice(), esInfo: pmt.esInfo.map((d) => d.slice()) };
    const anchor =
      pmt.streams.find((s) => s.kind === "video") ?? pmt.streams.find((s) => s.kind === "audio");
    const header = canonicalHeader(this.#pmtPid, pmt);
    // A new version that changes nothing the chunks carry (a device's own descriptor, say) is no change.
    if (this.#program && sameBytes(header, this.#header)) return;
    this.#setProgram(
      { programNumber: pmt.programNumber, pmtPid: this.#pmtPid, pcrPid: pmt.pcrPid, streams: pmt.streams, anchor },
      header,
    );
  }

  #setProgram(program: ProgramInfo | undefined, header: Uint8Array): void {
    this.#program = program;
    this.#header = header;
    this.anchorPid = program?.anchor ? program.anchor.pid : -1;
    const pids = new Uint8Array(8192);
    if (program) {
      for (const s of program.streams) if (s.kind === "video" || s.kind === "audio") pids[s.pid] = 1;
      if (program.pcrPid !== 0x1fff) pids[program.pcrPid] = 1;
    }
    this.#mediaPids = pids;
    this.changes++;
  }
}
