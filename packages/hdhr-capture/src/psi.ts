/**
 * `@ec/hdhr-capture/psi`: the MPEG-TS packet, PAT and PMT readers (and the PSI writer) on their own, with no Node
 * import, so a browser (e.g. `@ec/web-peer`'s codec probe) reads stream types with the same code
 * the chunker uses instead of a second parser.
 */
export { PACKET_SIZE, PAT_PID, SYNC_BYTE, packetPid, packetStartsUnit, payloadOffset } from "./ts/packet.js";
export { SectionAssembler, type AssembledSection, type SectionResult } from "./ts/section-assembler.js";
export { parsePat, parsePmt, type PatProgram, type Pmt } from "./ts/psi-tables.js";
export { programPsiPackets, type ProgramPsi } from "./ts/psi-build.js";
export { describeStreamType, type ElementaryStream, type StreamCodec } from "./ts/stream-types.js";
