import { randomBytes } from 'node:crypto';
import { errors } from '@mcp-auth/core';
import { storeCall } from '@mcp-auth/core/store';
import { storeContract } from '@mcp-auth/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStoreError } from './errors.js';
import { RedisStore } from './redis-store.js';

// Real Redis at 127.0.0.1:6379 (`scripts/ensure-test-services.mjs` starts one). Every key of
// this run lives under a unique prefix and is deleted in afterAll.
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `mcp-auth-test:${randomBytes(6).toString('hex')}:`;

let raw: Redis;
const stores: RedisStore[] = [];
function makeStore(options: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}) {
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: PREFIX, ...options });
  stores.push(store);
  return store;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(() => {
  raw = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const store of stores) await store.close();
  const keys = await keysUnder(PREFIX);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
});

describe('RedisStore: core store contract (real Redis)', () => {
  let store: RedisStore;
  beforeAll(() => {
    store = makeStore();
  });
  for (const c of storeContract()) it(c.name, () => c.run(store));
});

describe('RedisStore: atomicity across connections', () => {
  it('two instances racing take on one key: exactly one winner (single-use codes, RFC 6749 §4.1.2; SECURITY-CASES 8)', async () => {
    const a = makeStore();
    const b = makeStore();
    for (let round = 0; round < 20; round++) {
      const key = `race-take:${round}`;
      await a.set(key, { round }, 10_000);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take<{ round: number }>(key)),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]).toEqual({ round });
    }
  });

  it('two instances racing setIfAbsent on one key: exactly one winner', async () => {
    const a = makeStore();
    const b = makeStore();
    for (let round = 0; round < 20; round++) {
      const key = `race-nx:${round}`;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).setIfAbsent(key, i, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await a.get(key)).toBe(winner);
    }
  });

  it('two instances racing takeAndSet: one winner, the marker written once', async () => {
    const a = makeStore();
    const b = makeStore();
    await a.set('rt:old', { family: 'f1' }, 10_000);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).takeAndSet('rt:old', 'rt:used', { by: i }, 10_000),
      ),
    );
    const winners = results.flatMap((r, i) => (r === undefined ? [] : [i]));
    expect(winners).toHaveLength(1);
    expect(results[winners[0]!]).toEqual({ family: 'f1' });
    expect(await a.get('rt:used')).toEqual({ by: winners[0] });
    expect(await a.get('rt:old')).toBeUndefined();
    // Nothing to take → nothing written.
    expect(await a.takeAndSet('rt:absent', 'rt:absent-used', 1, 10_000)).toBeUndefined();
    expect(await a.get('rt:absent-used')).toBeUndefined();
  });

  it('increment counts atomically across instances', async () => {
    const a = makeStore();
    const b = makeStore();
    const counts = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).increment('counter', 10_000)),
    );
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await a.get('counter')).toBe(30);
  });
});

describe('RedisStore: keys and TTLs', () => {
  it('writes under keyPrefix only, and another prefix does not see the key', async () => {
    const store = makeStore();
    await store.set('prefixed', { v: 1 }, 10_000);
    expect(await raw.get(`${PREFIX}prefixed`)).toBe('{"v":1}');
    expect(await raw.exists('prefixed')).toBe(0);
    const other = makeStore({ keyPrefix: `${PREFIX}other:` });
    expect(await other.get('prefixed')).toBeUndefined();
  });

  it('defaults keyPrefix to mcp-auth:', () => {
    const store = new RedisStore({ client: raw });
    expect(store.keyPrefix).toBe('mcp-auth:');
  });

  it('every write sets a TTL no longer than asked (PTTL)', async () => {
    const store = makeStore();
    await store.set('ttl:set', 1, 5_000);
    await store.setIfAbsent('ttl:nx', 1, 6_000);
    await store.increment('ttl:incr', 7_000);
    await store.set('ttl:from', 1, 60_000);
    await store.takeAndSet('ttl:from', 'ttl:to', 1, 8_000);
    await store.set('ttl:fraction', 1, 0.2);
    const expect_ = { 'ttl:set': 5_000, 'ttl:nx': 6_000, 'ttl:incr': 7_000, 'ttl:to': 8_000 };
    for (const [key, ttl] of Object.entries(expect_)) {
      const pttl = await raw.pttl(PREFIX + key);
      expect(pttl, key).toBeGreaterThan(0);
      expect(pttl, key).toBeLessThanOrEqual(ttl);
    }
    expect(await raw.pttl(`${PREFIX}ttl:fraction`)).toBeLessThanOrEqual(1);
  });

  it('getMany is one MGET round trip', async () => {
    const store = makeStore();
    await store.set('mget:a', 'a', 10_000);
    await store.set('mget:c', 'c', 10_000);
    const monitor = await raw.duplicate().monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(`${PREFIX}mget:`))) commands.push(args[0]!.toLowerCase());
    });
    expect(await store.getMany(['mget:a', 'mget:b', 'mget:c'])).toEqual(['a', undefined, 'c']);
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    expect(commands).toEqual(['mget']);
  });

  it('every key this run wrote has a TTL', async () => {
    const keys = await keysUnder(PREFIX);
    expect(keys.length).toBeGreaterThan(0);
    const pttls = await Promise.all(keys.map((k) => raw.pttl(k)));
    // -1 means "no TTL"; -2 "expired meanwhile" is fine.
    expect(pttls.filter((p) => p === -1)).toEqual([]);
  });
});

