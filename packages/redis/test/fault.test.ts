import { errors } from '@mcp-auth/core';
import { storeCall } from '@mcp-auth/core/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore, RedisStoreError } from '../src/index.js';
import { getFreePort, TestRedisServer } from './redis-server.js';

// Fault tests against a TEST-OWNED redis-server on its own free port: it is stopped, paused
// and restarted under a live RedisStore. ARCHITECTURE "Store": a store failure fails closed
// (503, never a 2xx) and service resumes without a restart; SECURITY-CASES 39.

const TIMEOUT_MS = 300;
// Slack for timers and the event loop on a loaded 2-core machine.
const BOUND_MS = TIMEOUT_MS + 700;

const servers: TestRedisServer[] = [];
const closers: (() => Promise<void> | void)[] = [];

async function startServer(port?: number): Promise<TestRedisServer> {
  const server = new TestRedisServer(port ?? (await getFreePort()));
  servers.push(server);
  await server.start();
  return server;
}

/** Runs `op`, expects a fail-closed rejection, returns how long it took. */
async function expectFailClosed(op: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  let error: unknown;
  try {
    await op();
  } catch (e) {
    error = e;
  }
  const elapsed = performance.now() - start;
  expect(error).toBeInstanceOf(RedisStoreError);
  expect(['ERR_REDIS_TIMEOUT', 'ERR_REDIS_UNAVAILABLE']).toContain((error as RedisStoreError).code);
  return elapsed;
}

function allOps(store: RedisStore): Record<string, () => Promise<unknown>> {
  return {
    get: () => store.get('k'),
    getMany: () => store.getMany(['k', 'k2']),
    set: () => store.set('k', 1, 10_000),
    setIfAbsent: () => store.setIfAbsent('k', 1, 10_000),
    take: () => store.take('k'),
    delete: () => store.delete('k'),
    increment: () => store.increment('n', 10_000),
    takeAndSet: () => store.takeAndSet('k', 'k2', 1, 10_000),
    ping: () => store.ping(),
  };
}

async function waitUntilUp(store: RedisStore, withinMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < withinMs) {
    try {
      await store.ping();
      return performance.now() - start;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('store did not recover');
}

afterAll(async () => {
  for (const close of closers) await close();
  for (const server of servers) await server.stop();
});

describe('RedisStore with Redis stopped mid-run, then restarted on the same port', () => {
  let server: TestRedisServer;
  let store: RedisStore;

  beforeAll(async () => {
    server = await startServer();
    store = new RedisStore({ url: server.url, commandTimeoutMs: TIMEOUT_MS });
    closers.push(() => store.close());
  });

  it('works while Redis is up', async () => {
    await store.set('k', { v: 1 }, 10_000);
    expect(await store.get('k')).toEqual({ v: 1 });
  });

  it('rejects every operation within the command timeout once Redis is stopped', async () => {
    await server.stop();
    for (const [name, op] of Object.entries(allOps(store))) {
      const elapsed = await expectFailClosed(op);
      expect(elapsed, name).toBeLessThan(BOUND_MS);
    }
  });

  it('rejects 200 concurrent operations within the bound (nothing queues up)', async () => {
    const start = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => store.take(`code:${i}`)),
    );
    expect(performance.now() - start).toBeLessThan(BOUND_MS);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('a failed store call becomes a 503 temporarily_unavailable through storeCall (fail closed)', async () => {
    const err = await storeCall(store.take('code:x')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(errors.TemporarilyUnavailableError);
    expect((err as errors.TemporarilyUnavailableError).code).toBe('temporarily_unavailable');
    expect((err as errors.TemporarilyUnavailableError).status).toBe(503);
  });

  it('serves again after Redis restarts on the same port, with the same store object', async () => {
    const client = store.client;
    await server.start();
    const recoveredIn = await waitUntilUp(store, 5_000);
    expect(recoveredIn).toBeLessThan(5_000);
    expect(store.client).toBe(client);
    await store.set('after', 'yes', 10_000);
    expect(await store.get('after')).toBe('yes');
    expect(await store.setIfAbsent('after-nx', 1, 10_000)).toBe(true);
    expect(await store.take('after')).toBe('yes');
  });
});

describe('RedisStore with Redis frozen (SIGSTOP): the socket is open but nothing answers', () => {
  let server: TestRedisServer;
  let store: RedisStore;

  beforeAll(async () => {
    server = await startServer();
    store = new RedisStore({ url: server.url, commandTimeoutMs: TIMEOUT_MS });
    closers.push(() => store.close());
    await store.ping();
  });

  it('rejects with ERR_REDIS_TIMEOUT within the command timeout, then recovers on SIGCONT', async () => {
    server.pause();
    try {
      const start = performance.now();
      const results = await Promise.allSettled([store.get('k'), store.set('k', 1, 10_000)]);
      expect(performance.now() - start).toBeLessThan(BOUND_MS);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect(((r as PromiseRejectedResult).reason as RedisStoreError).code).toBe(
          'ERR_REDIS_TIMEOUT',
        );
      }
    } finally {
      server.resume();
    }
    await waitUntilUp(store, 5_000);
    await store.set('thawed', 1, 10_000);
    expect(await store.get('thawed')).toBe(1);
  });
});

describe('RedisStore started before Redis is up', () => {
  it('rejects within the bound, never replays a rejected write, and serves once Redis starts', async () => {
    const port = await getFreePort();
    const store = new RedisStore({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: TIMEOUT_MS,
    });
    closers.push(() => store.close());
    const elapsed = await expectFailClosed(() => store.set('ghost', 'written-while-down', 10_000));
    expect(elapsed).toBeLessThan(BOUND_MS);
    const server = await startServer(port);
    await waitUntilUp(store, 5_000);
    // The caller was told the write failed, so it must not have happened later either.
    expect(await store.get('ghost')).toBeUndefined();
    await store.set('ghost', 'now', 10_000);
    expect(await store.get('ghost')).toBe('now');
    await server.stop();
  });
});

describe('RedisStore with a passed client using ioredis defaults (offline queue on)', () => {
  it('still rejects within the command timeout while Redis is down, and recovers', async () => {
    const server = await startServer();
    const client = new Redis(server.url);
    client.on('error', () => {});
    const store = new RedisStore({ client, commandTimeoutMs: TIMEOUT_MS, closeClient: true });
    closers.push(() => store.close());
    await store.set('k', 1, 10_000);
    await server.stop();
    for (const [name, op] of Object.entries(allOps(store))) {
      const elapsed = await expectFailClosed(op);
      expect(elapsed, name).toBeLessThan(BOUND_MS);
    }
    await server.start();
    await waitUntilUp(store, 5_000);
    expect(await store.setIfAbsent('fresh', 1, 10_000)).toBe(true);
  });
});
