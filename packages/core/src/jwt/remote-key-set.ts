import { utf8DecodeStrict } from '../encoding/utf8.js';
import { isHttpsOrLoopbackUrl } from '../net/host.js';
import { isJwtError, JwtError } from '../errors/jwt-error.js';
import { parseJsonObjectStrict } from './json.js';
import { buildKeySet, type LocalKeySet } from './key-set.js';
import type { Jwks } from './keys.js';
import type { JwtHeader, JwtKey } from './types.js';
import type { KeySet } from './verify.js';
import { readCapped as readCappedBody } from '../encoding/read-capped.js';

/** Options of {@link createRemoteKeySet}. */
export interface RemoteKeySetOptions {
  /** Timeout of one fetch, body included. Default 5000 ms. */
  timeoutMs?: number;
  /** Largest JWKS body accepted. Default 64 KiB. */
  maxBytes?: number;
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Minimum time between two fetches (unknown `kid`, failures). Default 30 s. */
  cooldownMs?: number;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`createRemoteKeySet: ${name} must be a number >= 0`);
  }
  return value;
}

function fetchFailed(message: string, cause?: unknown): JwtError {
  return new JwtError('ERR_JWKS_FETCH_FAILED', message, cause === undefined ? {} : { cause });
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const read = await readCappedBody(
    response.body,
    maxBytes,
    response.headers.get('content-length'),
  );
  if (read.overflow) throw fetchFailed('The JWKS response is too large');
  return read.bytes;
}

/**
 * A key set fetched from a JWKS URL (https, or http on loopback only) with the global
 * `fetch`: each fetch has a timeout and a body size cap; the set is cached for
 * `cacheMaxAgeMs`; an unknown `kid` triggers one refetch, at most once per `cooldownMs`;
 * when the host is down, the keys fetched last keep being served. Nothing a token names
 * (`jku`, `x5u`) is ever fetched.
 */
export function createRemoteKeySet(url: string | URL, options: RemoteKeySetOptions = {}): KeySet {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError('createRemoteKeySet: url must be an absolute URL');
  }
  if (!isHttpsOrLoopbackUrl(target)) {
    throw new TypeError('createRemoteKeySet: url must be https (http only for loopback)');
  }
  const timeoutMs = positive(options.timeoutMs, 5000, 'timeoutMs');
  const maxBytes = positive(options.maxBytes, 64 * 1024, 'maxBytes');
  const cacheMaxAgeMs = positive(options.cacheMaxAgeMs, 10 * 60_000, 'cacheMaxAgeMs');
  const cooldownMs = positive(options.cooldownMs, 30_000, 'cooldownMs');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new TypeError('createRemoteKeySet: no global fetch; pass options.fetch');
  }
  const href = target.href;

  let current: LocalKeySet | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<LocalKeySet> | undefined;
  let generation = 0;

  async function load(): Promise<LocalKeySet> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetchImpl(href, {
          method: 'GET',
          headers: { accept: 'application/jwk-set+json, application/json' },
          redirect: 'error',
          signal: controller.signal,
        });
      } catch (cause) {
        throw fetchFailed('The JWKS could not be fetched', cause);
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw fetchFailed(`The JWKS endpoint answered ${response.status}`);
      }
      let body: Uint8Array;
      try {
        body = await readCapped(response, maxBytes);
      } catch (cause) {
        if (isJwtError(cause)) throw cause;
        throw fetchFailed('The JWKS could not be read', cause);
      }
      const text = utf8DecodeStrict(body);
      const json = text === undefined ? undefined : parseJsonObjectStrict(text);
      if (!json || !Array.isArray(json.keys)) {
        throw new JwtError('ERR_JWK_INVALID', 'The JWKS is not a JSON object with a keys array');
      }
      return await buildKeySet(json as unknown as Jwks, true);
    } finally {
      clearTimeout(timer);
    }
  }

  function refresh(): Promise<LocalKeySet> {
    if (!inflight) {
      attemptedAt = Date.now();
      inflight = load()
        .then((set) => {
          current = set;
          generation++;
          fetchedAt = Date.now();
          return set;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  async function usable(): Promise<LocalKeySet> {
    const now = Date.now();
    if (current && now - fetchedAt < cacheMaxAgeMs) return current;
    if (current && now - attemptedAt < cooldownMs) return current;
    try {
      return await refresh();
    } catch (error) {
      // Keep serving the last good keys when the host is down.
      if (current) return current;
      throw error;
    }
  }

  return {
    get generation() {
      return generation;
    },
    async resolveKey(header: JwtHeader): Promise<JwtKey> {
      const set = await usable();
      try {
        return await set.resolveKey(header);
      } catch (error) {
        if (!isJwtError(error) || error.code !== 'ERR_JWT_KEY_NOT_FOUND') throw error;
        // An unknown kid may be a rotated key: refetch once, at most every cooldownMs.
        if (current && set !== current) return current.resolveKey(header);
        // A refetch already under way (another token with the new kid): wait for it, since
        // failing here would refuse valid tokens during a key switch.
        if (inflight) {
          const fresh = await inflight.catch(() => undefined);
          if (fresh) return fresh.resolveKey(header);
          throw error;
        }
        if (Date.now() - attemptedAt < cooldownMs) throw error;
        let fresh: LocalKeySet;
        try {
          fresh = await refresh();
        } catch {
          throw error;
        }
        return fresh.resolveKey(header);
      }
    },
  };
}
