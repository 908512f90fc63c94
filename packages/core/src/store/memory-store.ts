import {
  assertTtl,
  type Store,
  StoreFullError,
  type StoreValue,
  type StoreWriteOptions,
} from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * At most this many live entries. Past it, disposable entries (interactions, caches,
   * counters) are dropped oldest first; durable entries (revocations, reuse markers, refresh
   * families, codes, grants, consents, registrations) are never dropped: when only they are
   * left, a write is refused with {@link StoreFullError} (503). Default 100,000.
   */
  maxEntries?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  value: StoreValue;
  expiresAt: number;
  disposable: boolean;
  /** The members, when the entry is a set (`addToSet`). */
  set?: Set<string>;
}

// A value as the store keeps and hands it out: a deep copy of an object; a number, string,
// boolean or null is immutable and kept as is (a replay marker or a counter costs no clone).
function copyOf(value: StoreValue): StoreValue {
  return value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
    ? value
    : structuredClone(value);
}

// When full of durable entries, look for expired ones at most this often (a full scan).
const FULL_SWEEP_INTERVAL_MS = 1_000;

/**
 * The in-process {@link Store}: the embedded default for a single instance. Values are
 * cloned in and out, so callers never share mutable state with the store. Expired entries
 * are dropped lazily on read and swept as writes happen; the entry count is bounded, and only
 * disposable entries are ever dropped before they expire (never security state).
 */
export class MemoryStore implements Store {
  readonly #entries = new Map<string, Entry>();
  // Keys of disposable entries in write order: the eviction queue.
  readonly #disposable = new Set<string>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #lastFullSweep = Number.NEGATIVE_INFINITY;

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

  async set(
    key: string,
    value: StoreValue,
    ttlMs: number,
    options?: StoreWriteOptions,
  ): Promise<void> {
    assertTtl(ttlMs, 'MemoryStore.set');
    this.#write(key, value, this.#now() + ttlMs, options?.disposable === true);
  }

  async setIfAbsent(
    key: string,
    value: StoreValue,
    ttlMs: number,
    options?: StoreWriteOptions,
  ): Promise<boolean> {
    assertTtl(ttlMs, 'MemoryStore.setIfAbsent');
    if (this.#live(key)) return false;
    this.#write(key, value, this.#now() + ttlMs, options?.disposable === true);
    return true;
  }

  async take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    const entry = this.#live(key);
    if (!entry) return undefined;
    this.#remove(key);
    return entry.value as T;
  }

  async delete(key: string): Promise<void> {
    this.#remove(key);
  }

  /**
   * Adds one to the counter under `key` (a number, else 0) and returns the new count. The
   * first increment sets the TTL; later ones keep it (a fixed window).
   */
  async increment(key: string, ttlMs: number, options?: StoreWriteOptions): Promise<number> {
    assertTtl(ttlMs, 'MemoryStore.increment');
    const entry = this.#live(key);
    const count = (entry && typeof entry.value === 'number' ? entry.value : 0) + 1;
    this.#write(
      key,
      count,
      entry ? entry.expiresAt : this.#now() + ttlMs,
      options?.disposable === true,
    );
    return count;
  }

  /**
   * Adds `member` to the set under `key` and makes the set live at least `ttlMs` from now (a
   * longer TTL is kept). Sets are durable.
   */
  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    assertTtl(ttlMs, 'MemoryStore.addToSet');
    if (typeof member !== 'string')
      throw new TypeError('MemoryStore.addToSet: member must be a string');
    const entry = this.#live(key);
    const expiresAt = Math.max(entry?.expiresAt ?? 0, this.#now() + ttlMs);
    if (entry?.set !== undefined) {
      entry.set.add(member);
      entry.expiresAt = expiresAt;
      return;
    }
    this.#write(key, null, expiresAt, false);
    this.#entries.get(key)!.set = new Set([member]);
  }

  /** Removes `member` from the set under `key`; an emptied set is gone. */
  async removeFromSet(key: string, member: string): Promise<void> {
    const set = this.#live(key)?.set;
    if (set === undefined) return;
    set.delete(member);
    if (set.size === 0) this.#remove(key);
  }

  /** The members of the set under `key` (none when absent or not a set). */
  async getSet(key: string): Promise<string[]> {
    const set = this.#live(key)?.set;
    return set === undefined ? [] : [...set];
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
    this.#disposable.clear();
  }

  #remove(key: string): void {
    this.#entries.delete(key);
    this.#disposable.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key);
      return undefined;
    }
    return entry;
  }

  #read(key: string): StoreValue | undefined {
    const entry = this.#live(key);
    if (entry === undefined) return undefined;
    return entry.set !== undefined ? [...entry.set] : copyOf(entry.value);
  }

  #write(key: string, value: StoreValue, expiresAt: number, disposable: boolean): void {
    const copy = copyOf(value);
    // Re-inserting moves the key to the end, so eviction order is oldest write first.
    const replacing = this.#entries.has(key);
    if (replacing) this.#remove(key);
    this.#sweepOldest();
    if (!replacing && this.#entries.size >= this.#maxEntries) this.#makeRoom();
    this.#entries.set(key, { value: copy, expiresAt, disposable });
    if (disposable) this.#disposable.add(key);
  }

  // Frees one slot: the oldest disposable entry, else expired entries (a full scan, at most
  // once a second); otherwise refuses. A durable entry is never dropped before it expires.
  #makeRoom(): void {
    const oldest = this.#disposable.values().next();
    if (!oldest.done) {
      this.#remove(oldest.value);
      return;
    }
    const now = this.#now();
    if (now - this.#lastFullSweep >= FULL_SWEEP_INTERVAL_MS) {
      this.#lastFullSweep = now;
      for (const [key, entry] of this.#entries) {
        if (entry.expiresAt <= now) this.#remove(key);
      }
      if (this.#entries.size < this.#maxEntries) return;
    }
    throw new StoreFullError(
      `MemoryStore: ${this.#maxEntries} live entries that must not be dropped (raise maxEntries or use a shared store)`,
    );
  }

  // Incremental sweep: look at a few of the oldest writes (and of the oldest disposable
  // writes) per write, so the cost per write stays constant however large the store grows.
  #sweepOldest(): void {
    const now = this.#now();
    let looked = 0;
    for (const [key, entry] of this.#entries) {
      if (++looked > 4) break;
      if (entry.expiresAt <= now) this.#remove(key);
    }
    looked = 0;
    for (const key of this.#disposable) {
      if (++looked > 4) break;
      const entry = this.#entries.get(key);
      if (!entry || entry.expiresAt <= now) this.#remove(key);
    }
  }
}
