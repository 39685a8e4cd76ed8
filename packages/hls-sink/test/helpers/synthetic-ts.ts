/**
 * Deterministic MPEG-TS-shaped chunks for tests that need many, varied, checkable segments
 * without an encoder: null packets (PID 0x1FFF, which demuxers skip) whose payload encodes the
 * chunk's seq and length, so a reader can tell a complete segment from a truncated or wrong one.
 */
const PACKET = 188;

/** Chunk size scale shared by crash-writer.ts and crash.test.ts (about 10-160 KB per chunk). */
export const CRASH_CHUNK_SCALE = 1;

/** Packets in chunk `seq`: varies between 50 and 849 so sizes differ from segment to segment. */
export function packetsFor(seq: number, scale = 1): number {
  return Math.max(1, Math.round((50 + ((seq * 37) % 800)) * scale));
}

/** The bytes of synthetic chunk `seq`. */
export function syntheticChunkBytes(seq: number, scale = 1): Uint8Array {
  const packets = packetsFor(seq, scale);
  const out = new Uint8Array(packets * PACKET);
  const view = new DataView(out.buffer);
  for (let p = 0; p < packets; p++) {
    const o = p * PACKET;
    out[o] = 0x47;
    out[o + 1] = 0x1f; // PID 0x1FFF (null packet)
    out[o + 2] = 0xff;
    out[o + 3] = 0x10 | (p & 0x0f); // payload only, continuity counter
    for (let i = 4; i < PACKET; i++) out[o + i] = (seq * 31 + p * 7 + i) & 0xff;
  }
  view.setUint32(4, seq);
  view.setUint32(8, packets);
  return out;
}

/**
 * The seq a synthetic chunk claims, if `bytes` is exactly that chunk (right length, every byte
 * as {@link syntheticChunkBytes} makes it); otherwise a reason.
 */
export function checkSyntheticChunk(bytes: Uint8Array, scale = 1): { seq: number } | { error: string } {
  if (bytes.length < 12) return { error: `only ${bytes.length} bytes` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = view.getUint32(4);
  const expected = syntheticChunkBytes(seq, scale);
  if (expected.length !== bytes.length) return { error: `seq ${seq}: ${bytes.length} bytes, expected ${expected.length}` };
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== expected[i]) return { error: `seq ${seq}: byte ${i} differs` };
  }
  return { seq };
}
