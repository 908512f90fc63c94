import { deepFreeze } from './freeze.js';
import type { JwtKey } from './types.js';
import {
  checkTimeClaims,
  compileVerifyOptions,
  type KeySet,
  nowSeconds,
  type VerifiedJwt,
  type VerifyJwtOptions,
  verifyCompiledSync,
} from './verify.js';

interface Entry {
  readonly token: string;
  readonly print: number;
  readonly result: VerifiedJwt;
}

/** ~36 bits of the signature's last characters (random for any real signature), folded. */
function fingerprint(token: string): number {
  let h = 0;
  for (let i = token.length - 6; i < token.length; i++) h = (h << 6) ^ token.charCodeAt(i);
  return h | 1; // never 0, the empty slot
}

/**
 * The third segment of a `h.p.s` token, else `''` (not cached). `indexOf` rather than
 * `lastIndexOf`, which V8 runs several times slower.
 */
function signatureOf(token: string): string {
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  return dot2 < 0 ? '' : token.slice(dot2 + 1);
}

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions extends VerifyJwtOptions {
  /** How many verified tokens to remember (0 disables the cache). Default 1000. */
  cacheSize?: number;
}

/** A reusable verifier; see {@link createJwtVerifier}. */
export interface JwtVerifier {
  /** Verifies a token like {@link verifyJwt} with the verifier's key and options. */
  verify(token: string): Promise<VerifiedJwt>;
}

/**
 * A verifier with options checked once and a bounded cache of tokens that verified: a token
 * verified again skips decoding and the signature, but its time claims (`exp`, `nbf`,
 * `iat`, `maxTokenAge`) are checked again on every hit. A token enters the cache on its
 * second successful verification (one-off tokens are not kept). Cached results are frozen
 * (they are shared).
 */
export function createJwtVerifier(
  key: JwtKey | KeySet,
  options: JwtVerifierOptions = {},
): JwtVerifier {
  const { cacheSize = 1000, ...verifyOptions } = options;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new TypeError('createJwtVerifier: cacheSize must be an integer >= 0');
  }
  if (typeof key !== 'object' || key === null) {
    throw new TypeError('createJwtVerifier: key must be a JwtKey or a KeySet');
  }
  const compiled = compileVerifyOptions(verifyOptions, 'createJwtVerifier');
  // Two generations: when `young` is full it becomes `old` and the previous `old` is
  // dropped. Bounded (at most 2 × cacheSize/2 entries), O(1), no per-entry bookkeeping.
  // Keyed by the signature segment (short to hash); the whole token must match too.
  const generation = Math.max(1, Math.ceil(cacheSize / 2));
  let young = new Map<string, Entry>();
  let old = new Map<string, Entry>();
  // Admission ("doorkeeper", as in TinyLFU): a token is cached from its second successful
  // verification. One-off tokens then cost no cache entry (nor the GC work of keeping it),
  // and cannot push out tokens that are actually repeated. A fingerprint collision only
  // admits a token early; lookups always compare the whole token.
  let doorSize = 64;
  while (doorSize < cacheSize * 2) doorSize *= 2;
  const door = new Int32Array(cacheSize > 0 ? doorSize : 0);
  const mask = doorSize - 1;
  // `cached[print & mask]` is 1 for the fingerprint of every entry in `young` or `old` (and
  // possibly for forgotten ones): a token whose bit is 0 is not cached, so a first sighting
  // skips slicing its id and both Map lookups. Rebuilt when a generation is dropped.
  const cached = new Uint8Array(door.length);
  // A key set that changes (key rotation) invalidates every cached verification.
  const versioned = key as { readonly generation?: number };
  let seen = versioned.generation;

  function lookup(token: string, id: string): Entry | undefined {
    let entry = young.get(id);
    if (entry === undefined) {
      entry = old.get(id);
      if (entry !== undefined && entry.token === token) remember(id, entry);
    }
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  function remember(id: string, entry: Entry): void {
    if (young.size >= generation) {
      old = young;
      young = new Map();
      cached.fill(0);
      for (const kept of old.values()) cached[kept.print & mask] = 1;
    }
    young.set(id, entry);
    cached[entry.print & mask] = 1;
  }

  function forget(id: string): void {
    young.delete(id);
    old.delete(id);
  }

  function admit(token: string, print: number, result: VerifiedJwt): VerifiedJwt {
    if (print === 0) return result;
    const slot = print & mask;
    if (door[slot] !== print) {
      door[slot] = print;
      return result;
    }
    const id = signatureOf(token);
    if (id === '') return result;
    deepFreeze(result.payload);
    const frozen = Object.freeze(result);
    remember(id, { token, print, result: frozen });
    return frozen;
  }

  function verify(token: string): Promise<VerifiedJwt> {
    if (versioned.generation !== seen) {
      seen = versioned.generation;
      young = new Map();
      old = new Map();
      cached.fill(0);
    }
    try {
      // 0: not cacheable (the cache is off, or not a string).
      const print = cacheSize > 0 && typeof token === 'string' ? fingerprint(token) : 0;
      if (print !== 0 && cached[print & mask] === 1) {
        const id = signatureOf(token);
        const hit = id === '' ? undefined : lookup(token, id);
        if (hit !== undefined) {
          try {
            checkTimeClaims(hit.result.payload, compiled, nowSeconds(compiled));
          } catch (error) {
            forget(id);
            throw error;
          }
          return Promise.resolve(hit.result);
        }
      }
      const result = verifyCompiledSync(token, key, compiled);
      if (typeof (result as PromiseLike<VerifiedJwt>).then === 'function') {
        return Promise.resolve(result).then((r) => admit(token, print, r));
      }
      return Promise.resolve(admit(token, print, result as VerifiedJwt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  return { verify };
}
