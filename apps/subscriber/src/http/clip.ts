/** Request data in a log line: clipped, so a hostile client cannot flood the log. */
export function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
