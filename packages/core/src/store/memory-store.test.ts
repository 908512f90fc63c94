import { describe, expect, it } from 'vitest';
import { storeContract } from './contract.js';
import { MemoryStore } from './memory-store.js';

describe('MemoryStore: store contract', () => {
  for (const c of storeContract()) it(c.name, () => c.run(new MemoryStore()));
});

describe('MemoryStore', () => {
  it('bounds the number of entries, dropping the oldest write first', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.set(key, key, 10_000);
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
