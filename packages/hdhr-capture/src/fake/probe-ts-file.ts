/**
 * A quick look at the start of a TS file: which program it carries and what clock to pace it by.
 */
import { open } from "node:fs/promises";
import { TsError } from "../errors.js";
import { packetPcrBase, packetPid } from "../ts/packet.js";
import { TsPacketSync } from "../ts/packet-sync.js";
import { ProgramTracker } from "../ts/program-tracker.js";
import type { ProgramInfo } from "../ts/program-tracker.js";

/** What `probeTsFile` found. */
export interface TsFileProbe {
  program: ProgramInfo;
  /** Pace by PCR on `clockPid` when the file has PCRs there, else by the anchor stream's DTS/PTS. */
  clock: "pcr" | "pts";
  clockPid: number;
}

const PROBE_BYTES = 4 * 1024 * 1024;

/** Reads up to the first 4 MiB of `path`. @throws TsError when it holds no usable program. */
export async function probeTsFile(path: string): Promise<TsFileProbe> {
  const fh = await open(path, "r");
  let bytes: Uint8Array;
  try {
    const buf = new Uint8Array(PROBE_BYTES);
    const { bytesRead } = await fh.read(buf, 0, PROBE_BYTES, 0);
    bytes = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const sync = new TsPacketSync();
  const psi = new ProgramTracker();
  let pcrSeen = false;
  const onPacket = (buf: Uint8Array, off: number) => {
    psi.onPacket(buf, off);
    const p = psi.program;
    if (p && !pcrSeen && packetPid(buf, off) === p.pcrPid && packetPcrBase(buf, off) >= 0) pcrSeen = true;
  };
  sync.push(bytes, onPacket);
  sync.end(onPacket);
  if (sync.packets === 0) throw new TsError("not-mpeg-ts", `${path} is not MPEG-TS: no 188-byte packets at its start`);
  const program = psi.program;
  if (!program?.anchor) throw new TsError("no-program", `${path}: no PAT/PMT with a video or audio stream at its start`);
  return pcrSeen
    ? { program, clock: "pcr", clockPid: program.pcrPid }
    : { program, clock: "pts", clockPid: program.anchor.pid };
}
