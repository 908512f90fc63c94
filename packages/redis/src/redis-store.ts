import { createHash } from 'node:crypto';
import type { Store, StoreValue, StoreWriteOptions } from '@mcp-auth/core/store';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisStoreError } from './errors.js';

/** A client {@link RedisStore} can use: an ioredis `Redis` (standalone, Sentinel) or `Cluster`. */
export type RedisClient = Redis | Cluster;

/** Options of {@link RedisStore}. Pass exactly one of `client` and `url`. */
export interface RedisStoreOptions {
  /**
   * Your own ioredis client. The store never closes it unless `closeClient` is `true`.
   * Build it with {@link getFailClosedRedisOptions} so that commands are not queued while
   * Redis is down; the store bounds every operation by `commandTimeoutMs` either way.
   */
  client?: RedisClient;
  /**
   * A `redis://` or `rediss://` URL (e.g. `process.env.MCP_AUTH_REDIS_URL`); the store then
   * creates and owns its client, configured to fail closed and reconnect by itself.
   */
  url?: string;
  /** Prepended to every key, so several apps can share one Redis. Default `'mcp-auth:'`. */
  keyPrefix?: string;
  /**
   * Every operation settles within this many milliseconds: on a timeout it rejects with
   * `ERR_REDIS_TIMEOUT`, which core turns into a 503. Default 500.
   */
  commandTimeoutMs?: number;
  /** With a passed `client`: whether {@link RedisStore.close} closes it too. Default `false`. */
  closeClient?: boolean;
  /**
   * Called with connection errors of the client (refused, reset, …), e.g. to log them.
   * Without it, the store's own client swallows them (each failed operation rejects anyway).
   */
  onError?: (error: Error) => void;
  /**
   * What to do when Redis may evict keys (`maxmemory-policy` other than `noeviction`): an
   * evicted revocation or reuse marker makes a revoked token valid again. Checked with
   * `CONFIG GET` before the first operation (and by {@link RedisStore.checkEvictionPolicy}).
   * - `'refuse'` (default): every operation rejects with `ERR_REDIS_EVICTION_POLICY` (503).
   * - `'warn'`: works, and reports the risk through `onWarning`.
   * When `CONFIG` is not allowed (managed Redis, ACLs), the policy cannot be read: the store
   * works and warns.
   */
  evictionPolicy?: 'refuse' | 'warn';
  /**
   * Receives warnings (an unsafe or unreadable `maxmemory-policy`). Default: Node's
   * `process.emitWarning`.
   */
  onWarning?: (message: string) => void;
}

const DEFAULT_PREFIX = 'mcp-auth:';
// After a refused policy check, the policy is read again at most this often (it may be fixed
// with CONFIG SET without a restart).
const POLICY_RECHECK_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 500;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * ioredis options that make a client fail closed: no offline queue (a command issued while
 * Redis is down is refused at once instead of waiting to be replayed later), no silent
 * re-send of in-flight commands after a reconnect, a per-command timeout, and endless
 * reconnection with a backoff capped at one second, so service resumes without a restart.
 *
 * Spread them into your own client's options when you pass `client` to {@link RedisStore}:
 * `new Redis({ ...getFailClosedRedisOptions(), sentinels, name })`.
 */
export function getFailClosedRedisOptions(
  options: { commandTimeoutMs?: number } = {},
): RedisOptions {
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(1_000, timeoutMs * 4),
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1_000),
  };
}

interface Script {
  readonly source: string;
  readonly sha: string;
}

