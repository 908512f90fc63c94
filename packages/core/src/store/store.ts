import { TemporarilyUnavailableError } from '../errors/oauth-error.js';

/** A JSON-compatible value: what a {@link Store} keeps. */
export type StoreValue =
  | string
  | number
  | boolean
  | null
  | readonly StoreValue[]
  | { readonly [key: string]: StoreValue | undefined };

/**
 * How a write may be treated by a bounded store. Every write is **durable** unless it says
 * otherwise: security state (revocations, reuse markers, refresh families, codes, grants,
 * consents, registrations) is never dropped to make room; a full store refuses the write
 * ({@link StoreFullError}, which core answers with 503) instead of forgetting anything.
 */
export interface StoreWriteOptions {
  /**
   * `true` for entries that anyone can cause to be written and whose loss only costs a retry
   * (pending interactions, caches, rate-limit counters): a bounded store may drop them, oldest
   * first, before it refuses a write. Default `false` (durable).
   */
  readonly disposable?: boolean;
}

/**
 * The storage port of the authorization server and the resource guard. Every key has a TTL
 * no longer than what it guards. Implementations: {@link MemoryStore} (one process) and
 * `RedisStore` from `@mcp-auth/redis` (many instances).
 *
 * An implementation may be bounded, but it must never drop a durable entry (see
 * {@link StoreWriteOptions}) before its TTL: when full it rejects the write.
 *
 * Any method may reject (network, timeout, full): callers fail closed on a rejection —
 * nothing is minted and no request is let through.
 */
export interface Store {
  /** The value under `key`, or `undefined` when absent or expired. */
  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  /** The values under several keys in one round trip, in the same order. */
  getMany<T extends StoreValue = StoreValue>(keys: readonly string[]): Promise<(T | undefined)[]>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any value. */
  set(key: string, value: StoreValue, ttlMs: number, options?: StoreWriteOptions): Promise<void>;
  /** Stores `value` only if `key` is absent; `true` when it was stored. Atomic. */
  setIfAbsent(
    key: string,
    value: StoreValue,
    ttlMs: number,
    options?: StoreWriteOptions,
  ): Promise<boolean>;
  /** Atomically reads and deletes `key`: of concurrent callers, exactly one gets the value. */
  take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined>;
  /** Deletes `key`; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Optional. Atomically adds one to the counter under `key` and returns the new count; the
   * first increment sets the TTL (a fixed window). Rate limits shared by every instance use
   * it; without it core counts with `get` + `set`, which may undercount under races.
   */
  increment?(key: string, ttlMs: number, options?: StoreWriteOptions): Promise<number>;
  /**
   * Optional (grant management needs it). Atomically adds `member` to the set of strings under
   * `key` (creating it) and makes the set live at least `ttlMs` from now: a TTL already longer
   * is kept. A set is durable (never dropped to make room). Only the set methods read or write
   * a set's key.
   */
  addToSet?(key: string, member: string, ttlMs: number): Promise<void>;
  /** Optional, with `addToSet`. Atomically removes `member` from the set (absent: no error). */
  removeFromSet?(key: string, member: string): Promise<void>;
  /** Optional, with `addToSet`. The members of the set under `key` (absent: none), any order. */
  getSet?(key: string): Promise<string[]>;
}

/**
 * A bounded store is full of durable entries and refused a write rather than forget security
 * state. Core's `storeCall` turns it into 503 `temporarily_unavailable` (fail closed).
 */
export class StoreFullError extends Error {
  /** Stable code: `ERR_STORE_FULL`. */
  readonly code = 'ERR_STORE_FULL' as const;

  constructor(message = 'The store is full of entries it must not drop') {
    super(message);
    this.name = 'StoreFullError';
  }
}

/**
 * Counts one event under `key` in a fixed window of `windowMs` and returns the count: the
 * store's atomic `increment` when it has one, else `get` + `set` (may undercount under races).
 * Counters are disposable. Rejects like any store call (→ 503).
 */
export async function countInWindow(store: Store, key: string, windowMs: number): Promise<number> {
  if (typeof store.increment === 'function') {
    return storeCall(store.increment(key, windowMs, DISPOSABLE));
  }
  const current = await storeCall(store.get(key));
  const count = (typeof current === 'number' ? current : 0) + 1;
  await storeCall(store.set(key, count, windowMs, DISPOSABLE));
  return count;
}

/** The write options of a disposable entry. */
export const DISPOSABLE: StoreWriteOptions = Object.freeze({ disposable: true });

/** Throws a `TypeError` unless `ttlMs` is a positive finite number. */
export function assertTtl(ttlMs: number, where: string): void {
  if (!(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`${where}: ttlMs must be a positive number of milliseconds`);
  }
}

/**
 * Runs a store operation and turns any rejection into a 503 `TemporarilyUnavailableError`
 * (fail closed): callers never mint a token or let a request through on a store error.
 */
export function storeCall<T>(operation: Promise<T>): Promise<T> {
  // One `then` on the operation's own promise (no async frame): a store call sits on every
  // protected request.
  return Promise.resolve(operation).then(undefined, unavailable);
}

function unavailable(cause: unknown): never {
  if (cause instanceof TypeError) throw cause;
  throw new TemporarilyUnavailableError(undefined, { cause });
}
