/**
 * What the page tells a viewer above the video: whether the signer is pinned, and — when nothing
 * plays — why, in one sentence. Reads only counters and states, so it is tested on its own; the
 * page renders it as text.
 */
import type { CodecProbe } from "./codec-probe.js";
import type { PlayerState } from "./mse-player.js";

/** The subset of the verified source's counters the page reads (VerifiedStream's StreamStats has them). */
export interface ShownStats {
  streamId: string;
  signer?: string;
  signerPinned: boolean;
  epoch?: string;
  manifests: { accepted: number; rejected: Record<string, number> };
  objects: { accepted: number; rejected: Record<string, number>; duplicates: number; pending: number };
  /** Per role, keyed by address: an address that is both the manifest and an object peer has an entry in each. */
  peers: Record<"manifests" | "objects", Record<string, ShownPeer>>;
}

export interface ShownPeer {
  role: "manifests" | "objects";
  connected: boolean;
  connects: number;
  received: number;
  accepted: number;
  rejected: Record<string, number>;
  dropped?: string;
  demoted?: string;
  demotions?: number;
  failures?: Record<string, number>;
  lastError?: string;
}

/** Why nothing plays, as a code (the page marks it with `data-why`; tests read that, not the text). */
export type NotPlayingKind =
  | "config"
  | "no-mse"
  | "no-trusted-key"
  | "untrusted-signer"
  | "manifests-rejected"
  | "manifest-peer-unreachable"
  | "codec-unsupported"
  | "player-failed"
  | "objects-rejected"
  | "stalled"
  | "waiting";

export interface NotPlaying {
  kind: NotPlayingKind;
  text: string;
}

export interface StatusInputs {
  stats: ShownStats | undefined;
  trustedKeys: readonly string[];
  manifestPeer: string;
  player: { state: PlayerState; probe?: CodecProbe; error?: { message: string } };
  /** Chunks appended so far. */
  appended: number;
  /** Set when playback started and then no chunk came for a while (see {@link isStalled}): the source's own one-line reason. */
  stalled?: { text: string };
}

/** No new chunk for this many chunk durations (and at least {@link STALL_MIN_MS}) after playback started: stalled. */
export const STALL_AFTER_CHUNKS = 3;
export const STALL_MIN_MS = 4000;

/** Whether playback that had started is stalled: the last chunk was appended too long ago. */
export function isStalled(lastAppendAtMs: number | undefined, nowMs: number, chunkMs: number): boolean {
  return lastAppendAtMs !== undefined && nowMs - lastAppendAtMs > Math.max(STALL_MIN_MS, STALL_AFTER_CHUNKS * chunkMs);
}

const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");

/** The pill beside the video: the player's state, except that stalled playback says "stalled" (until chunks flow again). */
export function playerPill(state: PlayerState, why: NotPlaying | undefined): { text: string; tone: "ok" | "wait" | "bad" } {
  if (why?.kind === "stalled") return { text: "stalled", tone: "bad" };
  return { text: state, tone: state === "playing" ? "ok" : state === "idle" ? "wait" : "bad" };
}

/** Signer line: "pinned <key>", "no signer verified yet", or the untrusted case. */
export function signerStatus(stats: ShownStats | undefined, trustedKeys: readonly string[]): { kind: "pinned" | "waiting" | "untrusted" | "none-pinned"; text: string } {
  if (trustedKeys.length === 0) return { kind: "none-pinned", text: "no signer key pinned: this page trusts nobody" };
  if (stats?.signer) return { kind: "pinned", text: `pinned ${stats.signer}` };
  if ((stats?.manifests.rejected["unknown-signer"] ?? 0) > 0) return { kind: "untrusted", text: `manifests are signed by a key that is not pinned (pinned: ${trustedKeys.join(", ")})` };
  return { kind: "waiting", text: "no manifest verified yet" };
}

/** Why nothing plays yet, or undefined once something was appended and the player is fine. */
export function whyNotPlaying(i: StatusInputs): NotPlaying | undefined {
  const { stats, player } = i;
  if (player.state === "unsupported" && player.probe?.kind === "unsupported") return { kind: "codec-unsupported", text: `Nothing plays because of the codecs. ${player.probe.message}` };
  if (player.state === "failed") return { kind: "player-failed", text: `Playback failed: ${player.error?.message ?? "the media element reported an error"}.` };
  if (i.appended > 0) return i.stalled ? { kind: "stalled", text: `Stalled: ${i.stalled.text}.` } : undefined;
  if (i.trustedKeys.length === 0) {
    return { kind: "no-trusted-key", text: "Nothing plays because no signer key is pinned: give the leader's public key (trustedKeys in config.json, or ?trustedKey=). This page never trusts a signer on first use." };
  }
  if (!stats) return { kind: "waiting", text: "Connecting…" };
  if (stats.manifests.accepted === 0) {
    const rej = stats.manifests.rejected;
    if ((rej["unknown-signer"] ?? 0) > 0) {
      return {
        kind: "untrusted-signer",
        text: `Nothing plays because the manifests are signed by a key this page does not trust (${counts(rej)}). Only a manifest signed by a pinned key (${i.trustedKeys.join(", ")}) can vouch for video.`,
      };
    }
    if (Object.keys(rej).length > 0) return { kind: "manifests-rejected", text: `Nothing plays because every manifest was rejected: ${counts(rej)}.` };
    const mp = stats.peers.manifests[i.manifestPeer];
    if (mp && mp.connects === 0 && mp.lastError) return { kind: "manifest-peer-unreachable", text: `Nothing plays yet: the manifest peer cannot be reached (${mp.lastError}).` };
    return { kind: "waiting", text: "Waiting for the first verified manifest…" };
  }
  if (stats.objects.accepted === 0 && Object.keys(stats.objects.rejected).length > 0) {
    return { kind: "objects-rejected", text: `Nothing plays yet: every object so far was rejected (${counts(stats.objects.rejected)}); trying the other peers.` };
  }
  return { kind: "waiting", text: "Waiting for the first verified chunk…" };
}
