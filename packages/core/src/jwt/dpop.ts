import { JwtError } from '../errors/jwt-error.js';
import { sha256Base64Url, sha256Base64UrlSync } from '../runtime/sha256.js';
import { ALGORITHMS, isJwsAlgorithm } from './algorithms.js';
import { type AsymmetricJwsAlgorithm, computeJwkThumbprint, importJwk, type Jwk } from './keys.js';
import type { JwtHeader, JwtKey } from './types.js';
import { compileVerifyOptions, isPromiseLike, parseForVerify, verifyParsedSync } from './verify.js';

/**
 * The asymmetric algorithms a DPoP proof may be signed with by default (RFC 9449 §11.6: never
 * `none`, never a symmetric MAC). ES256 first: the MCP SDK v2 client signs with it.
 */
export const DPOP_ALGORITHMS: readonly AsymmetricJwsAlgorithm[] = Object.freeze([
  'ES256',
  'ES384',
  'EdDSA',
  'PS256',
  'RS256',
]);

/** Longest DPoP proof accepted, in characters, checked before anything is decoded. */
export const MAX_DPOP_PROOF_LENGTH = 4096;

/** Default `iat` window of a proof, in seconds either side of "now". */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60;

// The members of a private JWK (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2): a proof whose
// header carries any of them is refused (RFC 9449 §4.3 step 7).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};
// A `jti` we store: printable ASCII without spaces, at most 256 characters.
const JTI = /^[\x21-\x7e]{1,256}$/;

/** Options of {@link createDpopProofVerifier}. */
export interface DpopProofVerifierOptions {
  /** Accepted proof algorithms (asymmetric only). Default {@link DPOP_ALGORITHMS}. */
  algorithms?: readonly AsymmetricJwsAlgorithm[];
  /**
   * Seconds a proof's `iat` may lie before or after "now" (RFC 9449 §11.1). Default 60. Replay
   * markers must be kept for twice this long.
   */
  iatWindowSeconds?: number;
  /** A clock in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** What the request the proof comes with is: the proof must name exactly this. */
export interface DpopProofRequest {
  /** The HTTP method (`htm`), upper case. */
  readonly method: string;
  /**
   * The URL the request was sent to, as the server knows it from configuration (never from the
   * `Host` header): compared with `htu` after {@link normalizeDpopUrl} of both.
   */
  readonly url: string;
  /** The access token presented with the proof: its hash must be the proof's `ath`. */
  readonly accessToken?: string | undefined;
}

/** A verified DPoP proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key: the `cnf.jkt` it binds to. */
  readonly jkt: string;
  /** The proof's unique id (checked for syntax; single use is the caller's store check). */
  readonly jti: string;
  /** Issued-at, seconds since the epoch. */
  readonly iat: number;
  /** The server nonce the proof carries, if any (the caller checks it). */
  readonly nonce: string | undefined;
  /** The algorithm it was signed with. */
  readonly alg: AsymmetricJwsAlgorithm;
}

/** Verifies DPoP proofs under one configuration (see {@link createDpopProofVerifier}). */
export interface DpopProofVerifier {
  /** The accepted algorithms, for metadata and `algs` challenges. */
  readonly algorithms: readonly AsymmetricJwsAlgorithm[];
  /** The `iat` window in seconds. */
  readonly iatWindowSeconds: number;
  /** Verifies `proof` for `request`; rejects with a `JwtError` naming the failed check. */
  verify(proof: string, request: DpopProofRequest): Promise<VerifiedDpopProof>;
}

/**
 * `htu` normalised for comparison (RFC 9449 §4.3 step 9, RFC 3986 §6.2.2–6.2.3): scheme and
 * host lower case, the default port dropped, no query and no fragment. `undefined` for a value
 * that is not an absolute http(s) URL.
 */
export function normalizeDpopUrl(url: string): string | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The `ath` of an access token (RFC 9449 §4.2): base64url SHA-256 of its ASCII value. */
export function computeAccessTokenHash(accessToken: string): Promise<string> {
  return sha256Base64Url(accessToken);
}

