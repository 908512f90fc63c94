import { generateRandomToken } from '../../encoding/random.js';
import { timingSafeEqual } from '../../encoding/constant-time.js';
import { isJwtError } from '../../errors/jwt-error.js';
import {
  InvalidGrantError,
  isOAuthError,
  TemporarilyUnavailableError,
} from '../../errors/oauth-error.js';
import { createRemoteKeySet } from '../../jwt/remote-key-set.js';
import type { KeySet } from '../../jwt/verify.js';
import { verifyJwt } from '../../jwt/verify.js';
import { computeS256Challenge, generateCodeVerifier } from '../../pkce.js';
import type { StoreValue } from '../../store/store.js';
import { defaultOutboundFetch } from '../outbound-fetch.js';
import type { RedirectIdentityProvider } from '../types.js';
import type { Identity, UpstreamTokens } from '../../domain/identity.js';
import {
  fetchJson,
  guardedFetch,
  type OutboundSettings,
  requireSafeUrl,
  UpstreamIdentityError,
} from './upstream-http.js';

/** What the upstream IdP told us about the user, handed to {@link UpstreamOAuthProviderOptions.mapIdentity}. */
export interface UpstreamUser {
  /** The upstream subject: the verified ID token's `sub`, else userinfo's `sub` (or `id`). */
  readonly subject: string | undefined;
  /** All claims: userinfo merged with the verified ID token's claims (ID token wins). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The verified ID token's claims, when the upstream is an OpenID Provider. */
  readonly idTokenClaims: Readonly<Record<string, unknown>> | undefined;
  /** The userinfo response, when a userinfo endpoint is configured or discovered. */
  readonly userinfo: Readonly<Record<string, unknown>> | undefined;
  /** The upstream issuer, when known. */
  readonly issuer: string | undefined;
  /** The scopes the upstream granted (its token response's `scope`), when it said. */
  readonly scope: string | undefined;
}

/** What {@link UpstreamOAuthProviderOptions.mapIdentity} returns: our {@link Identity}. */
export interface MappedIdentity {
  /** The token `sub` for this user; keep it stable (e.g. the upstream `sub`). */
  sub: string;
  /** Attributes copied into tokens for policies. */
  attributes?: Readonly<Record<string, StoreValue>>;
  /** The MCP scopes this user may be granted at most. */
  grantableScopes: readonly string[];
  /** Shown on pages. */
  displayName?: string;
}