function defineScript(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// KEYS[1] counter; ARGV[1] ttl ms. The TTL is set whenever the key has none, so a counter
// can never outlive its window even if an earlier PEXPIRE was lost.
const INCREMENT = defineScript(
  "local n = redis.call('INCR', KEYS[1]) " +
    "if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end " +
    'return n',
);

// KEYS[1] set; ARGV[1] member, ARGV[2] ttl ms. The set lives at least ARGV[2] from now: a
// longer TTL is kept (grant management's per-user index).
const ADD_TO_SET = defineScript(
  "redis.call('SADD', KEYS[1], ARGV[1]) " +
    "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end " +
    'return 1',
);

// KEYS[1] taken, KEYS[2] written only if KEYS[1] held a value; ARGV[1] value, ARGV[2] ttl ms.
const TAKE_AND_SET = defineScript(
  "local v = redis.call('GETDEL', KEYS[1]) " +
    "if v then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end " +
    'return v',
);

const noop = () => {};

function isRedisClient(value: unknown): value is RedisClient {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c['status'] === 'string' &&
    ['get', 'mget', 'set', 'getdel', 'del', 'evalsha', 'eval', 'once', 'off', 'on'].every(
      (m) => typeof c[m] === 'function',
    )
  );
}

/** Whether Redis Cluster hashes every key starting with `prefix` on the prefix's hash tag. */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1;
}

function checkKey(key: unknown, where: string): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError(`RedisStore.${where}: key must be a non-empty string`);
  }
}

function toPx(ttlMs: unknown, where: string): number {
  if (!(typeof ttlMs === 'number' && Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new TypeError(`RedisStore.${where}: ttlMs must be a positive number of milliseconds`);
  }
  // Redis PX takes whole milliseconds; rounding up never makes an entry outlive less.
  return Math.ceil(ttlMs);
}

function encode(value: StoreValue, where: string): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) {
    throw new TypeError(`RedisStore.${where}: value must be JSON-serializable`);
  }
  return json;
}

