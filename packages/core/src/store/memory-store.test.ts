import { describe, expect, it } from 'vitest';
import { storeContract } from './contract.js';
import { MemoryStore } from './memory-store.js';
import { StoreFullError, storeCall } from './store.js';

describe('MemoryStore: store contract', () => {
  for (const c of storeContract()) it(c.name, () => c.run(new MemoryStore()));
});

describe('MemoryStore', () => {
  it('bounds the number of entries, dropping the oldest disposable write first', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.set(key, key, 10_000, { disposable: true });
    expect(store.size).toBe(3);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('d')).toBe('d');
  });

  it('expires by an injected clock', async () => {
    let now = 1_000;
    const store = new MemoryStore({ now: () => now });
    await store.set('k', 'v', 100);
    now += 99;
    expect(await store.get('k')).toBe('v');
    now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('refuses a bad maxEntries at construction', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(TypeError);
  });
});

describe('MemoryStore sweeping', () => {
  it('drops expired entries as writes happen, without reads', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    for (let i = 0; i < 100; i++) await store.set(`old:${i}`, i, 10);
    now = 1_000;
    for (let i = 0; i < 100; i++) await store.set(`new:${i}`, i, 10_000);
    expect(store.size).toBe(100);
  });
});

// Issue 12 §2: security state is never evicted; only disposable entries are.
describe('STORE-1..3: MemoryStore never forgets durable state', () => {
  it('STORE-1: flooding twice the cap with disposable entries drops none of the durable ones', async () => {
    const store = new MemoryStore({ maxEntries: 100 });
    for (let i = 0; i < 50; i++) await store.set(`tok:revoked:jti:${i}`, 1, 60_000);
    for (let i = 0; i < 200; i++) {
      await store.set(`as:interaction:${i}`, { i }, 60_000, { disposable: true });
    }
    const durable = await store.getMany(
      Array.from({ length: 50 }, (_, i) => `tok:revoked:jti:${i}`),
    );
    expect(durable.every((v) => v === 1)).toBe(true);
    expect(store.size).toBe(100);
    // The newest disposable entries survive, the oldest went first.
    expect(await store.get('as:interaction:199')).toEqual({ i: 199 });
    expect(await store.get('as:interaction:0')).toBeUndefined();
  });

  it('STORE-2: a durable write to a store full of durable entries is refused with ERR_STORE_FULL → 503', async () => {
    const store = new MemoryStore({ maxEntries: 10 });
    for (let i = 0; i < 10; i++) await store.set(`tok:rt-grant:${i}`, 'g', 60_000);
    await expect(store.set('tok:revoked:grant:x', 1, 60_000)).rejects.toBeInstanceOf(
      StoreFullError,
    );
    await expect(
      store.set('as:interaction:x', 1, 60_000, { disposable: true }),
    ).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    await expect(storeCall(store.set('tok:revoked:grant:x', 1, 60_000))).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      status: 503,
    });
    // Nothing was dropped to make room, and replacing an existing key still works.
    for (let i = 0; i < 10; i++) expect(await store.get(`tok:rt-grant:${i}`)).toBe('g');
    await store.set('tok:rt-grant:3', 'h', 60_000);
    expect(await store.get('tok:rt-grant:3')).toBe('h');
  });

  it('STORE-3: when full, a durable write evicts a disposable entry, and expired durable entries make room', async () => {
    let now = 0;
    const store = new MemoryStore({ maxEntries: 4, now: () => now });
    await store.set('as:interaction:a', 1, 60_000, { disposable: true });
    for (let i = 0; i < 3; i++) await store.set(`tok:code-grant:${i}`, i, 100);
    await store.set('tok:revoked:jti:x', 1, 60_000);
    expect(await store.get('as:interaction:a')).toBeUndefined();
    await expect(store.set('tok:revoked:jti:y', 1, 60_000)).rejects.toBeInstanceOf(StoreFullError);
    now = 5_000; // the three code tombstones expire
    await store.set('tok:revoked:jti:y', 1, 60_000);
    expect(await store.get('tok:revoked:jti:x')).toBe(1);
    expect(await store.get('tok:revoked:jti:y')).toBe(1);
  });

  it('increment keeps the window of the first increment and counts per key', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now });
    expect(await store.increment('c', 1_000, { disposable: true })).toBe(1);
    now = 900;
    expect(await store.increment('c', 1_000, { disposable: true })).toBe(2);
    now = 1_000;
    expect(await store.increment('c', 1_000, { disposable: true })).toBe(1);
  });
});
