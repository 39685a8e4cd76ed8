/** One stored group: its sequence number and its single frame. */
export interface StoredGroup {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** How much a store keeps. */
export interface WindowLimits {
  /** Most groups kept (default 32). */
  maxGroups?: number;
  /** Most payload bytes kept (default 128 MiB). The newest group is always kept. */
  maxBytes?: number;
}

export const DEFAULT_WINDOW_GROUPS = 32;
export const DEFAULT_WINDOW_BYTES = 128 * 1024 * 1024;

/**
 * The bounded window of recent groups of one track, in ascending sequence order. Each sequence
 * number enters at most once: duplicates and anything at or below the highest evicted sequence are
 * refused, so a subscriber that receives every insert never gets the same group twice.
 */
export class WindowStore {
  readonly maxGroups: number;
  readonly maxBytes: number;
  #items: StoredGroup[] = [];
  #bytes = 0;
  #floor = -1;
  #onInsert = new Set<(g: StoredGroup) => void>();
  #onEvict = new Set<(g: StoredGroup) => void>();

  constructor(limits: WindowLimits = {}) {
    this.maxGroups = Math.max(1, Math.floor(limits.maxGroups ?? DEFAULT_WINDOW_GROUPS));
    this.maxBytes = Math.max(1, Math.floor(limits.maxBytes ?? DEFAULT_WINDOW_BYTES));
  }

  /** Number of groups held. */
  get size(): number {
    return this.#items.length;
  }
  /** Payload bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a group; false when the sequence was already seen or is older than the window. */
  insert(seq: number, bytes: Uint8Array): boolean {
    if (seq <= this.#floor) return false;
    const items = this.#items;
    // Groups almost always arrive in order: search from the end.
    let i = items.length;
    while (i > 0 && items[i - 1]!.seq > seq) i--;
    if (i > 0 && items[i - 1]!.seq === seq) return false;
    const g: StoredGroup = { seq, bytes };
    items.splice(i, 0, g);
    this.#bytes += bytes.byteLength;
    while (items.length > 1 && (items.length > this.maxGroups || this.#bytes > this.maxBytes)) {
      const old = items.shift()!;
      this.#bytes -= old.bytes.byteLength;
      this.#floor = Math.max(this.#floor, old.seq);
      for (const fn of this.#onEvict) fn(old);
    }
    if (seq <= this.#floor) return true; // evicted at once: too old to matter to anyone
    for (const fn of this.#onInsert) fn(g);
    return true;
  }

  /** The newest group, if any. */
  latest(): StoredGroup | undefined {
    return this.#items[this.#items.length - 1];
  }

  /** Groups with seq >= from, ascending (a copy). */
  since(from: number): StoredGroup[] {
    return this.#items.filter((g) => g.seq >= from);
  }

  /** Calls `fn` for each newly inserted group; returns an unsubscribe function. */
  onInsert(fn: (g: StoredGroup) => void): () => void {
    this.#onInsert.add(fn);
    return () => this.#onInsert.delete(fn);
  }

  /** Calls `fn` for each group evicted from the window; returns an unsubscribe function. */
  onEvict(fn: (g: StoredGroup) => void): () => void {
    this.#onEvict.add(fn);
    return () => this.#onEvict.delete(fn);
  }

  /** Drops everything and all listeners. */
  clear(): void {
    this.#items = [];
    this.#bytes = 0;
    this.#onInsert.clear();
    this.#onEvict.clear();
  }
}
