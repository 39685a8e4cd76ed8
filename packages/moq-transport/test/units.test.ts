import { StreamError } from "@moq/qmux";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ResetCode } from "../src/errors.js";
import { groupGuard, guardGroupStream } from "../src/guard.js";
import { generateNodeIdentity, signChallenge, verifyChallenge } from "../src/identity.js";
import { assertStreamId, broadcastPath, parseWireTrackName, TransportError, wireTrackName } from "../src/index.js";
import { WindowStore } from "../src/store.js";

function varint(n: number): number[] {
  if (n < 0x40) return [n];
  if (n < 0x4000) return [0x40 | (n >> 8), n & 0xff];
  if (n < 0x40000000) return [0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const hi = Math.floor(n / 2 ** 32);
  return [0xc0 | (hi >>> 24), (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** A moq-lite GROUP stream: type 0, header {subscribe id, seq}, then length-prefixed frames. */
function groupStream(frames: number[], seq = 7): Uint8Array {
  const header = [...varint(1), ...varint(seq)];
  const out = [0, ...varint(header.length), ...header];
  for (const len of frames) out.push(...varint(len), ...new Array(len).fill(0xab));
  return Uint8Array.from(out);
}

async function runGuard(bytes: Uint8Array, maxFrameBytes: number, chunk = 5, frameLimit?: (seq: number) => number): Promise<{ out: number; error?: unknown; kinds: string[] }> {
  const kinds: string[] = [];
  const src = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.subarray(i, i + chunk));
      c.close();
    },
  });
  let out = 0;
  try {
    const r = src.pipeThrough(groupGuard({ maxFrameBytes, frameLimit, onViolation: (k) => kinds.push(k) })).getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      out += value.byteLength;
    }
    return { out, kinds };
  } catch (error) {
    return { out, error, kinds };
  }
}

describe("group stream guard", () => {
  it("passes well-formed group streams through unchanged, however they are chunked", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 5 }), fc.integer({ min: 1, max: 64 }), async (frames, chunk) => {
        const bytes = groupStream(frames);
        const r = await runGuard(bytes, 300, chunk);
        expect(r.error).toBeUndefined();
        expect(r.out).toBe(bytes.length);
      }),
      { numRuns: 200 },
    );
  });

  it("cuts a frame over the limit at its length prefix, before its bytes", async () => {
    const r = await runGuard(groupStream([10, 1000, 10]), 999);
    expect(r.error).toBeInstanceOf(StreamError);
    expect((r.error as StreamError).streamErrorCode).toBe(ResetCode.frameTooLarge);
    expect(r.kinds).toEqual(["frame-too-large"]);
    expect(r.out).toBeLessThan(30);
  });

  it("applies the per-seq limit read from the group header (a multi-byte seq, split across chunks)", async () => {
    const asked: number[] = [];
    const limit = (seq: number) => (asked.push(seq), seq === 300 ? 500 : 1 << 20);
    const cut = await runGuard(groupStream([600], 300), 1 << 20, 1, limit);
    expect((cut.error as StreamError).streamErrorCode).toBe(ResetCode.frameTooLarge);
    expect(cut.out).toBeLessThan(10);
    expect(asked).toEqual([300]);
    const ok = await runGuard(groupStream([600], 301), 1 << 20, 3, limit);
    expect(ok.error).toBeUndefined();
    // The smaller of the two limits applies.
    expect((await runGuard(groupStream([600], 301), 599, 3, limit)).kinds).toEqual(["frame-too-large"]);
  });

  it("refuses an 8-byte varint length (2^62-ish) without allocating", async () => {
    const bytes = Uint8Array.from([...groupStream([]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const r = await runGuard(bytes, 16 << 20);
    expect((r.error as StreamError).streamErrorCode).toBe(ResetCode.frameTooLarge);
  });

  it("refuses a wrong stream type and an oversized header", async () => {
    const wrongType = groupStream([1]);
    wrongType[0] = 1;
    expect((await runGuard(wrongType, 100)).kinds).toEqual(["bad-group-stream"]);
    expect((await runGuard(Uint8Array.from([0, 64, 100, ...new Array(100).fill(0)]), 100)).kinds).toEqual(["bad-group-stream"]);
  });

  it("a violation cancels the transport stream with the typed error (qmux sends its code as STOP_SENDING)", async () => {
    let cancelled: unknown;
    const bytes = groupStream([10, 1000]);
    const src = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 20));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const r = guardGroupStream(src, { maxFrameBytes: 999 }).getReader();
    const err = await (async () => {
      try {
        for (;;) if ((await r.read()).done) return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StreamError);
    expect(cancelled).toBe(err);
    expect((cancelled as StreamError).streamErrorCode).toBe(ResetCode.frameTooLarge);
  });

  it("cancelling the guarded stream cancels the transport stream with the same reason, also mid-frame", async () => {
    let cancelled: unknown;
    const bytes = groupStream([100_000]);
    let sent = 0;
    const src = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          // Half the frame, then nothing more: the guard is left waiting inside the body.
          if (sent === 0) c.enqueue(bytes.subarray(0, 50_000));
          sent++;
          return new Promise(() => {});
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const r = guardGroupStream(src, { maxFrameBytes: 1 << 20 }).getReader();
    const first = r.read(); // header, then the guard gathers and waits
    const head = await first;
    expect(head.done).toBe(false);
    const pending = r.read();
    const reason = new Error("stop");
    await r.cancel(reason);
    expect(cancelled).toBe(reason);
    expect((await pending).done).toBe(true);
  });

  it("random bytes: passes or fails with a typed StreamError, never anything else", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const r = await runGuard(bytes, 64);
        if (r.error !== undefined) expect(r.error).toBeInstanceOf(StreamError);
      }),
      { numRuns: 300 },
    );
  });
});

