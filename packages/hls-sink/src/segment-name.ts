/** Segment names are the media sequence number, zero-padded to at least this many digits. */
const MIN_DIGITS = 5;

const SEGMENT_NAME = /^(\d{5,})\.ts$/;

/** `12` → `"00012.ts"`; `123456` → `"123456.ts"` (the width grows, never truncates). */
export function segmentName(mediaSequence: number): string {
  return `${String(mediaSequence).padStart(MIN_DIGITS, "0")}.ts`;
}

/**
 * The media sequence number a file name stands for, or `undefined` when the name is not one
 * {@link segmentName} would produce (so `"012345.ts"` with a superfluous zero is not ours).
 */
export function parseSegmentName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || segmentName(n) !== name) return undefined;
  return n;
}

/** Prefix of every temp file the sink creates, so a crash's leftovers are recognisable. */
export const TEMP_PREFIX = ".hls-sink-";
/** Suffix of every temp file the sink creates. */
export const TEMP_SUFFIX = ".tmp";

/** Whether `name` is a temp file left by a sink (e.g. after a crash). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}
