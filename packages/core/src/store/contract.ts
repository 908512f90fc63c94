import type { Store } from './store.js';

/** One case of the {@link storeContract} suite. */
export interface StoreContractCase {
  /** What the case proves. */
  name: string;
  /** Runs the case against a fresh store; rejects with an `Error` on a violation. */
  run(store: Store): Promise<void>;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`store contract violated: ${message}`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Key = (name: string) => string;

/** Reads and writes: absent keys, JSON round trips, copies, `getMany`. */
function valueCases(k: Key): StoreContractCase[] {
  return [
    {
      name: 'get returns undefined for an absent key',
      async run(store) {
        check((await store.get(k('absent'))) === undefined, 'absent key must read as undefined');
      },
    },
    {
      name: 'set then get round-trips JSON values',
      async run(store) {
        const value = { a: 1, b: 'x', c: [true, null, 2.5], d: { e: 'ü' } };
        await store.set(k('json'), value, 10_000);
        const got = await store.get(k('json'));
        check(JSON.stringify(got) === JSON.stringify(value), 'value must round-trip');
        await store.set(k('json'), 'replaced', 10_000);
        check((await store.get(k('json'))) === 'replaced', 'set must replace');
      },
    },
    {
      name: 'values are copies: mutating a read value does not change the store',
      async run(store) {
        await store.set(k('copy'), { n: 1 }, 10_000);
        const got = (await store.get<{ n: number }>(k('copy'))) as { n: number };
        got.n = 2;
        const again = (await store.get<{ n: number }>(k('copy'))) as { n: number };
        check(again.n === 1, 'stored value must not alias the returned one');
      },
    },
    {
      name: 'getMany returns values in key order with undefined for absent keys',
      async run(store) {
        await store.set(k('m1'), 1, 10_000);
        await store.set(k('m3'), 3, 10_000);
        const got = await store.getMany([k('m1'), k('m2'), k('m3')]);
        check(
          got.length === 3 && got[0] === 1 && got[1] === undefined && got[2] === 3,
          'getMany order',
        );
        check((await store.getMany([])).length === 0, 'getMany of no keys is empty');
      },
    },
  ];
}

/** Time to live: an expired entry is absent for every operation. */
function expiryCases(k: Key): StoreContractCase[] {
  return [
    {
      name: 'entries expire after their TTL',
      async run(store) {
        await store.set(k('ttl'), 'v', 60);
        check((await store.get(k('ttl'))) === 'v', 'value before expiry');
        await sleep(150);
        check((await store.get(k('ttl'))) === undefined, 'value after expiry must be gone');
        check((await store.take(k('ttl'))) === undefined, 'take after expiry must be undefined');
        check(await store.setIfAbsent(k('ttl'), 'w', 10_000), 'an expired key counts as absent');
      },
    },
  ];
}

/** `setIfAbsent` and `take`: exactly once, also under concurrency. */
function onceCases(k: Key): StoreContractCase[] {
  return [
    {
      name: 'setIfAbsent stores only once',
      async run(store) {
        check(await store.setIfAbsent(k('nx'), 'first', 10_000), 'first setIfAbsent must store');
        check(
          !(await store.setIfAbsent(k('nx'), 'second', 10_000)),
          'second setIfAbsent must not store',
        );
        check((await store.get(k('nx'))) === 'first', 'the first value stays');
      },
    },
    {
      name: 'concurrent setIfAbsent has exactly one winner',
      async run(store) {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.setIfAbsent(k('nx-race'), i, 10_000)),
        );
        check(results.filter(Boolean).length === 1, 'exactly one setIfAbsent may win');
      },
    },
    {
      name: 'take returns the value once and deletes it',
      async run(store) {
        await store.set(k('take'), { code: 'c' }, 10_000);
        const first = await store.take<{ code: string }>(k('take'));
        check(first?.code === 'c', 'take returns the value');
        check((await store.take(k('take'))) === undefined, 'second take is undefined');
        check((await store.get(k('take'))) === undefined, 'taken key is gone');
      },
    },
    {
      name: 'concurrent take has exactly one winner',
      async run(store) {
        await store.set(k('take-race'), 'once', 10_000);
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.take(k('take-race'))),
        );
        check(
          results.filter((r) => r === 'once').length === 1,
          'exactly one take may get the value',
        );
      },
    },
  ];
}

