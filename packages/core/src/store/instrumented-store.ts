import {
  ATTRIBUTES,
  COUNTER_NAMES,
  errorType,
  HISTOGRAM_NAMES,
  type Instrumentation,
  SPAN_NAMES,
} from '../observability/instrumentation.js';
import type { Store } from './store.js';

type Operation =
  | 'get'
  | 'getMany'
  | 'set'
  | 'setIfAbsent'
  | 'take'
  | 'delete'
  | 'increment'
  | 'addToSet'
  | 'removeFromSet'
  | 'getSet';

/**
 * The namespace of a key for telemetry: its first two `:`-separated segments (`tok:rt`,
 * `as:client`). Never more: the rest may be a hash of a token or an interaction id.
 */
export function storeKeyNamespace(key: unknown): string {
  if (typeof key !== 'string') return 'unknown';
  const parts = key.split(':', 3);
  const namespace = parts.length >= 2 ? `${parts[0]}:${parts[1]}` : 'other';
  return /^[\w-]{1,32}:[\w-]{1,32}$/.test(namespace) ? namespace : 'other';
}

/**
 * Wraps a store so every call is a `mcp_auth.store` span with its latency recorded
 * (`mcp_auth.store.duration`, seconds) and its failures counted (`mcp_auth.store.errors`).
 * Attributes: the operation and the key's namespace (see {@link storeKeyNamespace}), never a
 * key or a value. Without `instrumentation` the store is returned as it is.
 */
export function instrumentStore(store: Store, instrumentation: Instrumentation | undefined): Store {
  if (instrumentation === undefined) return store;
  const run = <T>(operation: Operation, key: unknown, call: () => Promise<T>): Promise<T> => {
    const attributes = {
      [ATTRIBUTES.storeOperation]: operation,
      [ATTRIBUTES.storeNamespace]: storeKeyNamespace(key),
    };
    return instrumentation.inSpan(SPAN_NAMES.store, { attributes }, async () => {
      const started = performance.now();
      try {
        return await call();
      } catch (error) {
        instrumentation.count(COUNTER_NAMES.storeErrors, {
          [ATTRIBUTES.storeOperation]: operation,
          [ATTRIBUTES.errorType]: errorType(error),
        });
        throw error;
      } finally {
        instrumentation.record(
          HISTOGRAM_NAMES.storeDuration,
          (performance.now() - started) / 1000,
          {
            [ATTRIBUTES.storeOperation]: operation,
          },
        );
      }
    });
  };
  const wrapped: Partial<Record<Operation, unknown>> = {
    get: (key: string) => run('get', key, () => store.get(key)),
    getMany: (keys: readonly string[]) => run('getMany', keys[0], () => store.getMany(keys)),
    set: (...args: Parameters<Store['set']>) => run('set', args[0], () => store.set(...args)),
    setIfAbsent: (...args: Parameters<Store['setIfAbsent']>) =>
      run('setIfAbsent', args[0], () => store.setIfAbsent(...args)),
    take: (key: string) => run('take', key, () => store.take(key)),
    delete: (key: string) => run('delete', key, () => store.delete(key)),
  };
  if (typeof store.increment === 'function') {
    const increment = store.increment.bind(store);
    wrapped.increment = (...args: Parameters<typeof increment>) =>
      run('increment', args[0], () => increment(...args));
  }
  // Grant management's set methods, when the store has them.
  const { addToSet, removeFromSet, getSet } = store;
  if (addToSet && removeFromSet && getSet) {
    wrapped.addToSet = (key: string, member: string, ttlMs: number) =>
      run('addToSet', key, () => addToSet.call(store, key, member, ttlMs));
    wrapped.removeFromSet = (key: string, member: string) =>
      run('removeFromSet', key, () => removeFromSet.call(store, key, member));
    wrapped.getSet = (key: string) => run('getSet', key, () => getSet.call(store, key));
  }
  // A proxy, so what a store has beyond the port (`close()`, newer optional methods) and
  // `instanceof` still work.
  return new Proxy(store, {
    get(target, property) {
      if (typeof property === 'string' && Object.hasOwn(wrapped, property))
        return wrapped[property as Operation];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
