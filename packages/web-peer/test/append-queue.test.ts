/**
 * AppendQueue against a scripted SourceBuffer (the browser API, not one of ours): one operation at
 * a time, `updateend` drives the next, QuotaExceededError frees played media and retries once,
 * a SourceBuffer error refuses everything queued.
 */
import { describe, expect, it } from "vitest";
import { AppendQueue, MIN_BACK_BUFFER_S } from "../src/index.js";

class ScriptedSourceBuffer extends EventTarget {
  updating = false;
  ranges: Array<[number, number]> = [];
  log: string[] = [];
  /** Appends refused with QuotaExceededError while this is > 0. */
  full = 0;
  get buffered(): TimeRanges {
    const r = this.ranges;
    return { length: r.length, start: (i: number) => r[i]![0], end: (i: number) => r[i]![1] } as TimeRanges;
  }
  appendBuffer(data: BufferSource): void {
    if (this.updating) throw new DOMException("updating", "InvalidStateError");
    if (this.full > 0) {
      this.full--;
      throw new DOMException("full", "QuotaExceededError");
    }
    this.updating = true;
    this.log.push(`append ${(data as Uint8Array).byteLength}`);
    setTimeout(() => {
      this.updating = false;
      this.dispatchEvent(new Event("updateend"));
    }, 1);
  }
  remove(start: number, end: number): void {
    if (this.updating) throw new DOMException("updating", "InvalidStateError");
    this.updating = true;
    this.log.push(`remove ${start}-${end}`);
    setTimeout(() => {
      this.ranges = this.ranges.map(([s, e]) => [Math.max(s, end), e] as [number, number]).filter(([s, e]) => e > s);
      this.updating = false;
      this.dispatchEvent(new Event("updateend"));
    }, 1);
  }
}

describe("AppendQueue", () => {
  it("runs one operation at a time, in order", async () => {
    const sb = new ScriptedSourceBuffer();
    const q = new AppendQueue(sb, () => 0);
    await Promise.all([q.append(new Uint8Array(1)), q.append(new Uint8Array(2)), q.remove(0, 1), q.append(new Uint8Array(3))]);
    expect(sb.log).toEqual(["append 1", "append 2", "remove 0-1", "append 3"]);
    expect(q.counters).toEqual({ appends: 3, bytesAppended: 6, removes: 1, quotaTrims: 0 });
    expect(q.length).toBe(0);
  });

  it("QuotaExceeded: frees played media (keeping MIN_BACK_BUFFER_S) and retries the same bytes", async () => {
    const sb = new ScriptedSourceBuffer();
    sb.ranges = [[100, 160]];
    sb.full = 1;
    const q = new AppendQueue(sb, () => 150);
    await q.append(new Uint8Array(7));
    expect(sb.log).toEqual([`remove 100-${150 - MIN_BACK_BUFFER_S}`, "append 7"]);
    expect(q.counters.quotaTrims).toBe(1);
  });

  it("QuotaExceeded with nothing played to free, or twice in a row: the append fails with that error", async () => {
    const sb = new ScriptedSourceBuffer();
    sb.ranges = [[100, 160]];
    sb.full = 1;
    const nothingPlayed = new AppendQueue(sb, () => 101);
    await expect(nothingPlayed.append(new Uint8Array(1))).rejects.toMatchObject({ name: "QuotaExceededError" });
    const sb2 = new ScriptedSourceBuffer();
    sb2.ranges = [[100, 160]];
    sb2.full = 2;
    const twice = new AppendQueue(sb2, () => 150);
    await expect(twice.append(new Uint8Array(1))).rejects.toMatchObject({ name: "QuotaExceededError" });
    // The queue goes on after a failed append.
    await twice.append(new Uint8Array(2));
    expect(sb2.log.at(-1)).toBe("append 2");
  });

  it("a SourceBuffer error refuses what is queued and everything after", async () => {
    const sb = new ScriptedSourceBuffer();
    const q = new AppendQueue(sb, () => 0);
    const a = q.append(new Uint8Array(1));
    const b = q.append(new Uint8Array(2));
    sb.dispatchEvent(new Event("error"));
    await expect(a).rejects.toThrow(/could not decode/);
    await expect(b).rejects.toThrow(/could not decode/);
    await expect(q.append(new Uint8Array(3))).rejects.toThrow(/could not decode/);
  });
});