describe('RedisStore: failures', () => {
  it('a value that is not JSON rejects with ERR_REDIS_CORRUPT_VALUE, and storeCall answers 503', async () => {
    const store = makeStore();
    await raw.set(`${PREFIX}corrupt`, 'not json {', 'PX', 10_000);
    for (const op of [
      () => store.get('corrupt'),
      () => store.getMany(['absent', 'corrupt']),
      () => store.take('corrupt'),
    ]) {
      await raw.set(`${PREFIX}corrupt`, 'not json {', 'PX', 10_000);
      const err = await rejection(op());
      expect(err).toBeInstanceOf(RedisStoreError);
      expect((err as RedisStoreError).code).toBe('ERR_REDIS_CORRUPT_VALUE');
      expect((err as Error).message).not.toContain('not json');
    }
    await raw.set(`${PREFIX}corrupt`, 'not json {', 'PX', 10_000);
    const err = await rejection(storeCall(store.get('corrupt')));
    expect(err).toBeInstanceOf(errors.TemporarilyUnavailableError);
    expect((err as errors.TemporarilyUnavailableError).status).toBe(503);
  });

  it('a Redis error reply rejects with ERR_REDIS_COMMAND', async () => {
    const store = makeStore();
    await raw.lpush(`${PREFIX}list`, 'x');
    await raw.pexpire(`${PREFIX}list`, 10_000);
    const err = await rejection(store.get('list'));
    expect((err as RedisStoreError).code).toBe('ERR_REDIS_COMMAND');
  });

  it('programmer mistakes reject with TypeError (passed through by storeCall)', async () => {
    const store = makeStore();
    await expect(store.set('k', 1, 0)).rejects.toThrow(TypeError);
    await expect(store.set('k', 1, Number.NaN)).rejects.toThrow(TypeError);
    await expect(store.setIfAbsent('k', 1, -5)).rejects.toThrow(TypeError);
    await expect(store.increment('k', 0)).rejects.toThrow(TypeError);
    await expect(store.set('', 1, 1_000)).rejects.toThrow(TypeError);
    await expect(store.set('k', undefined as unknown as null, 1_000)).rejects.toThrow(TypeError);
    await expect(storeCall(store.set('k', 1, 0))).rejects.toThrow(TypeError);
  });

  it('after close(), operations reject with ERR_REDIS_CLOSED and its own client is quit', async () => {
    const store = makeStore();
    await store.set('closing', 1, 1_000);
    await store.close();
    expect(store.client.status).toBe('end');
    const err = await rejection(store.get('closing'));
    expect((err as RedisStoreError).code).toBe('ERR_REDIS_CLOSED');
  });
});

describe('RedisStore: a passed client', () => {
  it('uses the passed client and leaves it open on close() unless closeClient', async () => {
    const client = new Redis(REDIS_URL);
    const store = new RedisStore({ client, keyPrefix: PREFIX });
    await store.set('passed', 'x', 10_000);
    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.get(`${PREFIX}passed`)).toBe('"x"');
    const owning = new RedisStore({ client, keyPrefix: PREFIX, closeClient: true });
    await owning.close();
    expect(client.status).toBe('end');
  });

  it('connects a lazyConnect client on first use', async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const store = new RedisStore({ client, keyPrefix: PREFIX, closeClient: true });
    expect(client.status).toBe('wait');
    await store.set('lazy', 1, 10_000);
    expect(await store.get('lazy')).toBe(1);
    await store.close();
  });
});

describe('RedisStore: option validation (TypeError at construction)', () => {
  const cases: [string, unknown][] = [
    ['no options', undefined],
    ['neither client nor url', {}],
    ['both client and url', { client: {}, url: REDIS_URL }],
    ['a url that is not a URL', { url: 'localhost:6379' }],
    ['an http url', { url: 'http://127.0.0.1:6379' }],
    ['a non-string url', { url: 6379 }],
    ['a client that is not an ioredis client', { client: { get() {} } }],
    ['a non-string keyPrefix', { url: REDIS_URL, keyPrefix: 5 }],
    ['commandTimeoutMs 0', { url: REDIS_URL, commandTimeoutMs: 0 }],
    ['a fractional commandTimeoutMs', { url: REDIS_URL, commandTimeoutMs: 1.5 }],
    [
      'an infinite commandTimeoutMs',
      { url: REDIS_URL, commandTimeoutMs: Number.POSITIVE_INFINITY },
    ],
    ['closeClient with a url', { url: REDIS_URL, closeClient: true }],
    ['a non-function onError', { url: REDIS_URL, onError: 'log' }],
  ];
  for (const [name, options] of cases) {
    it(`refuses ${name}`, () => {
      expect(() => new RedisStore(options as never)).toThrow(TypeError);
    });
  }

  it('never echoes the URL (it may carry a password)', () => {
    try {
      new RedisStore({ url: 'http://user:pa55word@127.0.0.1:6379' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).not.toContain('pa55word');
    }
  });
});
