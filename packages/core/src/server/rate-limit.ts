import { STORE_KEYS } from '../store/keys.js';
import { type Store, countInWindow } from '../store/store.js';

/**
 * A fixed-window request counter per key, kept in the store (so every instance sharing a
 * `RedisStore` shares the count; atomic where the store has `increment`). Counters are
 * disposable entries.
 */
export class StoreRateLimiter {
  readonly #store: Store;
  readonly #name: string;
  readonly #max: number;
  readonly #windowMs: number;

  constructor(store: Store, name: string, max: number, windowMs: number) {
    this.#store = store;
    this.#name = name;
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /**
   * Counts one request under `key`; returns the seconds to wait when over the limit, else
   * `undefined`. Rejects with 503 when the store fails (fail closed).
   */
  async hit(key: string): Promise<number | undefined> {
    const storeKey = STORE_KEYS.rateLimit(this.#name, key);
    const count = await countInWindow(this.#store, storeKey, this.#windowMs);
    return count > this.#max ? this.#windowMs / 1000 : undefined;
  }
}
