import { describe, expect, it } from "vitest";
import { isStalled, playerPill, signerStatus, STALL_MIN_MS, whyNotPlaying } from "../src/index.js";
import type { ShownStats, StatusInputs } from "../src/index.js";

const KEY = "ab".repeat(32);
const MP = `ecmoq://${"c".repeat(64)}@127.0.0.1:1`;
const stats = (over: Partial<ShownStats> = {}): ShownStats => ({
  streamId: "s",
  signerPinned: true,
  manifests: { accepted: 0, rejected: {} },
  objects: { accepted: 0, rejected: {}, duplicates: 0, pending: 0 },
  peers: { manifests: {}, objects: {} },
  ...over,
});
const inputs = (over: Partial<StatusInputs> = {}): StatusInputs => ({ stats: stats(), trustedKeys: [KEY], manifestPeer: MP, player: { state: "idle" }, appended: 0, ...over });

describe("whyNotPlaying", () => {
  it("untrusted signer: says the key is not trusted, with the counts and the pinned key", () => {
    const w = whyNotPlaying(inputs({ stats: stats({ manifests: { accepted: 0, rejected: { "unknown-signer": 4 } } }) }));
    expect(w?.kind).toBe("untrusted-signer");
    expect(w?.text).toMatch(/^Nothing plays because the manifests are signed by a key this page does not trust \(4 unknown-signer\)/);
    expect(w?.text).toContain(KEY);
  });
  it("no key pinned: refuses trust on first use, says how to pin", () => {
    expect(whyNotPlaying(inputs({ trustedKeys: [] }))?.kind).toBe("no-trusted-key");
  });
  it("other manifest rejections, unreachable manifest peer, rejected objects, waiting", () => {
    expect(whyNotPlaying(inputs({ stats: stats({ manifests: { accepted: 0, rejected: { expired: 2 } } }) }))?.text).toMatch(/every manifest was rejected: 2 expired/);
    const unreachable = { connected: false, connects: 0, received: 0, accepted: 0, rejected: {}, lastError: "unreachable: ECONNREFUSED" };
    const peers = { manifests: { [MP]: { role: "manifests" as const, ...unreachable } }, objects: {} };
    expect(whyNotPlaying(inputs({ stats: stats({ peers }) }))?.kind).toBe("manifest-peer-unreachable");
    // The same address unreachable only as an object peer is not the manifest peer's trouble.
    const asObjects = { manifests: {}, objects: { [MP]: { role: "objects" as const, ...unreachable } } };
    expect(whyNotPlaying(inputs({ stats: stats({ peers: asObjects }) }))?.kind).toBe("waiting");
    const objs = stats({ manifests: { accepted: 3, rejected: {} }, objects: { accepted: 0, rejected: { "hash-mismatch": 2 }, duplicates: 0, pending: 0 } });
    expect(whyNotPlaying(inputs({ stats: objs }))?.text).toMatch(/every object so far was rejected \(2 hash-mismatch\)/);
    expect(whyNotPlaying(inputs())?.kind).toBe("waiting");
    expect(whyNotPlaying(inputs({ stats: undefined }))?.kind).toBe("waiting");
  });
  it("codec unsupported and player failure win; playing says nothing", () => {
    const probe = { kind: "unsupported" as const, streams: [], unsupported: [], message: "This stream is MPEG-2 video." };
    expect(whyNotPlaying(inputs({ player: { state: "unsupported", probe }, appended: 0 }))?.text).toBe("Nothing plays because of the codecs. This stream is MPEG-2 video.");
    expect(whyNotPlaying(inputs({ player: { state: "failed", error: { message: "boom" } }, appended: 4 }))?.kind).toBe("player-failed");
    expect(whyNotPlaying(inputs({ player: { state: "playing" }, appended: 1 }))).toBeUndefined();
  });
  it("stalled after playing: the source's reason, prefixed", () => {
    expect(whyNotPlaying(inputs({ player: { state: "playing" }, appended: 5, stalled: { text: "leader gone: …" } }))).toEqual({ kind: "stalled", text: "Stalled: leader gone: …." });
  });
});

describe("playerPill", () => {
  it("says stalled while stalled, whatever the player's state, and the player's state again once chunks flow", () => {
    const stalled = whyNotPlaying(inputs({ player: { state: "playing" }, appended: 5, stalled: { text: "manifests stopped arriving via …" } }));
    expect(playerPill("playing", stalled)).toEqual({ text: "stalled", tone: "bad" });
    const flowing = whyNotPlaying(inputs({ player: { state: "playing" }, appended: 6 }));
    expect(playerPill("playing", flowing)).toEqual({ text: "playing", tone: "ok" });
    expect(playerPill("idle", undefined)).toEqual({ text: "idle", tone: "wait" });
    expect(playerPill("failed", whyNotPlaying(inputs({ player: { state: "failed" }, appended: 1 })))).toEqual({ text: "failed", tone: "bad" });
  });
});

describe("signerStatus", () => {
  it("pinned, waiting, untrusted, none pinned", () => {
    expect(signerStatus(stats({ signer: KEY }), [KEY])).toEqual({ kind: "pinned", text: `pinned ${KEY}` });
    expect(signerStatus(stats(), [KEY]).kind).toBe("waiting");
    expect(signerStatus(stats({ manifests: { accepted: 0, rejected: { "unknown-signer": 1 } } }), [KEY]).kind).toBe("untrusted");
    expect(signerStatus(stats(), []).kind).toBe("none-pinned");
  });
});

describe("isStalled", () => {
  it("3 chunk durations without an append, at least STALL_MIN_MS; never before the first append", () => {
    expect(isStalled(undefined, 1e9, 2000)).toBe(false);
    expect(isStalled(0, 6000, 2000)).toBe(false);
    expect(isStalled(0, 6001, 2000)).toBe(true);
    expect(isStalled(0, STALL_MIN_MS, 1000)).toBe(false);
    expect(isStalled(0, STALL_MIN_MS + 1, 1000)).toBe(true);
  });
});
