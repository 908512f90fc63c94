import type { Store, StoreValue, StoreWriteOptions } from '@mcp-auth/core/store';

/**
 * Loopback spellings in development: `http://localhost:3000/mcp` and
 * `http://127.0.0.1:3000/mcp` are two different resources to an MCP client (it compares the
 * protected resource metadata's `resource` with the URL it was given), so the demo serves each
 * loopback spelling as its own origin: its own issuer, resource, metadata and tokens. Only the
 * loopback spellings listed at start are served so; any other `Host` gets the configured
 * origin, never one derived from the header.
 */

/** The hostnames that name this machine's loopback interface. */
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for `http://localhost:<port>`, `http://127.0.0.1:<port>` and `http://[::1]:<port>`. */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    LOOPBACK_HOSTNAMES.has(url.hostname) &&
    url.origin === origin.replace(/\/+$/, '') &&
    url.pathname === '/'
  );
}

/** The other loopback spellings of a loopback origin (same port), e.g. `localhost` → `127.0.0.1`, `[::1]`. */
export function loopbackAliases(origin: string): string[] {
  const url = new URL(origin);
  return [...LOOPBACK_HOSTNAMES]
    .filter((hostname) => hostname !== url.hostname)
    .map((hostname) => `http://${hostname}:${url.port}`);
}

/**
 * The `Host` header's value in the form `new URL(origin).host` has (lower case), or undefined
 * when absent or malformed.
 */
export function requestHost(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 300) return undefined;
  try {
    return new URL(`http://${header}`).host;
  } catch {
    return undefined;
  }
}

/**
 * One store seen under a key prefix: each origin's authorization server keeps its codes,
 * clients, grants and revocations apart from the others' in the one store (memory or Redis).
 */
export class PrefixedStore implements Store {
  readonly #inner: Store;
  readonly #prefix: string;

  constructor(inner: Store, prefix: string) {
    this.#inner = inner;
    this.#prefix = prefix;
    if (typeof inner.increment === 'function') {
      const increment = inner.increment.bind(inner);
      this.increment = (key, ttlMs, options) => increment(this.#prefix + key, ttlMs, options);
    }
    // Grant management's per-user index (the /grants page of each origin).
    const { addToSet, removeFromSet, getSet } = inner;
    if (addToSet && removeFromSet && getSet) {
      this.addToSet = (key, member, ttlMs) =>
        addToSet.call(inner, this.#prefix + key, member, ttlMs);
      this.removeFromSet = (key, member) => removeFromSet.call(inner, this.#prefix + key, member);
      this.getSet = (key) => getSet.call(inner, this.#prefix + key);
    }
  }

  increment?: (key: string, ttlMs: number, options?: StoreWriteOptions) => Promise<number>;
  addToSet?: (key: string, member: string, ttlMs: number) => Promise<void>;
  removeFromSet?: (key: string, member: string) => Promise<void>;
  getSet?: (key: string) => Promise<string[]>;

  get<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    return this.#inner.get<T>(this.#prefix + key);
  }

  getMany<T extends StoreValue = StoreValue>(keys: readonly string[]): Promise<(T | undefined)[]> {
    return this.#inner.getMany<T>(keys.map((key) => this.#prefix + key));
  }

  set(key: string, value: StoreValue, ttlMs: number, options?: StoreWriteOptions): Promise<void> {
    return this.#inner.set(this.#prefix + key, value, ttlMs, options);
  }

  setIfAbsent(
    key: string,
    value: StoreValue,
    ttlMs: number,
    options?: StoreWriteOptions,
  ): Promise<boolean> {
    return this.#inner.setIfAbsent(this.#prefix + key, value, ttlMs, options);
  }

  take<T extends StoreValue = StoreValue>(key: string): Promise<T | undefined> {
    return this.#inner.take<T>(this.#prefix + key);
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(this.#prefix + key);
  }
}
