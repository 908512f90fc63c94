/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, RFC 7521 §4.2): a client proves
 * who it is with a JWT it signed with a private key whose public half it registered (`jwks`)
 * or publishes (`jwks_uri`). Also the reusable pieces for other JWT assertions (ID-JAG):
 * {@link createJwksKeySource} (a registered JWKS or a URL fetched under the SSRF rules of
 * Client ID Metadata Documents) and {@link consumeAssertionJti} (single use through the store).
 */
import { InvalidClientError } from '../errors/oauth-error.js';
import { isJwtError, JwtError } from '../errors/jwt-error.js';
import { DEFAULT_ASSERTION_ALGORITHMS, verifyJwtAssertion } from '../jwt/assertion.js';
import { buildKeySet, type LocalKeySet } from '../jwt/key-set.js';
import type { Jwks } from '../jwt/keys.js';
import { createRemoteKeySet } from '../jwt/remote-key-set.js';
import type { JwsAlgorithm, JwtHeader, JwtKey } from '../jwt/types.js';
import type { KeySet } from '../jwt/verify.js';
import { checkOutboundUrl } from '../net/host.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { STORE_KEYS } from '../store/keys.js';
import { type Store, storeCall } from '../store/store.js';
import { defaultOutboundFetch } from './outbound-fetch.js';
import type { ClientAssertionVerifier, ClientRecord } from './types.js';

/** The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER_CLIENT_ASSERTION_TYPE =
  'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Options of {@link createJwksKeySource}. */
export interface JwksSourceOptions {
  /**
   * Allow `http://` loopback JWKS URLs (development and tests only: it opens server-side
   * requests to this machine). Default `false`.
   */
  allowInsecureLoopback?: boolean;
  /**
   * The fetch for `jwks_uri`. Default: on Node, one that checks the address each connection is
   * made to (a name resolving to a private address is refused), as for Client ID Metadata
   * Documents; elsewhere the global `fetch` (URL checks only).
   */
  fetch?: typeof fetch;
  /** Timeout of one JWKS fetch in milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Largest JWKS document accepted, in bytes. Default 64 KiB. */
  maxBytes?: number;
}

/** Where a JWKS comes from: the document itself, or an https URL serving it. */
export type JwksSource = { readonly jwks: Jwks } | { readonly jwksUri: string };

function unusable(message: string): JwtError {
  return new JwtError('ERR_JWKS_FETCH_FAILED', message);
}

/**
 * A {@link KeySet} over a JWKS given inline or by URL. A URL must pass the outbound rules of
 * Client ID Metadata Documents (`checkOutboundUrl`: https, no private, loopback, link-local or
 * local-only host, unless `allowInsecureLoopback`); otherwise every lookup rejects with a
 * `JwtError` (`ERR_JWKS_FETCH_FAILED`) and nothing is fetched. A fetched JWKS is cached
 * (10 minutes), refetched at most every 30 s for an unknown `kid`, capped in size and time,
 * never follows a redirect. Inline JWKS are imported on first use; unusable keys are skipped.
 */
