import { assertTtl, type Store, type StoreValue } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * At most this many live entries; past it the oldest written entries are dropped first.
   * Default 100,000.
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  value: StoreValue;
  expiresAt: number;
}

/**
 * The in-process {@link Store}: the embedded default for a single instance. Values are
 * cloned in and out, so callers never share mutable state with the store. Expired entries
 * are dropped lazily on read and swept as writes happen; the entry count is bounded.
 */
export class MemoryStore implements Store {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('MemoryStore: maxEntries must be a positive integer');
    }
    this.#maxEntries = max;
    this.#now = options.now ?? Date.now;
  }

  /** How many entries are held (expired ones not yet swept included). */
  get size(): number {
    return this.#entries.size;
  }

  async get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    return this.#read(key) as T | undefined;
  }

  async getMany<T extends StoreValue = StoreValue>(
    keys: readonly string[],
  ): Promise<(T | undefined)[]> {
    return keys.map((k) => this.#read(k) as T | undefined);
  }

  async set(key: string, value: StoreValue, ttlMs: number): Promise<void> {
    assertTtl(ttlMs, 'MemoryStore.set');
    this.#write(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: StoreValue, ttlMs: number): Promise<boolean> {
    assertTtl(ttlMs, 'MemoryStore.setIfAbsent');
    if (this.#live(key)) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  async take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    return entry.value as T;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #read(key: string): StoreValue | undefined {
    const entry = this.#live(key);
    return entry === undefined ? undefined : structuredClone(entry.value);
  }

  #write(key: string, value: StoreValue, ttlMs: number): void {
    // Re-inserting moves the key to the end, so eviction order is oldest write first.
    this.#entries.delete(key);
    this.#entries.set(key, { value: structuredClone(value), expiresAt: this.#now() + ttlMs });
    this.#sweepOldest();
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  // Incremental sweep: look at a few of the oldest writes per write, so the cost per write
  // stays constant however large the store grows. With mostly-equal TTLs the oldest writes
  // are also the first to expire.
  #sweepOldest(): void {
    const now = this.#now();
    let looked = 0;
    for (const [key, entry] of this.#entries) {
      if (++looked > 4) break;
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