/** How we authenticate to the upstream token endpoint. */
export type UpstreamClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Options of {@link UpstreamOAuthProvider}. */
export interface UpstreamOAuthProviderOptions {
  /**
   * The upstream issuer. With no `authorizationEndpoint`, the endpoints come from OIDC
   * discovery (`/.well-known/openid-configuration`, then RFC 8414
   * `/.well-known/oauth-authorization-server`); the document's `issuer` must equal this
   * exactly. Also the expected `iss` of ID tokens and of RFC 9207 `iss` callback parameters.
   */
  issuer?: string;
  /** The upstream authorization endpoint (configured mode). */
  authorizationEndpoint?: string;
  /** The upstream token endpoint (configured mode). */
  tokenEndpoint?: string;
  /** The upstream userinfo endpoint (e.g. `https://api.github.com/user`). */
  userinfoEndpoint?: string;
  /**
   * The upstream RFC 7009 revocation endpoint (configured mode; discovered from
   * `revocation_endpoint` otherwise). Without one, revoking a grant cannot revoke upstream.
   */
  revocationEndpoint?: string;
  /**
   * The upstream JWKS, to verify ID tokens (configured mode; discovered otherwise). Required
   * with `openid` in `scopes`: an ID token is never kept or used unless verified.
   */
  jwksUri?: string;
  /** Our client id at the upstream. */
  clientId: string;
  /** Our client secret at the upstream (confidential client). */
  clientSecret?: string;
  /** Default `client_secret_basic` with a secret, `none` without. */
  tokenEndpointAuthMethod?: UpstreamClientAuthMethod;
  /** Scopes requested upstream. Default `['openid']` in discovery mode, none otherwise. */
  scopes?: readonly string[];
  /** Extra authorization-request parameters (e.g. `{ prompt: 'login' }`). */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Maps the upstream user to our identity: `sub`, attributes and grantable MCP scopes. */
  mapIdentity: (user: UpstreamUser) => MappedIdentity | Promise<MappedIdentity>;
  /**
   * Allow `http:` upstream URLs on loopback hosts. For tests and local development only;
   * private, link-local and loopback targets are otherwise refused (SECURITY-CASES 23).
   */
  allowInsecureLoopback?: boolean;
  /**
   * The `fetch` for discovery, token, userinfo and JWKS requests. Default: on Node, one that
   * checks the address each connection is made to (names resolving to private addresses and
   * DNS rebinding are refused); elsewhere the global one, which cannot see which address a
   * name resolved to: pass one that pins and checks resolved addresses where that matters.
   */
  fetch?: typeof fetch;
  /** Timeout of each upstream request, in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Largest upstream response body accepted. Default 256 KiB. */
  maxResponseBytes?: number;
  /** Clock skew tolerated on ID tokens, in seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** How long discovered metadata is reused, in seconds. Default 3600. */
  discoveryCacheSeconds?: number;
  /** Clock in milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Endpoints {
  issuer: string | undefined;
  authorization: URL;
  token: URL;
  userinfo: URL | undefined;
  revocation: URL | undefined;
  keys: KeySet | undefined;
  issParameterSupported: boolean;
}

interface LoginData {
  verifier: string;
  nonce: string | undefined;
  redirectUri: string;
}

function isLoginData(value: unknown): value is LoginData {
  const d = value as Partial<LoginData> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.verifier === 'string' &&
    typeof d.redirectUri === 'string' &&
    (d.nonce === undefined || d.nonce === null || typeof d.nonce === 'string')
  );
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Proxy mode (issue 4): the user logs in at an external OAuth 2.0 / OpenID Connect provider,
 * and this server issues its own tokens for the MCP resource. Upstream it is a regular client:
 * PKCE S256 and core's single-use `state` on every request, a fresh `nonce` when it asks for
 * `openid`, exact `iss` checks (RFC 9207 and the ID token), ID tokens verified against the
 * upstream JWKS. The upstream tokens go back to core, which keeps them server-side under the
 * grant (never in a token a client can read).
 *
 * Every upstream URL must be `https:` and must not name a private, loopback or link-local
 * address (SECURITY-CASES 23); server-side requests never follow redirects, have a timeout
 * and a size cap.
 *
 * @throws TypeError when the options are inconsistent or a URL is not allowed.
 */
export class UpstreamOAuthProvider implements RedirectIdentityProvider {
  readonly kind = 'redirect' as const;
  readonly #options: UpstreamOAuthProviderOptions;
  readonly #settings: OutboundSettings;
  readonly #authMethod: UpstreamClientAuthMethod;
  readonly #scopes: readonly string[];
  readonly #now: () => number;
  #endpoints: { value: Promise<Endpoints>; expiresAt: number } | undefined;

