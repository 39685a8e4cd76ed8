/**
 * Reason counts as a person reads them, the same way everywhere ec-node prints them (and as the
 * subscriber's exit lines do): "3 unknown-signer, 1 expired", most frequent first, or "none".
 */
export function formatCounts(counts: Partial<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`);
  return parts.length ? parts.join(", ") : "none";
}
