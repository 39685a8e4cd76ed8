import { streamIdProblem } from "@ec/stream-rules";
import { TransportError } from "./errors.js";

/** The two tracks of every stream's broadcast. */
export type TrackName = "manifests" | "chunks";

/** Both track names, in a fixed order. */
export const TRACK_NAMES: readonly TrackName[] = ["manifests", "chunks"];

/**
 * Checks a stream id against the one rule of `@ec/stream-rules` (1..128 of `A-Z a-z 0-9 . _ -`,
 * the first a letter or digit), converted once to this package's error.
 * @throws TransportError `bad-stream-id`.
 */
export function assertStreamId(streamId: string): void {
  const problem = streamIdProblem(streamId);
  if (problem !== undefined) {
    const shown = typeof streamId === "string" ? JSON.stringify(streamId.slice(0, 40)) : typeof streamId;
    throw new TransportError("bad-stream-id", `bad stream id ${shown}: ${problem} (use 1-128 of A-Z a-z 0-9 . _ -, first a letter or digit)`);
  }
}

/** The moq-lite broadcast path of a stream: `ec/<streamId>`. */
export function broadcastPath(streamId: string): string {
  assertStreamId(streamId);
  return `ec/${streamId}`;
}

/**
 * The track name a subscriber sends. Plain `manifests` / `chunks` start at the live edge (the newest
 * group in the node's window, then every later one). `<track>?from=<seq>` asks for every group still in
 * the window with sequence >= seq first. moq-lite 0.2.2's publisher drops SUBSCRIBE's start group,
 * so the start hint rides in the track name, where the serving node can see it.
 */
export function wireTrackName(track: TrackName, fromSeq?: number): string {
  if (fromSeq === undefined) return track;
  return `${track}?from=${fromSeq}`;
}

/** Parses a wire track name; undefined when it is not one of ours. */
export function parseWireTrackName(name: string): { track: TrackName; fromSeq?: number } | undefined {
  const q = name.indexOf("?");
  const base = q < 0 ? name : name.slice(0, q);
  if (base !== "manifests" && base !== "chunks") return undefined;
  if (q < 0) return { track: base };
  const m = /^from=(0|[1-9][0-9]{0,15})$/.exec(name.slice(q + 1));
  if (!m) return undefined;
  const fromSeq = Number(m[1]);
  if (!Number.isSafeInteger(fromSeq)) return undefined;
  return { track: base, fromSeq };
}

/** Checks a group sequence number: a safe non-negative integer. */
export function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new TransportError("bad-argument", `sequence number must be a non-negative safe integer, got ${String(seq).slice(0, 30)}`);
  }
}
