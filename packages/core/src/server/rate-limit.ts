/** A fixed-window request counter per key, in process memory (bounded number of keys). */
export class FixedWindowLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(max: number, windowMs: number, now: () => number) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one request; returns the seconds to wait when over the limit, else `undefined`. */
  hit(key: string): number | undefined {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#windowMs) {
      if (this.#windows.size >= 10_000) this.#sweep(now);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    if (window.count > this.#max) return (window.start + this.#windowMs - now) / 1000;
    return undefined;
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now - window.start >= this.#windowMs) this.#windows.delete(key);
    }
    // Still full: forget the oldest keys rather than grow without bound.
    for (const key of this.#windows.keys()) {
      if (this.#windows.size < 10_000) break;
      this.#windows.delete(key);
    }
  }
}
