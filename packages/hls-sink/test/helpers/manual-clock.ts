import type { WriterClock } from "../../src/clock.js";

/** A clock that moves only when told to; due timers fire, in deadline order, inside `advance`. */
export class ManualClock implements WriterClock {
  t = 0;
  #timers: Array<{ at: number; fn: () => void; id: number }> = [];
  #ids = 0;

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    const id = ++this.#ids;
    this.#timers.push({ at: this.t + delayMs, fn, id });
    return () => {
      this.#timers = this.#timers.filter((x) => x.id !== id);
    };
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      const due = this.#timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((x) => x.id !== due.id);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = until;
  }
}
