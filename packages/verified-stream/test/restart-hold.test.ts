import { describe, expect, it } from "vitest";
import { hashObject } from "@ec/manifest";
import { RestartHold } from "../src/restart-hold.js";

const obj = (seq: number, n = 10, peer = "p") => ({ seq, bytes: new Uint8Array(n).fill(seq), peer });
const entryFor = (bytes: Uint8Array, seq = 0) => ({ seq, objectHash: hashObject(bytes), objectSize: bytes.length, durationTicks: 1, firstPts: 0 });

describe("RestartHold", () => {
  it("refutes only an object a vouched entry contradicts (size or hash); no entry is not a refutation", () => {
    const h = new RestartHold({ maxObjects: 4, maxBytes: 1000 });
    const b = new Uint8Array([1, 2, 3]);
    expect(h.refutes(entryFor(b), b)).toBe(false);
    expect(h.refutes(entryFor(b), new Uint8Array([1, 2, 4]))).toBe(true);
    expect(h.refutes(entryFor(b), new Uint8Array([1, 2]))).toBe(true);
    expect(h.refutes(undefined, b)).toBe(false);
  });

  it("marks end on an accept, after the allowance (then the peer is judged again), or at an epoch change", () => {
    const h = new RestartHold({ maxObjects: 2, maxBytes: 1000 });
    h.mark("p");
    expect(h.hold(obj(1))).toBe(true);
    expect(h.hold(obj(2))).toBe(true);
    expect(h.hold(obj(3))).toBe(false);
    expect(h.isMarked("p")).toBe(false);
    h.mark("q");
    h.unmark("q");
    expect(h.isMarked("q")).toBe(false);
    h.mark("r");
    expect(h.takeAll().map((o) => o.seq)).toEqual([1, 2]);
    expect(h.isMarked("r")).toBe(false);
    expect(h.takeAll()).toEqual([]);
  });

  it("holds at most maxObjects and maxBytes, oldest out first; the same seq again replaces its copy", () => {
    const h = new RestartHold({ maxObjects: 3, maxBytes: 25 });
    for (const p of ["a", "b"]) h.mark(p);
    h.hold(obj(1, 10, "a"));
    h.hold(obj(2, 10, "a"));
    h.hold(obj(2, 10, "a"));
    h.hold(obj(3, 10, "b"));
    expect(h.takeAll().map((o) => `${o.peer}${o.seq}`)).toEqual(["a2", "b3"]);
  });
});