describe("window store", () => {
  it("keeps at most maxGroups / maxBytes, newest always kept, each seq once", () => {
    const s = new WindowStore({ maxGroups: 3, maxBytes: 100 });
    const inserted: number[] = [];
    const evicted: number[] = [];
    s.onInsert((g) => inserted.push(g.seq));
    s.onEvict((g) => evicted.push(g.seq));
    for (let i = 0; i < 5; i++) expect(s.insert(i, new Uint8Array(10))).toBe(true);
    expect(s.since(0).map((g) => g.seq)).toEqual([2, 3, 4]);
    expect(evicted).toEqual([0, 1]);
    expect(s.insert(3, new Uint8Array(10))).toBe(false); // duplicate
    expect(s.insert(1, new Uint8Array(10))).toBe(false); // older than the window
    expect(s.insert(200, new Uint8Array(500))).toBe(true); // over maxBytes alone: kept as the newest
    expect(s.since(0).map((g) => g.seq)).toEqual([200]);
    expect(s.latest()?.seq).toBe(200);
    expect(inserted).toEqual([0, 1, 2, 3, 4, 200]);
  });

  it("inserts out-of-order groups in order", () => {
    const s = new WindowStore({ maxGroups: 10 });
    for (const q of [5, 3, 9, 4]) s.insert(q, new Uint8Array(1));
    expect(s.since(4).map((g) => g.seq)).toEqual([4, 5, 9]);
  });
});

describe("names", () => {
  it("maps stream ids to ec/<id> and rejects anything outside the charset", () => {
    expect(broadcastPath("wcbd-hd")).toBe("ec/wcbd-hd");
    for (const bad of ["", "a/b", "../x", "-x", "x".repeat(129), "a b", "é"]) {
      expect(() => assertStreamId(bad)).toThrow(TransportError);
    }
  });

  it("round-trips wire track names with start hints and rejects others", () => {
    expect(parseWireTrackName(wireTrackName("chunks", 42))).toEqual({ track: "chunks", fromSeq: 42 });
    expect(parseWireTrackName("manifests")).toEqual({ track: "manifests" });
    for (const bad of ["video", "chunks?from=", "chunks?from=01", "chunks?from=-1", "chunks?to=3", "chunks?from=99999999999999999"]) {
      expect(parseWireTrackName(bad), bad).toBeUndefined();
    }
  });
});

describe("identity proof", () => {
  it("verifies only the right key over the right challenge", () => {
    const a = generateNodeIdentity();
    const b = generateNodeIdentity();
    const ch = new Uint8Array(32).fill(7);
    const sig = signChallenge(a, ch);
    expect(verifyChallenge(a.publicKey, ch, sig)).toBe(true);
    expect(verifyChallenge(b.publicKey, ch, sig)).toBe(false);
    expect(verifyChallenge(a.publicKey, new Uint8Array(32), sig)).toBe(false);
    const flipped = sig.slice();
    flipped[0]! ^= 1;
    expect(verifyChallenge(a.publicKey, ch, flipped)).toBe(false);
    expect(verifyChallenge(a.publicKey, ch, sig.subarray(0, 63))).toBe(false);
  });
});