function invalid(claim: string, message: string): JwtError {
  return new JwtError('ERR_JWT_CLAIM_INVALID', message, { claim });
}

function checkAlgorithms(value: unknown, where: string): readonly AsymmetricJwsAlgorithm[] {
  if (value === undefined) return DPOP_ALGORITHMS;
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${where}: algorithms must be a non-empty array`);
  for (const alg of value) {
    if (!isJwsAlgorithm(alg) || ALGORITHMS[alg].family === 'oct')
      throw new TypeError(
        `${where}: ${String(alg)} is not an asymmetric JWS algorithm (RFC 9449 §11.6: never none or HS*)`,
      );
  }
  return Object.freeze([...new Set(value as AsymmetricJwsAlgorithm[])]);
}

type ImportedKey = { readonly key: JwtKey; readonly jkt: string };
const KEY_CACHE_MAX = 1000;

/**
 * The proof's own key, from its `jwk` header (RFC 9449 §4.2): a public key of the family the
 * allowed `alg` needs, never a private one. Imported keys and their thumbprints are cached by
 * their members, so a client's every proof after the first costs one signature check; decoded
 * headers are shared per distinct segment (decode.ts), so `known` finds a client's next proofs'
 * key with one WeakMap lookup, without an await.
 */
function createHeaderKeys(algorithms: readonly AsymmetricJwsAlgorithm[]) {
  const cache = new Map<string, ImportedKey>();
  const byHeader = new WeakMap<JwtHeader, ImportedKey>();
  const importFor = async (header: JwtHeader): Promise<ImportedKey> => {
    const alg = header.alg as AsymmetricJwsAlgorithm;
    if (!algorithms.includes(alg))
      throw new JwtError('ERR_JWT_ALG_NOT_ALLOWED', 'The DPoP proof alg is not allowed', {
        claim: 'alg',
      });
    const jwk = header.jwk;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
      throw invalid('jwk', 'The DPoP proof has no jwk header');
    const members = jwk as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => members[m] !== undefined))
      throw invalid('jwk', 'The DPoP proof jwk holds private key material');
    const names = PUBLIC_MEMBERS[String(members.kty)];
    if (names === undefined || members.kty !== ALGORITHMS[alg].family)
      throw invalid('jwk', 'The DPoP proof jwk does not fit its alg');
    const publicJwk: Record<string, string> = {};
    for (const name of names) {
      const value = members[name];
      if (typeof value !== 'string' || value.length === 0 || value.length > 1024)
        throw invalid('jwk', 'The DPoP proof jwk is malformed');
      publicJwk[name] = value;
    }
    const id = `${alg} ${JSON.stringify(publicJwk)}`;
    let entry = cache.get(id);
    if (entry === undefined) {
      let key: JwtKey;
      try {
        key = await importJwk(publicJwk as unknown as Jwk, { alg });
      } catch (cause) {
        throw new JwtError('ERR_JWK_INVALID', 'The DPoP proof jwk cannot be imported', {
          claim: 'jwk',
          cause,
        });
      }
      entry = { key, jkt: await computeJwkThumbprint(publicJwk as unknown as Jwk) };
      if (cache.size >= KEY_CACHE_MAX) cache.clear();
      cache.set(id, entry);
    }
    if (Object.isFrozen(header)) byHeader.set(header, entry);
    return entry;
  };
  return { known: (header: JwtHeader) => byHeader.get(header), importFor };
}

/**
 * Creates a DPoP proof verifier (RFC 9449 §4.3): length cap, strict decoding, `typ: dpop+jwt`,
 * `alg` from the allow-list (never `none`/HS*), a public `jwk` header as the key, the signature,
 * then the claims: `jti`, `htm` and `htu` equal to the request's, `iat` within the window, and
 * `ath` equal to the access token's hash when one is presented. Single use of `jti` and the
 * server nonce are the caller's checks (they need a store and a nonce source).
 *
 * @throws TypeError for a bad option.
 */
export function createDpopProofVerifier(options: DpopProofVerifierOptions = {}): DpopProofVerifier {
  const where = 'createDpopProofVerifier';
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: options must be an object`);
  const algorithms = checkAlgorithms(options.algorithms, where);
  const window = options.iatWindowSeconds ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS;
  if (!Number.isInteger(window) || window < 1 || window > 3600)
    throw new TypeError(`${where}: iatWindowSeconds must be an integer from 1 to 3600`);
  if (options.now !== undefined && typeof options.now !== 'function')
    throw new TypeError(`${where}: now must be a function returning milliseconds`);
  const compiled = compileVerifyOptions(
    {
      typ: 'dpop+jwt',
      clockTolerance: window,
      maxTokenAge: 1,
      requireExp: false,
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      maxTokenLength: MAX_DPOP_PROOF_LENGTH,
      now: options.now ?? Date.now,
    },
    where,
  );
  const keys = createHeaderKeys(algorithms);
  // A client presents one token with many proofs: its hash is computed once (synchronously
  // where the runtime can), and the last one is found again by a string comparison.
  const hashes = new Map<string, string>();
  let lastToken: string | undefined;
  let lastHash = '';
  const athOf = (token: string): string | Promise<string> => {
    if (token === lastToken) return lastHash;
    const hash = hashes.get(token) ?? sha256Base64UrlSync(token);
    if (hash === undefined)
      return computeAccessTokenHash(token).then((computed) => remember(token, computed));
    return remember(token, hash);
  };
  const remember = (token: string, hash: string): string => {
    if (!hashes.has(token)) {
      if (hashes.size >= KEY_CACHE_MAX) hashes.clear();
      hashes.set(token, hash);
    }
    lastToken = token;
    lastHash = hash;
    return hash;
  };
  // A resource checks every proof against the same URL: normalise it once.
  let lastUrl = '';
  let lastExpected: string | undefined;
  const expectedUrl = (url: string): string | undefined => {
    if (url !== lastUrl) {
      lastExpected = normalizeDpopUrl(url);
      lastUrl = url;
    }
    return lastExpected;
  };

  return {
    algorithms,
    iatWindowSeconds: window,
    // With the key known and a synchronous signature check (the Node entry), nothing in here
    // waits: one promise per proof.
    async verify(proof, request) {
      const parsed = parseForVerify(proof, compiled);
      const { header } = parsed;
      const entry = keys.known(header) ?? (await keys.importFor(header));
      // maxTokenAge 1 + tolerance = window: iat ∈ [now − window − 1, now + window].
      const checked = verifyParsedSync(proof, parsed, entry.key, compiled);
      const { payload } = isPromiseLike(checked) ? await checked : checked;
      const { jti, htm, htu, iat, nonce, ath } = payload;
      if (typeof jti !== 'string' || !JTI.test(jti))
        throw invalid('jti', 'The DPoP proof jti is malformed');
      if (typeof htm !== 'string' || htm !== request.method)
        throw invalid('htm', 'The DPoP proof htm is not the request method');
      const expected = expectedUrl(request.url);
      // The usual proof names the URL exactly as normalised; only another spelling is parsed.
      if (
        typeof htu !== 'string' ||
        expected === undefined ||
        (htu !== expected && normalizeDpopUrl(htu) !== expected)
      )
        throw invalid('htu', 'The DPoP proof htu is not the request URL');
      if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length > 256))
        throw invalid('nonce', 'The DPoP proof nonce is malformed');
      if (request.accessToken !== undefined) {
        if (typeof ath !== 'string')
          throw invalid('ath', 'The DPoP proof has no ath for the access token');
        const hash = athOf(request.accessToken);
        if (ath !== (typeof hash === 'string' ? hash : await hash))
          throw invalid('ath', 'The DPoP proof ath is not the hash of the access token');
      }
      return {
        jkt: entry.jkt,
        jti,
        iat: iat as number,
        nonce,
        alg: header.alg as AsymmetricJwsAlgorithm,
      };
    },
  };
}
