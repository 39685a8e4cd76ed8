/**
 * Objects of an object peer that restarted (its sequence numbers started over: a new capture run)
 * are not judged against the old epoch's manifests. When the leader restarted too, its new-epoch
 * manifest may come later than the peer's new objects (under load, after the restart wait ran
 * out); judged against the old run's entries, an honest peer's objects look like junk and it
 * would be demoted or dropped. So, until the next epoch change, an object from such a peer that
 * the current manifests refute (wrong size or hash for a vouched seq) is held here, unjudged, and
 * offered again once a new epoch's manifest has arrived. Nothing held is ever emitted except
 * through the gate.
 *
 * Bounded both ways: at most `maxObjects` / `maxBytes` held (oldest out first), and a peer's mark
 * ends when one of its objects is accepted (it serves the current epoch after all) or after
 * `maxObjects` refuted objects (a peer that fakes restarts to dodge its junk score is judged again).
 */
import { hashObject } from "@ec/manifest";
import type { ManifestEntry } from "@ec/manifest";

export interface HeldObject {
  seq: number;
  bytes: Uint8Array;
  peer: string;
}

export class RestartHold {
  /** Restarted peers, with how many of their objects were held since. */
  readonly #marked = new Map<string, number>();
  readonly #held = new Map<string, HeldObject>();
  #bytes = 0;

  constructor(private readonly limits: { maxObjects: number; maxBytes: number }) {}

  /** `peer`'s sequence numbers started over. */
  mark(peer: string): void {
    this.#marked.set(peer, 0);
  }

  /** `peer` delivered an object the gate accepted: it serves the current epoch. */
  unmark(peer: string): void {
    this.#marked.delete(peer);
  }

  isMarked(peer: string): boolean {
    return this.#marked.has(peer);
  }

  /** Whether an object of a marked peer is refuted by the vouched `entry` (then it should be held, not judged). */
  refutes(entry: ManifestEntry | undefined, bytes: Uint8Array): boolean {
    if (!entry) return false;
    return entry.objectSize !== bytes.length || !sameBytes(hashObject(bytes), entry.objectHash);
  }

  /** Holds an object of a marked peer; returns false (and unmarks the peer) once it has used up its allowance. */
  hold(obj: HeldObject): boolean {
    const n = (this.#marked.get(obj.peer) ?? 0) + 1;
    if (n > this.limits.maxObjects) {
      this.#marked.delete(obj.peer);
      return false;
    }
    this.#marked.set(obj.peer, n);
    const key = `${obj.peer}\u0000${obj.seq}`;
    const old = this.#held.get(key);
    if (old) this.#bytes -= old.bytes.length;
    this.#held.delete(key);
    this.#held.set(key, obj);
    this.#bytes += obj.bytes.length;
    for (const [k, o] of this.#held) {
      if (this.#held.size <= this.limits.maxObjects && this.#bytes <= this.limits.maxBytes) break;
      this.#held.delete(k);
      this.#bytes -= o.bytes.length;
    }
    return true;
  }

  /** A new epoch began: every mark ends; returns what was held, oldest first, to be judged now. */
  takeAll(): HeldObject[] {
    const all = [...this.#held.values()];
    this.#held.clear();
    this.#marked.clear();
    this.#bytes = 0;
    return all;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