  constructor(options: UpstreamOAuthProviderOptions) {
    const where = 'UpstreamOAuthProvider';
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${where}: options are required`);
    }
    if (typeof options.clientId !== 'string' || options.clientId.length === 0) {
      throw new TypeError(`${where}: clientId is required`);
    }
    if (typeof options.mapIdentity !== 'function') {
      throw new TypeError(
        `${where}: mapIdentity (upstream user → sub, attributes, scopes) is required`,
      );
    }
    const fetchImpl =
      options.fetch ??
      defaultOutboundFetch({ allowInsecureLoopback: options.allowInsecureLoopback === true });
    if (typeof fetchImpl !== 'function') throw new TypeError(`${where}: no fetch is available`);
    const positive = (value: number | undefined, fallback: number, name: string) => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value <= 0) {
        throw new TypeError(`${where}: ${name} must be a positive number`);
      }
      return value;
    };
    this.#settings = {
      fetch: fetchImpl.bind(globalThis),
      allowInsecureLoopback: options.allowInsecureLoopback === true,
      timeoutMs: positive(options.timeoutMs, 10_000, 'timeoutMs'),
      maxResponseBytes: positive(options.maxResponseBytes, 256 * 1024, 'maxResponseBytes'),
    };
    positive(options.clockToleranceSeconds, 60, 'clockToleranceSeconds');
    positive(options.discoveryCacheSeconds, 3600, 'discoveryCacheSeconds');
    this.#authMethod =
      options.tokenEndpointAuthMethod ??
      (options.clientSecret === undefined ? 'none' : 'client_secret_basic');
    if (!['none', 'client_secret_basic', 'client_secret_post'].includes(this.#authMethod)) {
      throw new TypeError(`${where}: tokenEndpointAuthMethod is not supported`);
    }
    if (this.#authMethod !== 'none' && !options.clientSecret) {
      throw new TypeError(`${where}: clientSecret is required for ${this.#authMethod}`);
    }
    const discovery = options.authorizationEndpoint === undefined;
    if (discovery && options.issuer === undefined) {
      throw new TypeError(
        `${where}: give either issuer (OIDC discovery) or authorizationEndpoint and tokenEndpoint`,
      );
    }
    if (options.issuer !== undefined) requireSafeUrl(options.issuer, 'issuer', this.#settings);
    if (!discovery) {
      requireSafeUrl(options.authorizationEndpoint, 'authorizationEndpoint', this.#settings);
      requireSafeUrl(options.tokenEndpoint, 'tokenEndpoint', this.#settings);
      if (options.userinfoEndpoint !== undefined) {
        requireSafeUrl(options.userinfoEndpoint, 'userinfoEndpoint', this.#settings);
      }
      if (options.jwksUri !== undefined) requireSafeUrl(options.jwksUri, 'jwksUri', this.#settings);
      if (options.revocationEndpoint !== undefined) {
        requireSafeUrl(options.revocationEndpoint, 'revocationEndpoint', this.#settings);
      }
      if (options.jwksUri !== undefined && options.issuer === undefined) {
        throw new TypeError(`${where}: issuer is required to verify ID tokens (jwksUri)`);
      }
      if (options.userinfoEndpoint === undefined && options.jwksUri === undefined) {
        throw new TypeError(
          `${where}: configure userinfoEndpoint or jwksUri (+ issuer) to learn who the user is`,
        );
      }
    }
    this.#scopes = [...(options.scopes ?? (discovery ? ['openid'] : []))];
    // Never an ID token we cannot verify (issue 19 item 6): `openid` needs a key set.
    if (!discovery && this.#scopes.includes('openid') && options.jwksUri === undefined) {
      throw new TypeError(
        `${where}: scopes include 'openid' but no jwksUri (+ issuer) is configured to verify ID tokens; add jwksUri and issuer, or drop 'openid'`,
      );
    }
    this.#now = options.now ?? Date.now;
    this.#options = options;
  }

  /** Resolves (and caches) the upstream endpoints: configured, or from discovery. */
  async #resolve(): Promise<Endpoints> {
    const cached = this.#endpoints;
    if (cached && cached.expiresAt > this.#now()) return cached.value;
    const value = this.#load();
    const ttl = (this.#options.discoveryCacheSeconds ?? 3600) * 1000;
    this.#endpoints = { value, expiresAt: this.#now() + ttl };
    // A failed discovery is retried on the next login instead of being cached.
    value.catch(() => {
      if (this.#endpoints?.value === value) this.#endpoints = undefined;
    });
    return value;
  }

  async #load(): Promise<Endpoints> {
    const o = this.#options;
    const keys = (uri: string | undefined) =>
      uri === undefined
        ? undefined
        : createRemoteKeySet(uri, {
            fetch: guardedFetch(this.#settings),
            timeoutMs: this.#settings.timeoutMs,
          });
    if (o.authorizationEndpoint !== undefined) {
      return {
        issuer: o.issuer,
        authorization: new URL(o.authorizationEndpoint),
        token: new URL(o.tokenEndpoint as string),
        userinfo: o.userinfoEndpoint === undefined ? undefined : new URL(o.userinfoEndpoint),
        revocation: o.revocationEndpoint === undefined ? undefined : new URL(o.revocationEndpoint),
        keys: keys(o.jwksUri),
        issParameterSupported: false,
      };
    }
    const issuer = o.issuer as string;
    const meta = await this.#discover(issuer);
    const fail = (what: string) =>
      new UpstreamIdentityError('discovery_failed', `The upstream metadata ${what}`);
    if (meta['issuer'] !== issuer) throw fail('names another issuer');
    const url = (name: string, required: boolean): URL | undefined => {
      const value = meta[name];
      if (value === undefined && !required) return undefined;
      try {
        return requireSafeUrl(value, name, this.#settings);
      } catch {
        throw fail(`has a missing or disallowed ${name}`);
      }
    };
    const methods = meta['code_challenge_methods_supported'];
    if (Array.isArray(methods) && !methods.includes('S256'))
      throw fail('does not support PKCE S256');
    const jwks = url('jwks_uri', false);
    const userinfo = url('userinfo_endpoint', false);
    if (jwks === undefined && userinfo === undefined)
      throw fail('has neither jwks_uri nor userinfo_endpoint');
    if (jwks === undefined && this.#scopes.includes('openid'))
      throw fail('has no jwks_uri to verify ID tokens with (openid is requested)');
    return {
      issuer,
      authorization: url('authorization_endpoint', true) as URL,
      token: url('token_endpoint', true) as URL,
      userinfo,
      revocation: o.revocationEndpoint
        ? new URL(o.revocationEndpoint)
        : url('revocation_endpoint', false),
      keys: keys(jwks?.href),
      issParameterSupported: meta['authorization_response_iss_parameter_supported'] === true,
    };
  }

  async #discover(issuer: string): Promise<Record<string, unknown>> {
    const base = new URL(issuer);
    const path = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
    // OIDC Discovery §4: issuer + /.well-known/openid-configuration;
    // RFC 8414 §3.1: /.well-known/oauth-authorization-server inserted before the path.
    const candidates = [
      new URL(`${base.origin}${path}/.well-known/openid-configuration`),
      new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`),
    ];
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        const { status, body } = await fetchJson(this.#settings, candidate, {}, 'discovery_failed');
        if (status === 200) return body;
        lastError = new UpstreamIdentityError(
          'discovery_failed',
          'The upstream metadata is unavailable',
        );
      } catch (error) {
        if (isOAuthError(error) && error.code === 'temporarily_unavailable') throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Builds the upstream authorization URL: PKCE S256, core's `state`, a fresh `nonce`. */
  async startLogin(input: {
    state: string;
    redirectUri: string;
    scopes: readonly string[];
  }): Promise<{ url: URL; data: StoreValue }> {
    if (typeof input?.state !== 'string' || input.state.length < 16) {
      throw new TypeError('UpstreamOAuthProvider.startLogin: state must be an unguessable string');
    }
    const endpoints = await this.#resolve();
    const verifier = generateCodeVerifier();
    const openid = this.#scopes.includes('openid');
    const nonce = openid ? generateRandomToken(32) : undefined;
    const url = new URL(endpoints.authorization);
    for (const [name, value] of Object.entries(this.#options.authorizationParams ?? {})) {
      url.searchParams.set(name, value);
    }
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.#options.clientId);
    url.searchParams.set('redirect_uri', input.redirectUri);
    if (this.#scopes.length > 0) url.searchParams.set('scope', this.#scopes.join(' '));
    url.searchParams.set('state', input.state);
    url.searchParams.set('code_challenge', await computeS256Challenge(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    if (nonce !== undefined) url.searchParams.set('nonce', nonce);
    const data: LoginData = { verifier, nonce, redirectUri: input.redirectUri };
    return { url, data: data as unknown as StoreValue };
  }

  /**
   * Completes the upstream login: checks the callback (`error`, RFC 9207 `iss`), redeems the
   * code with the PKCE verifier, verifies the ID token (signature, `iss`, `aud`, `nonce`,
   * `exp`), reads userinfo, and maps the user through `mapIdentity`.
   *
   * Rejects with {@link UpstreamIdentityError} (a stable `reason`) or
   * `TemporarilyUnavailableError` when the upstream cannot be reached.
   */
  async completeLogin(input: {
    params: URLSearchParams;
    redirectUri: string;
    data: StoreValue;
  }): Promise<{ identity: Identity; upstreamTokens?: UpstreamTokens }> {
    const { params, data } = input;
    if (!isLoginData(data) || data.redirectUri !== input.redirectUri) {
      throw new UpstreamIdentityError('invalid_callback', 'The login state is invalid');
    }
    const endpoints = await this.#resolve();
    // RFC 9207 §2.4: a mismatching iss means a mix-up attack; refuse before using the code.
    const iss = params.get('iss');
    const issWrong = iss !== null ? iss !== endpoints.issuer : endpoints.issParameterSupported;
    if (endpoints.issuer !== undefined && issWrong) {
      throw new UpstreamIdentityError('issuer_mismatch', 'The authorization response iss is wrong');
    }
    const error = params.get('error');
    if (error !== null) {
      throw new UpstreamIdentityError(
        error === 'access_denied' ? 'upstream_denied' : 'upstream_error',
        'The identity provider refused the login',
      );
    }
    const code = params.get('code');
    if (!code) throw new UpstreamIdentityError('invalid_callback', 'The callback has no code');

    const tokenResponse = await this.#redeem(endpoints.token, code, data);
    const now = this.#now();
    const accessToken = optionalString(tokenResponse['access_token']);
    const tokenType = optionalString(tokenResponse['token_type']);
    if (!accessToken || (tokenType !== undefined && tokenType.toLowerCase() !== 'bearer')) {
      throw new UpstreamIdentityError('invalid_token_response', 'The token response is invalid');
    }
    const idToken = optionalString(tokenResponse['id_token']);
    let idTokenClaims: Record<string, unknown> | undefined;
    if (data.nonce && !idToken) {
      throw new UpstreamIdentityError('id_token_invalid', 'The OpenID Provider sent no ID token');
    }
    const verifiable = endpoints.keys !== undefined && endpoints.issuer !== undefined;
    if (idToken !== undefined && verifiable) {
      idTokenClaims = await this.#verifyIdToken(idToken, endpoints, data, now);
    }
    // An ID token we could not verify (sent unasked, no key set) is dropped, never kept.
    const keptIdToken = idTokenClaims === undefined ? undefined : idToken;
    let userinfo: Record<string, unknown> | undefined;
    if (endpoints.userinfo !== undefined) {
      const { status, body } = await fetchJson(
        this.#settings,
        endpoints.userinfo,
        { headers: { authorization: `Bearer ${accessToken}` } },
        'userinfo_failed',
      );
      if (status !== 200)
        throw new UpstreamIdentityError('userinfo_failed', 'Userinfo was refused');
      userinfo = body;
      // OIDC Core §5.3.2: the userinfo sub must match the ID token's.
      if (idTokenClaims && userinfo['sub'] !== idTokenClaims['sub']) {
        throw new UpstreamIdentityError('subject_mismatch', 'Userinfo names another user');
      }
    }
    if (idTokenClaims === undefined && userinfo === undefined) {
      throw new UpstreamIdentityError(
        'id_token_invalid',
        'The identity provider did not say who the user is',
      );
    }
    const idSub = idTokenClaims?.['sub'];
    const infoSub = userinfo?.['sub'] ?? userinfo?.['id'];
    const subject =
      typeof idSub === 'string'
        ? idSub
        : typeof infoSub === 'string' || typeof infoSub === 'number'
          ? String(infoSub)
          : undefined;
    const scope = optionalString(tokenResponse['scope']);
    const user: UpstreamUser = {
      subject,
      claims: Object.freeze({ ...(userinfo ?? {}), ...(idTokenClaims ?? {}) }),
      idTokenClaims: idTokenClaims && Object.freeze({ ...idTokenClaims }),
      userinfo: userinfo && Object.freeze({ ...userinfo }),
      issuer: endpoints.issuer,
      scope,
    };
    const identity = await this.#map(user);

    const expiresIn = tokenResponse['expires_in'];
    const refreshToken = optionalString(tokenResponse['refresh_token']);
    const upstreamTokens: UpstreamTokens = {
      accessToken,
      tokenType: tokenType ?? 'Bearer',
      ...(refreshToken ? { refreshToken } : {}),
      ...(keptIdToken ? { idToken: keptIdToken } : {}),
      ...(scope ? { scope } : {}),
      ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
        ? { expiresAt: Math.floor(now / 1000) + Math.floor(expiresIn) }
        : {}),
    };
    return { identity, upstreamTokens };
  }

  async #redeem(
    tokenEndpoint: URL,
    code: string,
    data: LoginData,
  ): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: data.redirectUri,
      code_verifier: data.verifier,
    });
    const { status, body } = await this.#post(tokenEndpoint, form, 'token_request_failed');
    if (status !== 200) {
      throw new UpstreamIdentityError(
        'token_request_failed',
        'The identity provider refused the code',
      );
    }
    return body;
  }

  /** POSTs a form to an upstream endpoint, authenticated as our client there. */
  #post(
    endpoint: URL,
    form: URLSearchParams,
    reason: 'token_request_failed' | 'refresh_failed',
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers = this.#authenticate(form);
    return fetchJson(
      this.#settings,
      endpoint,
      { method: 'POST', headers, body: form.toString() },
      reason,
    );
  }

  /** The request headers (and form fields) that authenticate us as the upstream's client. */
  #authenticate(form: URLSearchParams): Record<string, string> {
    const o = this.#options;
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    if (this.#authMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: form-urlencode each part before joining and base64-encoding.
      const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
      const raw = `${enc(o.clientId)}:${enc(o.clientSecret as string)}`;
      headers['authorization'] =
        `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(raw)))}`;
    } else {
      form.set('client_id', o.clientId);
      if (this.#authMethod === 'client_secret_post')
        form.set('client_secret', o.clientSecret as string);
    }
    return headers;
  }

  /**
   * Redeems the upstream refresh token (RFC 6749 §6) for new tokens. A refreshed ID token is
   * not kept (the verified one from the sign-in stays); a refresh token the IdP rotated
   * replaces the old one. Rejects with `InvalidGrantError` when the IdP refused the refresh
   * token, {@link UpstreamIdentityError} (`refresh_failed`) for other refusals, and
   * `TemporarilyUnavailableError` when the IdP is unreachable.
   */
  async refreshTokens(tokens: UpstreamTokens): Promise<UpstreamTokens> {
    if (typeof tokens?.refreshToken !== 'string' || tokens.refreshToken.length === 0) {
      throw new InvalidGrantError('There is no upstream refresh token');
    }
    const endpoints = await this.#resolve();
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: tokens.refreshToken,
    });
    const { status, body } = await this.#post(endpoints.token, form, 'refresh_failed');
    if (status !== 200) {
      if (body['error'] === 'invalid_grant') {
        throw new InvalidGrantError('The identity provider refused the refresh token');
      }
      throw new UpstreamIdentityError('refresh_failed', 'The identity provider refused to refresh');
    }
    const accessToken = optionalString(body['access_token']);
    const tokenType = optionalString(body['token_type']);
    if (!accessToken || (tokenType !== undefined && tokenType.toLowerCase() !== 'bearer')) {
      throw new UpstreamIdentityError('invalid_token_response', 'The token response is invalid');
    }
    const expiresIn = body['expires_in'];
    const refreshToken = optionalString(body['refresh_token']);
    const scope = optionalString(body['scope']) ?? tokens.scope;
    return {
      accessToken,
      tokenType: tokenType ?? 'Bearer',
      refreshToken: refreshToken ?? tokens.refreshToken,
      ...(tokens.idToken ? { idToken: tokens.idToken } : {}),
      ...(scope ? { scope } : {}),
      ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0
        ? { expiresAt: Math.floor(this.#now() / 1000) + Math.floor(expiresIn) }
        : {}),
    };
  }

  /**
   * Revokes the upstream refresh token and access token at the IdP's RFC 7009 revocation
   * endpoint (configured, or `revocation_endpoint` from discovery); does nothing when the IdP
   * has none. Rejects with {@link UpstreamIdentityError} (`revocation_failed`) when refused.
   */
  async revokeTokens(tokens: UpstreamTokens): Promise<void> {
    const endpoints = await this.#resolve();
    if (endpoints.revocation === undefined) return;
    const revocation = endpoints.revocation;
    const targets: [string, string][] = [];
    if (tokens.refreshToken) targets.push([tokens.refreshToken, 'refresh_token']);
    if (tokens.accessToken) targets.push([tokens.accessToken, 'access_token']);
    for (const [token, hint] of targets) {
      const form = new URLSearchParams({ token, token_type_hint: hint });
      const headers = this.#authenticate(form);
      let response: Response;
      try {
        response = await guardedFetch(this.#settings)(revocation, {
          method: 'POST',
          headers,
          body: form.toString(),
        });
      } catch (cause) {
        throw new TemporarilyUnavailableError('The identity provider is unreachable', { cause });
      }
      // RFC 7009 §2.2: only the status counts; the body (often empty) is ignored.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 500) {
        throw new TemporarilyUnavailableError('The identity provider is unavailable');
      }
      if (response.status !== 200) {
        throw new UpstreamIdentityError(
          'revocation_failed',
          'The identity provider refused to revoke',
        );
      }
    }
  }

  async #verifyIdToken(
    idToken: string,
    endpoints: Endpoints,
    data: LoginData,
    now: number,
  ): Promise<Record<string, unknown>> {
    const o = this.#options;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await verifyJwt(idToken, endpoints.keys as KeySet, {
        issuer: endpoints.issuer as string,
        audience: o.clientId,
        clockTolerance: o.clockToleranceSeconds ?? 60,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'iat'],
      }));
    } catch (cause) {
      if (isJwtError(cause) && cause.code === 'ERR_JWKS_FETCH_FAILED') {
        throw new UpstreamIdentityError('id_token_invalid', 'The upstream keys are unavailable', {
          cause,
        });
      }
      if (isJwtError(cause)) {
        throw new UpstreamIdentityError('id_token_invalid', 'The ID token is invalid', { cause });
      }
      throw cause;
    }
    // OIDC Core §3.1.3.7 (items 4, 5): with several audiences azp must be present, and
    // whenever azp is present it must be us.
    const aud = payload['aud'];
    const azp = payload['azp'];
    if (
      (Array.isArray(aud) && aud.length > 1 && azp === undefined) ||
      (azp !== undefined && azp !== o.clientId)
    ) {
      throw new UpstreamIdentityError('id_token_invalid', 'The ID token is for another party');
    }
    if (data.nonce) {
      const nonce = payload['nonce'];
      if (typeof nonce !== 'string' || !timingSafeEqual(nonce, data.nonce)) {
        throw new UpstreamIdentityError('id_token_invalid', 'The ID token nonce is wrong');
      }
    }
    if (typeof payload['sub'] !== 'string' || payload['sub'].length === 0) {
      throw new UpstreamIdentityError('id_token_invalid', 'The ID token has no subject');
    }
    return payload;
  }

  async #map(user: UpstreamUser): Promise<Identity> {
    let mapped: MappedIdentity;
    try {
      mapped = await this.#options.mapIdentity(user);
    } catch (cause) {
      throw new UpstreamIdentityError('mapping_failed', 'The user could not be mapped', { cause });
    }
    const identity = identityFromMapping(mapped);
    if (identity === undefined) {
      throw new UpstreamIdentityError(
        'mapping_failed',
        'mapIdentity must return { sub, attributes?, grantableScopes }',
      );
    }
    return identity;
  }
}

/**
 * The {@link Identity} an identity mapping (`mapIdentity`, `mapSubject`) answered, checked and
 * copied, or `undefined` when the answer is not a `{ sub, attributes?, grantableScopes }`: a bad
 * answer is the application's bug, and no token is ever issued from it.
 * @internal
 */
export function identityFromMapping(mapped: unknown): Identity | undefined {
  const m = mapped as Partial<MappedIdentity> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.sub !== 'string' ||
    m.sub.length === 0 ||
    !Array.isArray(m.grantableScopes) ||
    !m.grantableScopes.every((s) => typeof s === 'string') ||
    (m.attributes !== undefined && (typeof m.attributes !== 'object' || m.attributes === null))
  ) {
    return undefined;
  }
  return {
    sub: m.sub,
    attributes: { ...(m.attributes ?? {}) },
    grantableScopes: [...m.grantableScopes],
    ...(m.displayName === undefined ? {} : { displayName: m.displayName }),
  };
}
