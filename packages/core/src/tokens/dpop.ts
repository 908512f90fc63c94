import type { AuthContext } from '../domain/auth-context.js';
import { base64UrlEncode } from '../encoding/base64url.js';
import { generateRandomToken } from '../encoding/random.js';
import { utf8Encode } from '../encoding/utf8.js';
import { isJwtError } from '../errors/jwt-error.js';
import {
  InvalidDpopProofError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from '../errors/oauth-error.js';
import {
  createDpopProofVerifier,
  type DpopProofRequest,
  type DpopProofVerifier,
  MAX_DPOP_PROOF_LENGTH,
  type VerifiedDpopProof,
} from '../jwt/dpop.js';
import type { AsymmetricJwsAlgorithm } from '../jwt/keys.js';
import { STORE_KEYS } from '../store/keys.js';
import type { Store } from '../store/store.js';

/**
 * The DPoP key a token request proved possession of (RFC 9449 §5): the access token is bound
 * to it (`cnf.jkt`), and so is a public client's refresh token.
 */
export interface DpopBinding {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key. */
  readonly jkt: string;
  /** Bind the refresh token too (public clients; a confidential client authenticates instead). */
  readonly bindRefreshToken: boolean;
}

/** Server nonces (RFC 9449 §8, §9): proofs must carry one this server issued recently. */
export interface DpopNonceOptions {
  /**
   * The secret nonces are derived from (at least 32 characters). Every instance that must accept
   * the others' nonces (the authorization server and its resource servers behind one load
   * balancer) needs the same one. Default: a random secret per process.
   */
  secret?: string;
  /** Seconds one nonce is issued for; it stays accepted for one more period. Default 300. */
  lifetimeSeconds?: number;
}

/** DPoP (RFC 9449) settings shared by the authorization server and the resource guard. */
export interface DpopOptions {
  /** Accepted proof algorithms (asymmetric only). Default ES256, ES384, EdDSA, PS256, RS256. */
  algorithms?: readonly AsymmetricJwsAlgorithm[];
  /** Seconds a proof's `iat` may lie before or after now. Default 60. */
  iatWindowSeconds?: number;
  /**
   * Require a server nonce in every proof (`use_dpop_nonce` + `DPoP-Nonce` until the client
   * sends one). `true` uses a per-process secret. Default off: `jti` replay is refused through
   * the store anyway.
   */
  nonce?: boolean | DpopNonceOptions;
}

/**
 * DPoP at a resource (the `dpop` option of the MCP guard): `server.dpop` of an authorization
 * server with DPoP on, or these options for a resource server of its own.
 */
export interface ResourceDpopOptions extends DpopOptions {
  /** Where proof `jti`s are remembered: share it (Redis) between every instance of the resource. */
  store: Store;
  /**
   * The URL clients send requests to, as configured (never taken from `Host`, which a proxy may
   * rewrite): every proof's `htu` must be it. Default: the audience the token was checked for.
   */
  resourceUrl?: string;
  /**
   * Require DPoP-bound tokens: `true` for every client, or a function of the verified caller
   * (e.g. `(auth) => auth.clientId !== 'legacy'`). A Bearer token is then refused with a
   * `DPoP` challenge. Default `false`: Bearer and DPoP are both accepted (a DPoP-bound token
   * is never accepted as Bearer).
   */
  required?: boolean | ((auth: AuthContext) => boolean);
  /** A clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Issues and recognises server nonces, stateless (HMAC of the time period). */
export interface DpopNonces {
  /** The nonce of the current period (what `DPoP-Nonce` carries). */
  current(): Promise<string>;
  /** True for the nonce of the current or the previous period. */
  accepts(nonce: string): Promise<boolean>;
}

/** DPoP checked once: the proof verifier, the replay store and the nonce source. */
export interface DpopContext {
  readonly verifier: DpopProofVerifier;
  readonly store: Store;
  /** Defined when proofs must carry a server nonce. */
  readonly nonces: DpopNonces | undefined;
  /** How long a proof's `jti` is remembered: longer than the proof is acceptable. */
  readonly replayTtlMs: number;
}

const DEFAULT_NONCE_LIFETIME = 300;

/**
 * Stateless server nonces: the nonce of period `n` is an HMAC-SHA-256 of `n` under the secret,
 * so any instance with the secret recognises it without a store. A nonce is accepted in its
 * period and the next (so between `lifetime` and twice `lifetime` seconds). Each period's nonce
 * is computed once; checking one is a string comparison.
 */
export function createDpopNonces(
  options: DpopNonceOptions = {},
  now: () => number = Date.now,
  where = 'createDpopNonces',
): DpopNonces {
  const secret = options.secret ?? generateRandomToken(32);
  if (typeof secret !== 'string' || secret.length < 32)
    throw new TypeError(`${where}: nonce.secret must be a string of at least 32 characters`);
  const lifetime = options.lifetimeSeconds ?? DEFAULT_NONCE_LIFETIME;
  if (!Number.isInteger(lifetime) || lifetime < 10 || lifetime > 86_400)
    throw new TypeError(`${where}: nonce.lifetimeSeconds must be an integer from 10 to 86400`);
  const key = crypto.subtle.importKey(
    'raw',
    utf8Encode(secret) as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const periods = new Map<number, Promise<string>>();
  const nonceOf = (period: number): Promise<string> => {
    let nonce = periods.get(period);
    if (nonce === undefined) {
      nonce = key.then(async (k) => {
        const mac = await crypto.subtle.sign(
          'HMAC',
          k,
          utf8Encode(`mcp-auth dpop nonce ${period}`) as Uint8Array<ArrayBuffer>,
        );
        return base64UrlEncode(new Uint8Array(mac));
      });
      if (periods.size >= 4) periods.clear();
      periods.set(period, nonce);
    }
    return nonce;
  };
  const period = () => Math.floor(now() / (lifetime * 1000));
  return {
    current: () => nonceOf(period()),
    async accepts(nonce) {
      const p = period();
      return nonce === (await nonceOf(p)) || nonce === (await nonceOf(p - 1));
    },
  };
}

/**
 * Checks the DPoP options once (a `TypeError` says what to fix) and builds what both sides use.
 */
export function createDpopContext(
  options: DpopOptions,
  store: Store,
  now: () => number,
  where: string,
): DpopContext {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: dpop must be an object or true`);
  if (!store || typeof store.setIfAbsent !== 'function')
    throw new TypeError(`${where}: DPoP needs a store for its replay markers`);
  const verifier = createDpopProofVerifier({
    ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
    ...(options.iatWindowSeconds === undefined
      ? {}
      : { iatWindowSeconds: options.iatWindowSeconds }),
    now,
  });
  const nonce = options.nonce;
  if (nonce !== undefined && typeof nonce !== 'boolean' && (typeof nonce !== 'object' || !nonce))
    throw new TypeError(`${where}: dpop.nonce must be a boolean or { secret, lifetimeSeconds }`);
  const nonces =
    nonce === undefined || nonce === false
      ? undefined
      : createDpopNonces(nonce === true ? {} : nonce, now, `${where}: dpop`);
  return {
    verifier,
    store,
    nonces,
    // A proof is acceptable while iat ∈ [now − window − 1, now + window]: keep its jti longer.
    replayTtlMs: (2 * verifier.iatWindowSeconds + 2) * 1000,
  };
}

function describe(claim: string | undefined): string {
  switch (claim) {
    case 'htm':
      return 'The DPoP proof is for another HTTP method';
    case 'htu':
      return 'The DPoP proof is for another URL';
    case 'ath':
      return 'The DPoP proof is not bound to this access token';
    case 'iat':
      return 'The DPoP proof is too old or from the future';
    case 'alg':
      return 'The DPoP proof uses an algorithm this server does not accept';
    case 'jwk':
      return 'The DPoP proof key is missing, private or malformed';
    case 'typ':
      return 'The DPoP proof is not a dpop+jwt';
    default:
      return 'The DPoP proof is invalid';
  }
}

/**
 * Checks the `DPoP` header of one request (RFC 9449 §4.3): exactly one proof, verified for the
 * request (signature, `typ`, `alg`, public `jwk`, `htm`, `htu`, `iat`, `ath`), the server nonce
 * when nonces are on, and its `jti` used once through the store (a replay marker is never
 * evicted; a full or failing store refuses with 503). Rejects with `InvalidDpopProofError`,
 * `UseDpopNonceError` (with `DPoP-Nonce`) or `TemporarilyUnavailableError`; `status` is 400 at
 * the token endpoint and 401 at a resource. Messages never contain the proof or the token.
 */
export async function checkDpopProof(
  dpop: DpopContext,
  header: string | undefined,
  request: DpopProofRequest,
  status: 400 | 401,
): Promise<VerifiedDpopProof> {
  if (header === undefined || header.length === 0)
    throw new InvalidDpopProofError('A DPoP proof is required', { status });
  // One proof only: a repeated header arrives joined with ", " (a JWS never holds a comma).
  if (header.length > MAX_DPOP_PROOF_LENGTH || header.includes(','))
    throw new InvalidDpopProofError('Send exactly one DPoP proof of at most 4 KiB', { status });
  let proof: VerifiedDpopProof;
  try {
    proof = await dpop.verifier.verify(header.trim(), request);
  } catch (error) {
    if (!isJwtError(error)) throw error;
    throw new InvalidDpopProofError(describe(error.claim), { status, cause: error });
  }
  if (dpop.nonces !== undefined) {
    if (proof.nonce === undefined || !(await dpop.nonces.accepts(proof.nonce)))
      throw new UseDpopNonceError(await dpop.nonces.current(), undefined, { status });
  }
  // The durable replay marker, after every other check (so a refused proof writes nothing).
  // As storeCall, inlined: a failing store is a 503 (fail closed).
  let fresh: boolean;
  try {
    fresh = await dpop.store.setIfAbsent(
      STORE_KEYS.dpopProof(proof.jkt, proof.jti),
      1,
      dpop.replayTtlMs,
    );
  } catch (cause) {
    if (cause instanceof TypeError) throw cause;
    throw new TemporarilyUnavailableError(undefined, { cause });
  }
  if (!fresh) throw new InvalidDpopProofError('The DPoP proof was already used', { status });
  return proof;
}
