import { sha256Base64Url } from '../../runtime/sha256.js';
import { TooManyRequestsError } from '../../errors/oauth-error.js';
import { STORE_KEYS } from '../../store/keys.js';
import { countInWindow, DISPOSABLE, type Store, storeCall } from '../../store/store.js';
import type { LoginContext } from '../types.js';

/** Options of {@link createLoginThrottle}. */
export interface LoginThrottleOptions {
  /**
   * Where the counters live: the authorization server's store, so that every instance shares
   * them (with `RedisStore`, counting is atomic across instances).
   */
  readonly store: Store;
  /** Attempts per username in a window before backoff starts. Default 5. */
  readonly freeAttemptsPerUser?: number;
  /**
   * Failed attempts per caller address in a window before backoff starts (an address is
   * charged only for failures). Default 20.
   */
  readonly freeAttemptsPerAddress?: number;
  /** The first wait after the free attempts, in seconds; it doubles per attempt. Default 1. */
  readonly baseDelaySeconds?: number;
  /** The longest wait between two attempts, in seconds. Default 900 (15 minutes). */
  readonly maxDelaySeconds?: number;
  /** Attempts are counted in windows of this many seconds. Default 3600 (1 hour). */
  readonly windowSeconds?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Limits password guessing per username and per caller address, with exponential backoff.
 * Use it in a {@link LocalIdentityProvider} (as `DevIdentityProvider` does):
 *
 * ```ts
 * async authenticate(username, password, context) {
 *   await throttle.attempt(username, context); // rejects 429 before the password is checked
 *   const identity = await checkPassword(username, password); // same work for unknown users
 *   if (identity) await throttle.succeeded(username);
 *   else await throttle.failed(username, context);
 *   return identity;
 * }
 * ```
 */
export interface LoginThrottle {
  /**
   * Claims one attempt for `username` from `context.remoteAddress`: resolves when the attempt
   * may be checked; rejects with `TooManyRequestsError` (429 with `Retry-After`) when the
   * username or the address must wait first. Every claimed attempt counts against the
   * username, so concurrent guesses cannot share one slot. The answer never depends on
   * whether the user exists. Rejects with `TemporarilyUnavailableError` (503) when the store
   * fails.
   */
  attempt(username: string, context?: LoginContext): Promise<void>;
  /**
   * Records a failed attempt against the caller's address (an address is charged only for
   * failures, so the users behind one address who sign in successfully do not lock it).
   */
  failed(username: string, context?: LoginContext): Promise<void>;
  /** Forgets the username's attempts after a successful login. */
  succeeded(username: string): Promise<void>;
}

/**
 * Creates a {@link LoginThrottle}. Per subject (username; address), the first
 * `freeAttempts…` attempts of a window are free; after that each attempt must wait
 * `baseDelaySeconds · 2^k` (capped at `maxDelaySeconds`) after the previous one, and of
 * concurrent attempts only one gets through. Usernames are kept only as hashes.
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const where = 'createLoginThrottle';
  const store = options?.store;
  if (!store || typeof store.get !== 'function' || typeof store.setIfAbsent !== 'function') {
    throw new TypeError(`${where}: store must implement the Store port`);
  }
  const freeUser = count(options.freeAttemptsPerUser ?? 5, `${where}: freeAttemptsPerUser`);
  const freeAddress = count(
    options.freeAttemptsPerAddress ?? 20,
    `${where}: freeAttemptsPerAddress`,
  );
  const baseMs = positive(options.baseDelaySeconds ?? 1, `${where}: baseDelaySeconds`) * 1000;
  const maxMs = positive(options.maxDelaySeconds ?? 900, `${where}: maxDelaySeconds`) * 1000;
  const windowMs = positive(options.windowSeconds ?? 3600, `${where}: windowSeconds`) * 1000;
  const now = options.now ?? Date.now;

  const userSubject = async (username: string) =>
    `user:${await sha256Base64Url(String(username).normalize('NFKC').toLowerCase())}`;

  // Resolves when `subject` may make one more attempt now, else the seconds to wait.
  async function claim(subject: string, free: number): Promise<number | undefined> {
    const lockKey = STORE_KEYS.loginLock(subject);
    const lock = await storeCall(store.get(lockKey));
    const t = now();
    if (typeof lock === 'number' && lock > t) return (lock - t) / 1000;
    const n = await countInWindow(store, STORE_KEYS.loginFailures(subject), windowMs);
    if (n <= free) return undefined;
    const delay = Math.min(maxMs, baseMs * 2 ** Math.min(n - free - 1, 40));
    // One attempt per delay: of concurrent claims, only the one that sets the lock proceeds.
    if (await storeCall(store.setIfAbsent(lockKey, t + delay, delay, DISPOSABLE))) {
      return undefined;
    }
    return delay / 1000;
  }

  const addressOf = (context: LoginContext | undefined) => {
    const address = context?.remoteAddress;
    return typeof address === 'string' && address.length > 0 ? `addr:${address}` : undefined;
  };
  const refuse = (seconds: number) =>
    new TooManyRequestsError(seconds, 'Too many sign-in attempts; try again later');

  return {
    async attempt(username, context) {
      const address = addressOf(context);
      if (address !== undefined) {
        // The address waits after its failures (see `failed`); checked first, counted never.
        const lock = await storeCall(store.get(STORE_KEYS.loginLock(address)));
        const t = now();
        if (typeof lock === 'number' && lock > t) throw refuse((lock - t) / 1000);
      }
      const wait = await claim(await userSubject(username), freeUser);
      if (wait !== undefined) throw refuse(wait);
    },
    async failed(_username, context) {
      const address = addressOf(context);
      if (address === undefined) return;
      const n = await countInWindow(store, STORE_KEYS.loginFailures(address), windowMs);
      if (n <= freeAddress) return;
      const delay = Math.min(maxMs, baseMs * 2 ** Math.min(n - freeAddress - 1, 40));
      await storeCall(store.set(STORE_KEYS.loginLock(address), now() + delay, delay, DISPOSABLE));
    },
    async succeeded(username) {
      const subject = await userSubject(username);
      await storeCall(
        Promise.all([
          store.delete(STORE_KEYS.loginFailures(subject)),
          store.delete(STORE_KEYS.loginLock(subject)),
        ]),
      );
    },
  };
}

function count(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative integer`);
  }
  return value;
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of seconds`);
  }
  return value;
}