/** `delete`, write options, `increment` and TTL validation. */
function maintenanceCases(k: Key): StoreContractCase[] {
  return [
    {
      name: 'delete removes a key and tolerates an absent one',
      async run(store) {
        await store.set(k('del'), 1, 10_000);
        await store.delete(k('del'));
        check((await store.get(k('del'))) === undefined, 'deleted key is gone');
        await store.delete(k('never-set'));
      },
    },
    {
      name: 'write options are accepted: a disposable entry reads back like any other',
      async run(store) {
        await store.set(k('disp'), 'd', 10_000, { disposable: true });
        check((await store.get(k('disp'))) === 'd', 'a disposable set must be readable');
        check(
          await store.setIfAbsent(k('disp-nx'), 'e', 10_000, { disposable: true }),
          'a disposable setIfAbsent must store',
        );
        await store.set(k('dur'), 'x', 10_000, { disposable: false });
        check((await store.get(k('dur'))) === 'x', 'a durable set must be readable');
      },
    },
    {
      name: 'increment (when implemented) counts atomically in a fixed window',
      async run(store) {
        if (typeof store.increment !== 'function') return;
        const counts = await Promise.all(
          Array.from({ length: 20 }, () =>
            store.increment!(k('ctr'), 10_000, { disposable: true }),
          ),
        );
        check(
          [...counts].sort((a, b) => a - b).join(',') ===
            Array.from({ length: 20 }, (_, i) => i + 1).join(','),
          'concurrent increments must return 1..n once each',
        );
        check((await store.get(k('ctr'))) === 20, 'get reads the count as a number');
        await store.increment(k('ctr-ttl'), 60);
        await sleep(150);
        check((await store.increment(k('ctr-ttl'), 10_000)) === 1, 'a window ends with its TTL');
      },
    },
    {
      name: 'a non-positive TTL is refused',
      async run(store) {
        let threw = false;
        try {
          await store.set(k('bad-ttl'), 1, 0);
        } catch (err) {
          threw = err instanceof TypeError;
        }
        check(threw, 'set with ttlMs 0 must reject with a TypeError');
      },
    },
  ];
}

/** The optional set methods (grant management's per-user index), when implemented. */
function setCases(k: Key): StoreContractCase[] {
  return [
    {
      name: 'addToSet/removeFromSet/getSet (when implemented) keep a set of strings atomically',
      async run(store) {
        if (typeof store.addToSet !== 'function') return;
        check(
          typeof store.removeFromSet === 'function' && typeof store.getSet === 'function',
          'addToSet comes with removeFromSet and getSet',
        );
        check((await store.getSet!(k('set-absent'))).length === 0, 'an absent set is empty');
        await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.addToSet!(k('set'), `m${i % 20}`, 10_000)),
        );
        const members = (await store.getSet!(k('set'))).sort();
        check(
          members.join(',') ===
            Array.from({ length: 20 }, (_, i) => `m${i}`)
              .sort()
              .join(','),
          'concurrent adds keep every member once',
        );
        await store.removeFromSet!(k('set'), 'm3');
        await store.removeFromSet!(k('set'), 'never-added');
        check(!(await store.getSet!(k('set'))).includes('m3'), 'a removed member is gone');
        check((await store.getSet!(k('set'))).length === 19, 'the others stay');
      },
    },
    {
      name: 'a set lives as long as its longest TTL: a shorter one never shortens it',
      async run(store) {
        if (typeof store.addToSet !== 'function') return;
        await store.addToSet(k('set-ttl'), 'a', 60);
        await store.addToSet(k('set-ttl-long'), 'a', 10_000);
        await store.addToSet(k('set-ttl-long'), 'b', 60);
        await sleep(150);
        check((await store.getSet!(k('set-ttl'))).length === 0, 'a set expires with its TTL');
        check(
          (await store.getSet!(k('set-ttl-long'))).length === 2,
          'a shorter TTL keeps the longer',
        );
      },
    },
  ];
}

/**
 * The behaviour every {@link Store} implementation must show. Framework-free: run each case
 * from your test runner, e.g. `for (const c of storeContract()) it(c.name, () => c.run(make()))`.
 * Keys are prefixed with `prefix` (default a random one) so runs never collide.
 */
export function storeContract(
  prefix = `contract:${Math.random().toString(36).slice(2)}:`,
): StoreContractCase[] {
  const k = (name: string) => prefix + name;
  return [
    ...valueCases(k),
    ...expiryCases(k),
    ...onceCases(k),
    ...maintenanceCases(k),
    ...setCases(k),
  ];
}
