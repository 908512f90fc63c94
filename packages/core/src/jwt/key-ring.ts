import { type Jwk, type Jwks, importJwk, publicJwkOf, toPublicKey } from './keys.js';
import { buildKeySet, type LocalKeySet } from './key-set.js';
import type { JwtHeader, JwtKey } from './types.js';
import type { KeySet } from './verify.js';

/**
 * The signing keys of an authorization server during rotation. `current` signs; `next` is
 * published in the JWKS (and accepted) before it signs, so every verifier knows it by the time
 * it is promoted; `retired` keys no longer sign but stay published and accepted until every
 * token they signed has expired. Every key is asymmetric and has a distinct `kid`.
 */
export interface SigningKeyRing {
  /** The private key access tokens are signed with now. */
  readonly current: JwtKey;
  /** The private key that signs after the next promotion; published already. */
  readonly next?: JwtKey;
  /** Keys that signed before; published and accepted until removed (private or public). */
  readonly retired?: readonly JwtKey[];
}

/** The state of one key in a {@link KeyRingDocument}. */
export type KeyRingStatus = 'current' | 'next' | 'retired';

/**
 * The key-ring file `mcp-auth keys rotate` reads and writes: JSON, private JWKs included
 * (keep it like any secret). `since` is when the key entered its status (ISO 8601); the CLI
 * uses it for the timing rule, {@link importKeyRing} ignores it.
 */
export interface KeyRingDocument {
  readonly version: 1;
  readonly keys: readonly {
    readonly status: KeyRingStatus;
    readonly since?: string;
    readonly jwk: Jwk;
  }[];
}

/**
 * Imports a {@link KeyRingDocument} (or its JSON text) into a {@link SigningKeyRing}: exactly
 * one `current`, at most one `next` (both private JWKs), any number of `retired`. A problem is
 * a `TypeError` that names it, never the key material.
 */
export async function importKeyRing(document: KeyRingDocument | string): Promise<SigningKeyRing> {
  const where = 'importKeyRing';
  let doc: unknown = document;
  if (typeof document === 'string') {
    try {
      doc = JSON.parse(document);
    } catch {
      throw new TypeError(`${where}: the key ring is not valid JSON`);
    }
  }
  const d = doc as Partial<KeyRingDocument> | null;
  if (typeof d !== 'object' || d === null || d.version !== 1 || !Array.isArray(d.keys)) {
    throw new TypeError(`${where}: expected { "version": 1, "keys": [...] }`);
  }
  let current: JwtKey | undefined;
  let next: JwtKey | undefined;
  const retired: JwtKey[] = [];
  for (const [i, entry] of d.keys.entries()) {
    if (typeof entry !== 'object' || entry === null || typeof entry.jwk !== 'object') {
      throw new TypeError(`${where}: keys[${i}] must be { status, jwk }`);
    }
    const key = await importJwk(entry.jwk);
    if (entry.status === 'current' || entry.status === 'next') {
      if ((entry.status === 'current' ? current : next) !== undefined) {
        throw new TypeError(`${where}: more than one ${entry.status} key`);
      }
      if (entry.status === 'current') current = key;
      else next = key;
    } else if (entry.status === 'retired') {
      retired.push(key);
    } else {
      throw new TypeError(`${where}: keys[${i}].status must be current, next or retired`);
    }
  }
  if (current === undefined) throw new TypeError(`${where}: the ring has no current key`);
  const ring: SigningKeyRing = { current, ...(next ? { next } : {}), retired };
  checkKeyRing(ring, where);
  return ring;
}

/** Throws a `TypeError` unless the ring is usable (see {@link SigningKeyRing}). */
export function checkKeyRing(ring: SigningKeyRing, where: string): void {
  if (typeof ring !== 'object' || ring === null) {
    throw new TypeError(`${where}: signingKeys must be { current, next?, retired? }`);
  }
  const kids = new Set<string>();
  const check = (key: unknown, name: string, mustSign: boolean) => {
    const k = key as JwtKey | null;
    if (typeof k !== 'object' || k === null || typeof k.alg !== 'string') {
      throw new TypeError(`${where}: ${name} must be a JwtKey`);
    }
    if (k.type === 'secret') {
      throw new TypeError(`${where}: ${name} must be an asymmetric key (ES256, EdDSA, RS256, …)`);
    }
    if (mustSign && k.type !== 'private') {
      throw new TypeError(`${where}: ${name} must be a private key (it signs)`);
    }
    if (typeof k.kid !== 'string' || k.kid.length === 0) {
      throw new TypeError(`${where}: ${name} needs a kid (verifiers pick the key by kid)`);
    }
    if (kids.has(k.kid)) throw new TypeError(`${where}: two keys share the kid "${k.kid}"`);
    kids.add(k.kid);
  };
  check(ring.current, 'signingKeys.current', true);
  if (ring.next !== undefined) check(ring.next, 'signingKeys.next', true);
  if (ring.retired !== undefined && !Array.isArray(ring.retired)) {
    throw new TypeError(`${where}: signingKeys.retired must be an array`);
  }
  for (const [i, key] of (ring.retired ?? []).entries()) {
    check(key, `signingKeys.retired[${i}]`, false);
  }
}