export function createJwksKeySource(source: JwksSource, options: JwksSourceOptions = {}): KeySet {
  if ('jwksUri' in source) {
    let url: URL | undefined;
    try {
      url = new URL(source.jwksUri);
    } catch {
      url = undefined;
    }
    const problem =
      url === undefined
        ? 'is not a URL'
        : checkOutboundUrl(url, { allowInsecureLoopback: options.allowInsecureLoopback === true });
    if (url === undefined || problem !== undefined) {
      const refusal = unusable(`The JWKS URL ${problem ?? 'is not allowed'}`);
      return { resolveKey: () => Promise.reject(refusal) };
    }
    const fetchImpl =
      options.fetch ??
      defaultOutboundFetch({ allowInsecureLoopback: options.allowInsecureLoopback === true });
    if (fetchImpl === undefined) {
      throw new TypeError('createJwksKeySource: no global fetch; pass options.fetch');
    }
    return createRemoteKeySet(url, {
      fetch: fetchImpl,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
  }
  let set: Promise<LocalKeySet> | undefined;
  return {
    resolveKey(header: JwtHeader): Promise<JwtKey> {
      set ??= buildKeySet(source.jwks, true);
      return set.then((keys) => keys.resolveKey(header));
    },
  };
}

/** Input of {@link consumeAssertionJti}. */
export interface ConsumeAssertionJtiInput {
  /** What kind of assertion (e.g. `client-assertion`, `id-jag`): separate namespaces. */
  readonly kind: string;
  /** The assertion's `iss`. */
  readonly issuer: string;
  /** The assertion's `jti`. */
  readonly jti: string;
  /** The assertion's `exp`, seconds since the epoch: the marker lives until then. */
  readonly expiresAt: number;
  /** Seconds of clock tolerance the verifier allowed past `exp`. Default 30. */
  readonly clockTolerance?: number;
  /** Now, in milliseconds. Default `Date.now()`. */
  readonly nowMs?: number;
}

/**
 * Marks an assertion's `jti` as used (RFC 7523 §3 item 7): `true` the first time, `false` for a
 * replay. The marker is durable (never evicted to make room) and lives until the assertion
 * expires (plus the clock tolerance), so a replay is caught for as long as the assertion
 * would verify. A store failure or a full store rejects with `TemporarilyUnavailableError`
 * (503): the assertion is refused, never accepted unchecked.
 */
export async function consumeAssertionJti(
  store: Store,
  input: ConsumeAssertionJtiInput,
): Promise<boolean> {
  const nowMs = input.nowMs ?? Date.now();
  const until = (input.expiresAt + (input.clockTolerance ?? 30)) * 1000;
  const ttlMs = Math.max(1000, Math.ceil(until - nowMs));
  const key = STORE_KEYS.assertionJti(
    await sha256Base64Url(`${input.kind}\u0000${input.issuer}\u0000${input.jti}`),
  );
  return storeCall(store.setIfAbsent(key, 1, ttlMs));
}

/** Options of {@link createClientAssertionVerifier}. */
export interface ClientAssertionOptions extends JwksSourceOptions {
  /**
   * The longest a client assertion may still be valid (`exp` − now), in seconds. Default 300
   * (the v2 MCP client signs 300-second assertions).
   */
  maxLifetimeSeconds?: number;
  /** Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds. Default 30. */
  clockToleranceSeconds?: number;
}

/** What {@link createClientAssertionVerifier} needs besides its options. */
export interface ClientAssertionContext {
  /** The authorization server's issuer identifier: an accepted `aud`. */
  readonly issuer: string;
  /** The token endpoint URL: the other accepted `aud`. */
  readonly tokenEndpoint: string;
  /** Where used `jti`s are remembered. */
  readonly store: Store;
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

// Key sets of clients, so a jwks_uri is not fetched for every request. A cache: when full,
// the oldest is dropped (it is only rebuilt or refetched).
const MAX_CACHED_SOURCES = 1000;

/**
 * The `private_key_jwt` verifier of an authorization server. For a client registered with
 * `token_endpoint_auth_method: private_key_jwt`, an assertion is accepted when (RFC 7523 §3):
 * it verifies with a public key of the client's `jwks` / `jwks_uri` under the client's
 * `token_endpoint_auth_signing_alg` (default {@link DEFAULT_ASSERTION_ALGORITHMS}; never
 * `none` or `HS*`); `iss` = `sub` = the client id; `aud` is the issuer or the token endpoint
 * URL (a string, or an array holding one of them); `exp` is present, not past and at most
 * `maxLifetimeSeconds` ahead; `iat`/`nbf` are not in the future beyond the tolerance; `jti` is
 * present and used for the first time ({@link consumeAssertionJti}). Anything else rejects with
 * `InvalidClientError` (401) whose description never holds the assertion; a store failure
 * with `TemporarilyUnavailableError` (503).
 */
export function createClientAssertionVerifier(
  context: ClientAssertionContext,
  options: ClientAssertionOptions = {},
): ClientAssertionVerifier {
  const now = context.now ?? Date.now;
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  const tolerance = options.clockToleranceSeconds ?? 30;
  for (const [name, value] of [
    ['maxLifetimeSeconds', maxLifetime],
    ['clockToleranceSeconds', tolerance],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3600) {
      throw new TypeError(`createAuthorizationServer: privateKeyJwt.${name} must be 0-3600`);
    }
  }
  const audience = [...new Set([context.issuer, context.tokenEndpoint])];
  const sources = new Map<string, KeySet>();

  function keysOf(client: ClientRecord): KeySet | undefined {
    const source: JwksSource | undefined =
      client.jwksUri !== undefined
        ? { jwksUri: client.jwksUri }
        : client.jwks !== undefined
          ? { jwks: client.jwks }
          : undefined;
    if (source === undefined) return undefined;
    const id = `${client.clientId}\u0000${'jwksUri' in source ? source.jwksUri : JSON.stringify(source.jwks)}`;
    let keys = sources.get(id);
    if (keys === undefined) {
      keys = createJwksKeySource(source, options);
      if (sources.size >= MAX_CACHED_SOURCES) {
        const oldest = sources.keys().next();
        if (!oldest.done) sources.delete(oldest.value);
      }
      sources.set(id, keys);
    }
    return keys;
  }

  return {
    async verify(assertion: string, client: ClientRecord): Promise<void> {
      if (client.tokenEndpointAuthMethod !== 'private_key_jwt') throw new InvalidClientError();
      const keys = keysOf(client);
      if (keys === undefined) throw new InvalidClientError('The client has no registered keys');
      const algorithms: readonly JwsAlgorithm[] =
        client.tokenEndpointAuthSigningAlg !== undefined
          ? [client.tokenEndpointAuthSigningAlg]
          : DEFAULT_ASSERTION_ALGORITHMS;
      let exp: number;
      let jti: string;
      try {
        const { payload } = await verifyJwtAssertion(assertion, keys, {
          issuer: client.clientId,
          subject: client.clientId,
          audience,
          algorithms,
          maxLifetimeSeconds: maxLifetime,
          clockTolerance: tolerance,
          now,
        });
        exp = payload.exp as number;
        jti = payload.jti as string;
      } catch (error) {
        if (!isJwtError(error)) throw error;
        throw new InvalidClientError(describeAssertionError(error), { cause: error });
      }
      const first = await consumeAssertionJti(context.store, {
        kind: 'client-assertion',
        issuer: client.clientId,
        jti,
        expiresAt: exp,
        clockTolerance: tolerance,
        nowMs: now(),
      });
      if (!first) throw new InvalidClientError('The client assertion was already used');
    },
  };
}

/** A description of a refused assertion that names the check, never the assertion's content. */
export function describeAssertionError(error: JwtError): string {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'The client assertion has expired';
    case 'ERR_JWT_NOT_YET_VALID':
      return 'The client assertion is not valid yet';
    case 'ERR_JWT_ALG_NOT_ALLOWED':
      return 'The client assertion algorithm is not accepted';
    case 'ERR_JWT_KEY_NOT_FOUND':
      return 'No registered key of the client matches the assertion';
    case 'ERR_JWT_SIGNATURE_INVALID':
      return 'The client assertion signature is invalid';
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWK_INVALID':
      return "The client's keys could not be used";
    case 'ERR_JWT_CLAIM_INVALID':
      return `The client assertion ${error.claim ?? 'claims'} is invalid`;
    default:
      return 'The client assertion is invalid';
  }
}