function decode(raw: string | null | undefined, where: string): StoreValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as StoreValue;
  } catch {
    // No cause: a SyntaxError message quotes the stored text, which may be secret.
    throw new RedisStoreError(
      'ERR_REDIS_CORRUPT_VALUE',
      `RedisStore.${where}: a stored value is not valid JSON`,
    );
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

function toStoreError(error: unknown, where: string): Error {
  if (error instanceof RedisStoreError || error instanceof TypeError) return error;
  // ioredis' own `commandTimeout` (set by getFailClosedRedisOptions) may beat our timer.
  if (error instanceof Error && error.message === 'Command timed out') {
    return new RedisStoreError('ERR_REDIS_TIMEOUT', `RedisStore.${where}: no answer from Redis`, {
      cause: error,
    });
  }
  if (error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('OOM')) {
    return new RedisStoreError(
      'ERR_REDIS_FULL',
      `RedisStore.${where}: Redis is at maxmemory and refused the write`,
      { cause: error },
    );
  }
  // ioredis' ReplyError is an answer from Redis; anything else is about the connection.
  if (error instanceof Error && error.name === 'ReplyError') {
    return new RedisStoreError(
      'ERR_REDIS_COMMAND',
      `RedisStore.${where}: Redis refused the command`,
      {
        cause: error,
      },
    );
  }
  return new RedisStoreError('ERR_REDIS_UNAVAILABLE', `RedisStore.${where}: Redis is unavailable`, {
    cause: error,
  });
}

/**
 * The {@link Store} on Redis (via ioredis), for several instances and several services
 * sharing codes, grants, refresh families, registrations and revocations.
 *
 * - Values are JSON; every key is written with a TTL (`PX`), under `keyPrefix`.
 * - `take` is one `GETDEL` (Redis ≥ 6.2) and `setIfAbsent` one `SET NX PX`: of concurrent
 *   callers on any number of instances, exactly one wins.
 * - `getMany` is one `MGET` (one round trip; on a Cluster, parallel `GET`s unless the prefix
 *   is a hash tag such as `'{mcp-auth}:'`).
 * - Fail closed: every operation resolves or rejects within `commandTimeoutMs`; while Redis
 *   is known to be down it rejects at once. The store never sends a command after its caller
 *   was told it failed, and a store-created client (or one built with
 *   {@link getFailClosedRedisOptions}) neither queues commands while down nor re-sends them
 *   after a reconnect. (A command already sent to a frozen Redis may still run when it
 *   thaws: for `take` that loses the value, which fails closed.) Rejections are
 *   {@link RedisStoreError}s, which core's `storeCall` turns into 503
 *   `temporarily_unavailable`. The client reconnects by itself; no restart is needed.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.MCP_AUTH_REDIS_URL });
 * // pass `store` wherever core takes a Store (instead of a MemoryStore)
 * await store.close(); // on shutdown
 * ```
 */
export class RedisStore implements Store {
  /** The ioredis client in use (the one passed in, or the one the store created). */
  readonly client: RedisClient;
  /** The prefix prepended to every key. */
  readonly keyPrefix: string;
  /** The bound on every operation, in milliseconds. */
  readonly commandTimeoutMs: number;

  readonly #ownsClient: boolean;
  readonly #mgetSafe: boolean;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #evictionPolicy: 'refuse' | 'warn';
  readonly #onWarning: (message: string) => void;
  // true once the policy was checked (safe, or accepted with a warning).
  #policyOk = false;
  #policyCheck: Promise<void> | undefined;
  #policyRefusal: { error: RedisStoreError; at: number } | undefined;
  #readyWait: Promise<void> | undefined;
  #closed = false;

  /** @throws TypeError when the options are wrong; the message says what to fix. */
  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('RedisStore: pass an options object with `client` or `url`');
    }
    const {
      client,
      url,
      keyPrefix,
      commandTimeoutMs,
      closeClient,
      onError,
      evictionPolicy,
      onWarning,
    } = options;
    if (client === undefined && url === undefined) {
      throw new TypeError(
        'RedisStore: pass `url` (redis:// or rediss://) or `client` (an ioredis Redis or Cluster); url is undefined (is MCP_AUTH_REDIS_URL set?)',
      );
    }
    if (client !== undefined && url !== undefined) {
      throw new TypeError('RedisStore: pass either `client` or `url`, not both');
    }
    const prefix = keyPrefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw new TypeError('RedisStore: keyPrefix must be a string');
    const timeoutMs = commandTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) {
      throw new TypeError('RedisStore: commandTimeoutMs must be a positive integer (milliseconds)');
    }
    if (closeClient !== undefined && typeof closeClient !== 'boolean') {
      throw new TypeError('RedisStore: closeClient must be a boolean');
    }
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError('RedisStore: onError must be a function');
    }
    if (evictionPolicy !== undefined && evictionPolicy !== 'refuse' && evictionPolicy !== 'warn') {
      throw new TypeError("RedisStore: evictionPolicy must be 'refuse' or 'warn'");
    }
    if (onWarning !== undefined && typeof onWarning !== 'function') {
      throw new TypeError('RedisStore: onWarning must be a function');
    }
    this.#evictionPolicy = evictionPolicy ?? 'refuse';
    this.#onWarning =
      onWarning ?? ((message) => process.emitWarning(message, { code: 'MCP_AUTH_REDIS_EVICTION' }));
    this.keyPrefix = prefix;
    this.commandTimeoutMs = timeoutMs;
    this.#onError = onError;

    if (url !== undefined) {
      // Never echo the URL: it may carry a password.
      let parsed: URL | undefined;
      try {
        parsed = typeof url === 'string' ? new URL(url) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
        throw new TypeError(
          'RedisStore: url must be a redis:// or rediss:// URL (is MCP_AUTH_REDIS_URL set?)',
        );
      }
      if (closeClient !== undefined) {
        throw new TypeError('RedisStore: closeClient only applies to a passed `client`');
      }
      this.client = new Redis(url, getFailClosedRedisOptions({ commandTimeoutMs: timeoutMs }));
      this.#ownsClient = true;
      // ioredis prints unhandled 'error' events; a listener keeps retries quiet.
      this.client.on('error', onError ?? noop);
    } else {
      if (!isRedisClient(client)) {
        throw new TypeError('RedisStore: client must be an ioredis Redis or Cluster instance');
      }
      this.client = client;
      this.#ownsClient = closeClient === true;
      if (onError) client.on('error', onError);
    }
    // MGET spans slots only on a standalone server, or when a hash tag pins every key to one.
    this.#mgetSafe = !this.client.isCluster || hasHashTag(prefix);
  }

  /** The value under `key`, or `undefined` when absent or expired. */
  async get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    checkKey(key, 'get');
    const k = this.keyPrefix + key;
    return decode(await this.#run('get', () => this.client.get(k)), 'get') as T | undefined;
  }

  /** The values under several keys in one round trip (`MGET`), in the same order. */
  async getMany<T extends StoreValue = StoreValue>(
    keys: readonly string[],
  ): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new TypeError('RedisStore.getMany: keys must be an array');
    if (keys.length === 0) return [];
    const full = keys.map((key) => {
      checkKey(key, 'getMany');
      return this.keyPrefix + key;
    });
    const raws = await this.#run('getMany', () =>
      this.#mgetSafe ? this.client.mget(full) : Promise.all(full.map((k) => this.client.get(k))),
    );
    return raws.map((raw) => decode(raw, 'getMany') as T | undefined);
  }

  /**
   * Stores `value` under `key` for `ttlMs` milliseconds (`SET … PX`), replacing any value.
   * `options.disposable` changes nothing here: Redis (with `noeviction`) drops no key before
   * its TTL, and refuses writes at `maxmemory` (`ERR_REDIS_FULL`, 503).
   */
  async set(
    key: string,
    value: StoreValue,
    ttlMs: number,
    _options?: StoreWriteOptions,
  ): Promise<void> {
    checkKey(key, 'set');
    const px = toPx(ttlMs, 'set');
    const json = encode(value, 'set');
    const k = this.keyPrefix + key;
    await this.#run('set', () => this.client.set(k, json, 'PX', px));
  }

  /** Stores `value` only if `key` is absent (`SET … PX … NX`); `true` when it was stored. */
  async setIfAbsent(
    key: string,
    value: StoreValue,
    ttlMs: number,
    _options?: StoreWriteOptions,
  ): Promise<boolean> {
    checkKey(key, 'setIfAbsent');
    const px = toPx(ttlMs, 'setIfAbsent');
    const json = encode(value, 'setIfAbsent');
    const k = this.keyPrefix + key;
    return (
      (await this.#run('setIfAbsent', () => this.client.set(k, json, 'PX', px, 'NX'))) === 'OK'
    );
  }

  /** Atomically reads and deletes `key` (`GETDEL`): of concurrent callers, one gets the value. */
  async take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    checkKey(key, 'take');
    const k = this.keyPrefix + key;
    return decode(await this.#run('take', () => this.client.getdel(k)), 'take') as T | undefined;
  }

  /** Deletes `key` (`DEL`); deleting an absent key is not an error. */
  async delete(key: string): Promise<void> {
    checkKey(key, 'delete');
    const k = this.keyPrefix + key;
    await this.#run('delete', () => this.client.del(k));
  }

  /**
   * The `Store` port's optional `increment`. Atomically adds one to the counter under `key`
   * and returns the new count; the first increment of a window sets its TTL (a fixed window,
   * e.g. for rate limits shared by every instance). `get(key)` reads the count as a number.
   */
  async increment(key: string, ttlMs: number, _options?: StoreWriteOptions): Promise<number> {
    checkKey(key, 'increment');
    const px = toPx(ttlMs, 'increment');
    const result = await this.#script('increment', INCREMENT, [this.keyPrefix + key], [px]);
    return Number(result);
  }

  /**
   * The `Store` port's optional `addToSet` (`SADD`, then `PEXPIRE` unless the set already lives
   * longer, in one script): grant management's per-user index, shared by every instance.
   */
  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    checkKey(key, 'addToSet');
    if (typeof member !== 'string')
      throw new TypeError('RedisStore.addToSet: member must be a string');
    const px = toPx(ttlMs, 'addToSet');
    await this.#script('addToSet', ADD_TO_SET, [this.keyPrefix + key], [member, px]);
  }

  /** The `Store` port's optional `removeFromSet` (`SREM`). */
  async removeFromSet(key: string, member: string): Promise<void> {
    checkKey(key, 'removeFromSet');
    const k = this.keyPrefix + key;
    await this.#run('removeFromSet', () => this.client.srem(k, member));
  }

  /** The `Store` port's optional `getSet` (`SMEMBERS`). */
  async getSet(key: string): Promise<string[]> {
    checkKey(key, 'getSet');
    const k = this.keyPrefix + key;
    return this.#run('getSet', () => this.client.smembers(k));
  }

  /**
   * Not part of the `Store` port. In one atomic step, takes `takeKey` and, only if it held a
   * value, writes `value` under `setKey` for `ttlMs`. Returns the taken value. Fits refresh
   * rotation (take the old token's record, leave a "used" marker naming its family, so a
   * replay can be told from an unknown token) with exactly one winner across instances.
   * On a Cluster both keys must hash to one slot: use a hash-tag `keyPrefix`.
   */
  async takeAndSet<T extends StoreValue = StoreValue>(
    takeKey: string,
    setKey: string,
    value: StoreValue,
    ttlMs: number,
  ): Promise<T | undefined> {
    checkKey(takeKey, 'takeAndSet');
    checkKey(setKey, 'takeAndSet');
    const px = toPx(ttlMs, 'takeAndSet');
    const json = encode(value, 'takeAndSet');
    const result = await this.#script(
      'takeAndSet',
      TAKE_AND_SET,
      [this.keyPrefix + takeKey, this.keyPrefix + setKey],
      [json, px],
    );
    return decode(result as string | null, 'takeAndSet') as T | undefined;
  }

  /**
   * Reads Redis' `maxmemory-policy` now and resolves with it (`undefined` when `CONFIG GET`
   * is not allowed; then a warning is reported). Rejects with `ERR_REDIS_EVICTION_POLICY`
   * when the policy lets Redis evict keys and `evictionPolicy` is `'refuse'`. Call it at
   * start-up to fail fast; the store also runs it before its first operation.
   */
  async checkEvictionPolicy(): Promise<string | undefined> {
    let policy: string | undefined;
    try {
      const reply = await this.#run(
        'checkEvictionPolicy',
        () => this.client.config('GET', 'maxmemory-policy') as Promise<unknown>,
        true,
      );
      const pair = Array.isArray(reply) ? reply : [];
      policy = typeof pair[1] === 'string' ? pair[1] : undefined;
    } catch (error) {
      if (!(error instanceof RedisStoreError) || error.code !== 'ERR_REDIS_COMMAND') throw error;
    }
    if (policy === undefined) {
      this.#onWarning(
        'RedisStore: could not read maxmemory-policy (CONFIG GET is not allowed). Make sure it is noeviction: with any other policy Redis may evict revocations and make revoked tokens valid again.',
      );
    } else if (policy !== 'noeviction') {
      const message = `RedisStore: Redis maxmemory-policy is ${policy}, so Redis may evict keys — revocations, refresh-token reuse markers and registrations included (every mcp-auth key has a TTL, so volatile-* policies evict them too). Set maxmemory-policy noeviction (Redis then refuses writes when full, and mcp-auth answers 503), or pass evictionPolicy: 'warn' to accept the risk.`;
      if (this.#evictionPolicy === 'refuse') {
        const error = new RedisStoreError('ERR_REDIS_EVICTION_POLICY', message);
        this.#policyRefusal = { error, at: Date.now() };
        throw error;
      }
      this.#onWarning(message);
    }
    this.#policyOk = true;
    this.#policyRefusal = undefined;
    return policy;
  }

  // Runs the policy check once before the first operation (shared by concurrent callers); a
  // refusal is remembered for POLICY_RECHECK_MS, a connection failure is not.
  #ensurePolicy(): Promise<void> {
    const refusal = this.#policyRefusal;
    if (refusal && Date.now() - refusal.at < POLICY_RECHECK_MS)
      return Promise.reject(refusal.error);
    this.#policyCheck ??= this.checkEvictionPolicy().then(
      () => {
        this.#policyCheck = undefined;
      },
      (error: unknown) => {
        this.#policyCheck = undefined;
        throw error;
      },
    );
    return this.#policyCheck;
  }

  /** Resolves when Redis answers a `PING` within `commandTimeoutMs` (for health checks). */
  async ping(): Promise<void> {
    await this.#run('ping', () => this.client.ping());
  }

  /**
   * Closes the store: later operations reject with `ERR_REDIS_CLOSED`. Quits the client the
   * store created (or a passed one when `closeClient` was set); a passed client stays open
   * otherwise.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient || this.client.status === 'end') return;
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    const client = this.client;
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.commandTimeoutMs);
    });
    // QUIT lets pending replies arrive; resolve once the connection has really ended.
    client.quit().catch(noop);
    if ((await Promise.race([ended, deadline])) === 'timeout') client.disconnect();
    clearTimeout(timer);
  }

  #script(
    where: string,
    script: Script,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    return this.#run(where, async (expired) => {
      try {
        return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error) || expired()) throw error;
        return this.client.eval(script.source, keys.length, ...keys, ...args);
      }
    });
  }

  /**
   * Runs one command (or one script call), bounded by `commandTimeoutMs`. While the client is
   * connecting it waits for it within the same budget, and never sends once the budget is
   * spent; while it is known to be down (between reconnection attempts) it fails at once.
   */
  async #run<T>(
    where: string,
    send: (expired: () => boolean) => Promise<T>,
    skipPolicy = false,
  ): Promise<T> {
    if (this.#closed) {
      throw new RedisStoreError('ERR_REDIS_CLOSED', `RedisStore.${where}: the store is closed`);
    }
    if (!this.#policyOk && !skipPolicy) await this.#ensurePolicy();
    let timedOut = false;
    const expired = () => timedOut;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(
          new RedisStoreError(
            'ERR_REDIS_TIMEOUT',
            `RedisStore.${where}: no answer from Redis within ${this.commandTimeoutMs} ms`,
          ),
        );
      }, this.commandTimeoutMs);
    });
    let work: Promise<T>;
    if (this.client.status === 'ready') {
      work = send(expired);
    } else {
      work = this.#whenReady(where).then(() => {
        if (timedOut)
          throw new RedisStoreError('ERR_REDIS_TIMEOUT', `RedisStore.${where}: timed out`);
        return send(expired);
      });
    }
    // The loser of the race must not surface as an unhandled rejection.
    work.catch(noop);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      throw toStoreError(error, where);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One shared wait per outage for the client's next `ready` (or its `end`). */
  #whenReady(where: string): Promise<void> {
    const client = this.client;
    if (client.status === 'end') {
      return Promise.reject(
        new RedisStoreError('ERR_REDIS_CLOSED', `RedisStore.${where}: the Redis client was closed`),
      );
    }
    // Known down and waiting out a backoff: fail now rather than hold the caller.
    if (client.status === 'reconnecting' || client.status === 'close') {
      return Promise.reject(
        new RedisStoreError('ERR_REDIS_UNAVAILABLE', `RedisStore.${where}: Redis is unavailable`),
      );
    }
    if (client.status === 'wait') client.connect().catch(this.#onError ?? noop);
    this.#readyWait ??= new Promise<void>((resolve, reject) => {
      const onReady = () => {
        client.off('end', onEnd);
        this.#readyWait = undefined;
        resolve();
      };
      const onEnd = () => {
        client.off('ready', onReady);
        this.#readyWait = undefined;
        reject(new RedisStoreError('ERR_REDIS_CLOSED', 'RedisStore: the Redis client was closed'));
      };
      client.once('ready', onReady);
      client.once('end', onEnd);
    });
    return this.#readyWait;
  }
}