/** Where a server's signing keys come from: a fixed ring, or a loader re-read at runtime. */
export type KeyRingSource = SigningKeyRing | (() => Promise<SigningKeyRing>);

/** Options of {@link createKeyRingHolder}. */
export interface KeyRingHolderOptions {
  /** How often a loader is re-read, in seconds. Default 60. */
  reloadSeconds?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * The live state of a key ring: what signs now, what verifies, what is published. A loader
 * source is re-read in the background at most every `reloadSeconds` (on use, no timer), so
 * every instance reading the same file or store entry switches within that time; a failed or
 * invalid reload keeps the last good ring. @internal
 */
export interface KeyRingHolder {
  /** Resolves once the first ring is loaded; rejects when it is unusable. */
  readonly ready: Promise<void>;
  /** The key that signs now (`current`). Only after `ready`. */
  signingKey(): JwtKey;
  /** Verifies with every published key: current, next and retired. */
  readonly keySet: KeySet;
  /** The public JWKS: current, next, then retired. Only after `ready`. */
  jwks(): Jwks;
  /** Re-reads the source now (a fixed ring: no-op); rejects when the new ring is unusable. */
  reload(): Promise<void>;
}

interface Loaded {
  readonly ring: SigningKeyRing;
  readonly set: LocalKeySet;
}

async function prepare(ring: SigningKeyRing, where: string): Promise<Loaded> {
  checkKeyRing(ring, where);
  const keys = [ring.current, ...(ring.next ? [ring.next] : []), ...(ring.retired ?? [])];
  const publicKeys = await Promise.all(keys.map((k) => toPublicKey(k)));
  for (const key of publicKeys) {
    if (!publicJwkOf(key)) throw new TypeError(`${where}: a key has no public JWK`);
  }
  return { ring, set: await buildKeySet(publicKeys, false) };
}

/** Builds a {@link KeyRingHolder} over a fixed ring or a loader. @internal */
export function createKeyRingHolder(
  source: KeyRingSource,
  options: KeyRingHolderOptions = {},
): KeyRingHolder {
  const where = 'createAuthorizationServer: signingKeys';
  const now = options.now ?? Date.now;
  const reloadSeconds = options.reloadSeconds ?? 60;
  if (!Number.isFinite(reloadSeconds) || reloadSeconds <= 0) {
    throw new TypeError(`${where}: reloadSeconds must be a positive number`);
  }
  if (typeof source !== 'function') checkKeyRing(source, where);
  const load = async (): Promise<Loaded> =>
    prepare(typeof source === 'function' ? await source() : source, where);

  let state: Loaded | undefined;
  let generation = 0;
  let loadedAt = now();
  let reloading: Promise<void> | undefined;
  const reload = (): Promise<void> => {
    reloading ??= load()
      .then((loaded) => {
        state = loaded;
        generation++;
      })
      .finally(() => {
        loadedAt = now();
        reloading = undefined;
      });
    return reloading;
  };
  const ready = reload();
  const live = (): Loaded => {
    if (!state) throw new Error('The signing keys are not loaded yet');
    if (typeof source === 'function' && now() - loadedAt >= reloadSeconds * 1000) {
      // Keep serving the last good ring; the next use after a reload sees the new one.
      reload().catch(() => {});
    }
    return state;
  };
  return {
    ready,
    signingKey: () => live().ring.current,
    jwks: () => live().set.toJSON(),
    keySet: {
      resolveKey: async (header: JwtHeader) => {
        await ready;
        return live().set.resolveKey(header);
      },
      get generation() {
        return generation;
      },
    },
    reload: () => (typeof source === 'function' ? reload() : Promise.resolve()),
  };
}
