/**
 * Simulated reception damage for the live fake tuner, as a pure function of the broadcast
 * timeline: every `every` seconds of broadcast time (windows counted from the clock origin) one
 * burst of `burst` consecutive broadcast packets is damaged, starting at a point of the window
 * picked from `seed` and the window's number. So two sims with the same spec damage the same
 * packets, whenever their clients joined.
 *
 * Text form (the `--damage` flag): `seed=<int>[,every=<seconds>][,burst=<packets>][,mode=tei|drop|mix]`,
 * e.g. `seed=7,every=10,burst=12,mode=mix`. Defaults: every 10 s, 8 packets, mix.
 * - `tei`: the packets are kept with transport_error_indicator set and payload bytes scrambled
 *   (what a demodulator passes on when its error correction fails).
 * - `drop`: the packets are missing.
 * - `mix`: each burst is one or the other, from the seed.
 */
import { TICKS_PER_SECOND } from "@ec/stream-rules";

/** What a burst does to its packets. */
export type DamageMode = "tei" | "drop";

/** A parsed `--damage` spec. */
export interface DamageSpec {
  seed: number;
  /** Seconds of broadcast time per burst. */
  everyS: number;
  /** Packets per burst. */
  burst: number;
  mode: DamageMode | "mix";
}

/** A `--damage` text that does not follow the syntax; the message names the problem. */
export class DamageSpecError extends Error {
  override readonly name = "DamageSpecError";
  readonly code = "bad-damage-spec" as const;
}

const KEYS = new Set(["seed", "every", "burst", "mode"]);

/** Parses `seed=<int>[,every=<s>][,burst=<n>][,mode=tei|drop|mix]`. @throws DamageSpecError */
export function parseDamageSpec(text: string): DamageSpec {
  const fields = new Map<string, string>();
  for (const part of text.split(",")) {
    const m = /^\s*([a-z]+)\s*=\s*([^\s,]+)\s*$/.exec(part);
    if (!m) throw new DamageSpecError(`damage spec ${JSON.stringify(text)}: expected key=value pairs separated by commas`);
    if (!KEYS.has(m[1]!)) throw new DamageSpecError(`damage spec: unknown key ${JSON.stringify(m[1])} (seed, every, burst, mode)`);
    if (fields.has(m[1]!)) throw new DamageSpecError(`damage spec: ${m[1]} given twice`);
    fields.set(m[1]!, m[2]!);
  }
  const seedText = fields.get("seed");
  if (seedText === undefined || !/^\d{1,9}$/.test(seedText)) throw new DamageSpecError("damage spec: seed=<integer 0..999999999> is required");
  const everyS = Number(fields.get("every") ?? "10");
  if (!Number.isFinite(everyS) || everyS < 0.1 || everyS > 86_400) throw new DamageSpecError("damage spec: every must be seconds from 0.1 to 86400");
  const burstText = fields.get("burst") ?? "8";
  const burst = Number(burstText);
  if (!/^\d+$/.test(burstText) || burst < 1 || burst > 10_000) throw new DamageSpecError("damage spec: burst must be an integer from 1 to 10000 packets");
  const mode = fields.get("mode") ?? "mix";
  if (mode !== "tei" && mode !== "drop" && mode !== "mix") throw new DamageSpecError("damage spec: mode must be tei, drop or mix");
  return { seed: Number(seedText), everyS, burst, mode };
}

/** The canonical text of a spec (what `parseDamageSpec` reads back to the same spec). */
export function formatDamageSpec(s: DamageSpec): string {
  return `seed=${s.seed},every=${s.everyS},burst=${s.burst},mode=${s.mode}`;
}

/** 32-bit hash of (seed, window, salt); window may exceed 2^32. */
export function damageHash(seed: number, window: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ salt;
  h = Math.imul(h ^ (window % 2 ** 32), 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h ^ Math.floor(window / 2 ** 32), 0x27d4eb2f);
  h ^= h >>> 13;
  h = Math.imul(h, 0x165667b1);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where window `w`'s burst starts (broadcast ticks since the origin) and what it does. */
export function burstOfWindow(spec: DamageSpec, window: number): { startTicks: number; mode: DamageMode } {
  const everyTicks = Math.round(spec.everyS * TICKS_PER_SECOND);
  const frac = damageHash(spec.seed, window, 1) / 2 ** 32;
  const mode: DamageMode = spec.mode === "mix" ? (damageHash(spec.seed, window, 2) & 1 ? "drop" : "tei") : spec.mode;
  return { startTicks: window * everyTicks + Math.floor(frac * everyTicks), mode };
}
