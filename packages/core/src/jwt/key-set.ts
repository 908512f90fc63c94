import { JwtError } from '../errors/jwt-error.js';
import { ALGORITHMS, isJwsAlgorithm } from './algorithms.js';
import { getKeyRecord, importJwk, type Jwk, type Jwks, publicJwkOf } from './keys.js';
import type { JwsAlgorithm, JwtHeader, JwtKey } from './types.js';
import type { KeySet } from './verify.js';

/** A key set held in memory; `toJSON()` is the public JWKS to serve at `/jwks.json`. */
export interface LocalKeySet extends KeySet {
  /** The public keys as a JWKS (secrets and private members are never included). */
  toJSON(): Jwks;
  /** The keys, in the order given. */
  readonly keys: readonly JwtKey[];
}

interface Entry {
  readonly key: JwtKey;
  /** Index of the input item it came from (one RSA JWK without alg gives two entries). */
  readonly source: number;
}

function notFound(): JwtError {
  return new JwtError('ERR_JWT_KEY_NOT_FOUND', 'No key in the key set matches the JWT', {
    claim: 'kid',
  });
}

/** Algorithms a JWK can serve: its own `alg`, or those its key type and curve allow. */
function candidateAlgs(jwk: Jwk): JwsAlgorithm[] {
  if (jwk.alg !== undefined) return isJwsAlgorithm(jwk.alg) ? [jwk.alg] : [];
  const algs: JwsAlgorithm[] = [];
  for (const [alg, info] of Object.entries(ALGORITHMS) as [
    JwsAlgorithm,
    (typeof ALGORITHMS)[JwsAlgorithm],
  ][]) {
    if (info.family === 'oct') continue; // a secret must name its algorithm
    if (info.family === jwk.kty && (info.crv === undefined || info.crv === jwk.crv)) algs.push(alg);
  }
  return algs;
}

/** @internal Builds a key set; `lenient` skips unusable JWKs (remote sets) instead of throwing. */
export async function buildKeySet(
  input: Jwks | readonly JwtKey[],
  lenient: boolean,
): Promise<LocalKeySet> {
  const where = 'createLocalKeySet';
  const items: readonly (Jwk | JwtKey)[] = Array.isArray(input)
    ? input
    : typeof input === 'object' && input !== null && Array.isArray((input as Jwks).keys)
      ? (input as Jwks).keys
      : (() => {
          throw new TypeError(`${where}: expected a JWKS ({ keys: [...] }) or an array of keys`);
        })();
  const entries: Entry[] = [];
  const published: Jwk[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (typeof item !== 'object' || item === null) {
      throw new TypeError(`${where}: item ${i} is not a key`);
    }
    if (Array.isArray(input)) {
      const key = item as JwtKey;
      getKeyRecord(key, where);
      entries.push({ key, source: i });
      const jwk = publicJwkOf(key);
      if (jwk) published.push(jwk);
      continue;
    }
    const jwk = item as Jwk;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue; // encryption keys are not ours
    const algs = candidateAlgs(jwk);
    if (algs.length === 0) {
      if (lenient) continue;
      throw new TypeError(`${where}: key ${i} has no usable JWS algorithm; set its alg`);
    }
    let usable = false;
    for (const alg of algs) {
      try {
        entries.push({ key: await importJwk(jwk, { alg }), source: i });
        usable = true;
      } catch (error) {
        if (!lenient) throw error;
      }
    }
    if (usable) {
      const key = entries[entries.length - 1]!.key;
      const pub = publicJwkOf(key);
      if (pub) {
        if (jwk.alg === undefined) delete pub.alg;
        published.push(pub);
      }
    }
  }
  // Duplicate kids make the key choice ambiguous: refused (issue 2, item 5).
  const byKid = new Map<string, Entry[]>();
  const noKid: Entry[] = [];
  for (const entry of entries) {
    const kid = entry.key.kid;
    if (kid === undefined) {
      noKid.push(entry);
      continue;
    }
    const list = byKid.get(kid) ?? [];
    if (list.some((e) => e.source !== entry.source)) {
      if (lenient) throw new JwtError('ERR_JWK_INVALID', 'The JWKS has a duplicate kid');
      throw new TypeError(`${where}: two keys share the kid "${kid}"`);
    }
    list.push(entry);
    byKid.set(kid, list);
  }
  const keys = Object.freeze(entries.map((e) => e.key));
  const json = Object.freeze(published.map((jwk) => Object.freeze(jwk)));
  return {
    keys,
    toJSON: () => ({ keys: json.map((jwk) => ({ ...jwk })) }),
    resolveKey(header: JwtHeader): Promise<JwtKey> {
      const { alg, kid } = header;
      if (kid !== undefined && typeof kid !== 'string') return Promise.reject(notFound());
      let match: JwtKey | undefined;
      if (kid !== undefined) {
        match = byKid.get(kid)?.find((e) => e.key.alg === alg)?.key;
      } else {
        // No kid: only an unambiguous choice is taken.
        const candidates = entries.filter((e) => e.key.alg === alg);
        if (candidates.length === 1) match = candidates[0]!.key;
      }
      return match ? Promise.resolve(match) : Promise.reject(notFound());
    },
  };
}

/**
 * A key set from a JWKS or from keys already imported. JWKs with `use` other than `sig` are
 * skipped; a JWK without `alg` serves every algorithm its type and curve allow (RSA: RS256
 * and PS256). Two keys with the same `kid` are refused (`TypeError`).
 *
 * Selection: by `kid` and `alg` when the token names a `kid`; otherwise the only key of the
 * token's algorithm. Headers `jku`, `x5u`, `jwk` and `x5c` are never looked at.
 */
export function createLocalKeySet(keys: Jwks | readonly JwtKey[]): Promise<LocalKeySet> {
  return buildKeySet(keys, false);
}
