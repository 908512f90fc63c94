import { isJwtError } from '../errors/jwt-error.js';
import {
  AccessDeniedError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  isOAuthError,
  type OAuthError,
  ServerError,
  UseDpopNonceError,
} from '../errors/oauth-error.js';
import { checkDpopProof, type ResourceDpopOptions } from '../tokens/dpop.js';
import { PolicyEngine } from '../policy/engine.js';
import type { PolicyDecision, PolicyDecisionCode } from '../policy/types.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import { checkTokenVerifier } from '../domain/check-token-verifier.js';
import { toolCallInput } from './caller-input.js';
import { extractBearerToken, MissingBearerTokenError } from './bearer.js';
import { buildBearerChallenge, normalizeResourceMetadataUrl } from './challenge.js';
import {
  boundThumbprint,
  buildDpopChallenge,
  createResourceDpop,
  dpopErrorCode,
  extractDpopToken,
  isDpopBound,
  type ResourceDpop,
  usesDpopScheme,
} from './dpop.js';

/** Options of {@link McpResourceAuth}. */
export interface McpResourceAuthOptions {
  /** Turns a bearer token into an {@link AuthContext} (e.g. the JWT verifier). */
  verifier: TokenVerifier;
  /** The tool policy. */
  policy: PolicyEngine;
  /**
   * The protected-resource metadata URL (RFC 9728), put in every challenge as
   * `resource_metadata`. Strongly recommended: MCP clients discover the authorization server
   * through it.
   */
  resourceMetadataUrl?: string | URL | undefined;
  /** Scopes advertised in 401 challenges (`scope="…"`), e.g. the scopes a basic session needs. */
  challengeScopes?: readonly string[] | undefined;
  /** Optional `realm` of the challenges. */
  realm?: string | undefined;
  /** Clock in milliseconds, for the expiry check of contexts (default `Date.now`). */
  now?: (() => number) | undefined;
  /**
   * DPoP (RFC 9449): `server.dpop`, or `{ store, … }` for a resource server of its own. Then
   * {@link McpResourceAuth.authenticateHttpRequest} accepts the `DPoP` scheme with a proof, and
   * can require it. Without it only Bearer is accepted (a DPoP-bound token never is as Bearer).
   */
  dpop?: ResourceDpopOptions | undefined;
}

/** The request headers {@link McpResourceAuth.authenticateHttpRequest} reads. */
export interface ResourceAuthRequest {
  /** Upper-case HTTP method (the proof's `htm`). */
  readonly method: string;
  /** The `Authorization` header value. */
  readonly authorization: string | undefined;
  /** The `DPoP` header value (repeated headers joined with `, `). */
  readonly dpop: string | undefined;
}

/** The answer of {@link McpResourceAuth.authorizeToolCall}. */
export interface ToolCallAuthorization {
  readonly allowed: boolean;
  /** Stable reason code (see `PolicyDecisionCode`). */
  readonly code: PolicyDecisionCode;
  readonly reason: string;
  readonly ruleId: string | undefined;
  readonly requiredScopes: readonly string[];
  /** Scopes that would let the call through (empty when scopes would not help). */
  readonly missingScopes: readonly string[];
  /** The full policy decision. */
  readonly decision: PolicyDecision;
}

/** Scopes for a 401 challenge, or a function computing them when a challenge is built. */
type ChallengeScope = readonly string[] | (() => readonly string[]);

function isAuthContext(value: unknown): value is AuthContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AuthContext).userId === 'string' &&
    typeof (value as AuthContext).clientId === 'string' &&
    Array.isArray((value as AuthContext).scopes) &&
    typeof (value as AuthContext).claims === 'object' &&
    (value as AuthContext).claims !== null
  );
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The resource-server side, framework-free ("manual pattern"):
 *
 * ```ts
 * const auth = new McpResourceAuth({ verifier, policy, resourceMetadataUrl });
 * const ctx = await auth.authenticateRequest(req.headers.authorization); // 401 → throws
 * const result = auth.authorizeToolCall('delete_user', ctx, args);
 * if (!result.allowed) … result.reason, result.missingScopes
 * ```
 *
 * Errors thrown are `OAuthError`s carrying their status and `WWW-Authenticate` header in
 * `err.headers`; `errorResponse(err)` turns any of them into the HTTP response.
 */
export class McpResourceAuth {
  readonly verifier: TokenVerifier;
  readonly policy: PolicyEngine;
  /** The normalized metadata URL, if configured. */
  readonly resourceMetadataUrl: string | undefined;
  readonly challengeScopes: readonly string[];
  readonly realm: string | undefined;
  readonly #now: () => number;
  readonly #dpop: ResourceDpop | undefined;

  constructor(options: McpResourceAuthOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('McpResourceAuth: options are required ({ verifier, policy })');
    const verifier = checkTokenVerifier(options.verifier, 'McpResourceAuth: verifier');
    if (!(options.policy instanceof PolicyEngine))
      throw new TypeError('McpResourceAuth: `policy` must be a PolicyEngine');
    this.verifier = verifier;
    this.policy = options.policy;
    this.resourceMetadataUrl =
      options.resourceMetadataUrl === undefined
        ? undefined
        : normalizeResourceMetadataUrl(options.resourceMetadataUrl);
    this.challengeScopes = Object.freeze([...(options.challengeScopes ?? [])]);
    this.realm = options.realm;
    this.#now = options.now ?? Date.now;
    this.#dpop = createResourceDpop(options.dpop, 'McpResourceAuth');
  }

  /**
   * The current server nonce when DPoP nonces are on, for the `DPoP-Nonce` header of a
   * successful answer (RFC 9449 §8.2: the client's next proof uses it without a round trip);
   * `undefined` otherwise.
   */
  dpopNonce(): Promise<string> | undefined {
    return this.#dpop?.context.nonces?.current();
  }

  /** The `WWW-Authenticate` value of a 401 for `error` (no `error` param when no credentials). */
  unauthorizedChallenge(error: unknown, scope: readonly string[] = this.challengeScopes): string {
    const missing = error instanceof MissingBearerTokenError;
    const options = {
      realm: this.realm,
      resourceMetadataUrl: this.resourceMetadataUrl,
      error: missing ? undefined : ('invalid_token' as const),
      errorDescription: isOAuthError(error) ? error.message : undefined,
      scope,
    };
    const dpop = this.#dpop;
    if (dpop === undefined) return buildBearerChallenge(options);
    // RFC 9449 §7.1: both schemes are offered unless every caller must use DPoP.
    const offer = buildDpopChallenge({ ...options, algs: dpop.algs });
    return dpop.requiredForAll ? offer : `${buildBearerChallenge(options)}, ${offer}`;
  }

  /**
   * The `WWW-Authenticate` value of a 403 `insufficient_scope` (scope = granted ∪ missing). For
   * a `caller` that authenticated with DPoP (its token is DPoP-bound), the `DPoP` scheme with
   * `algs` (RFC 9449 §7.1: the challenge matches the scheme used); else Bearer.
   */
  insufficientScopeChallenge(
    scope: readonly string[],
    description: string,
    caller?: AuthContext,
  ): string {
    const options = {
      realm: this.realm,
      resourceMetadataUrl: this.resourceMetadataUrl,
      error: 'insufficient_scope' as const,
      errorDescription: description,
      scope,
    };
    const dpop = this.#dpop;
    if (dpop !== undefined && caller !== undefined && isDpopBound(caller))
      return buildDpopChallenge({ ...options, algs: dpop.algs });
    return buildBearerChallenge(options);
  }

  /**
   * Authenticates a request from its `Authorization` header value (the only place a token is
   * read from). Rejects with:
   * - `InvalidTokenError` (401; `MissingBearerTokenError` when there were no credentials) whose
   *   `headers['WWW-Authenticate']` is the challenge (with `resource_metadata` and the scope);
   * - the verifier's `TemporarilyUnavailableError` (503) when the store fails — fail closed;
   * - `ServerError` (500) when the verifier fails unexpectedly.
   *
   * `challengeScope` overrides the scopes advertised in the 401 challenge; a function is called
   * only when a challenge is built (so a request that authenticates never computes it).
   */
  authenticateRequest(
    authorizationHeader: string | undefined,
    challengeScope?: readonly string[] | (() => readonly string[]),
  ): Promise<AuthContext> {
    const scope = challengeScope ?? this.challengeScopes;
    let token: string;
    try {
      token = extractBearerToken(authorizationHeader);
    } catch (error) {
      return Promise.reject(this.#unauthorized(error, scope));
    }
    return this.#authenticateToken(token, scope, true);
  }

  // The token of an Authorization header, verified; `bearerOnly` false: the caller (the DPoP
  // path) checks the binding itself.
  async #authenticateToken(
    token: string,
    scope: readonly string[] | (() => readonly string[]),
    bearerOnly: boolean,
  ): Promise<AuthContext> {
    let ctx: AuthContext;
    try {
      ctx = await this.verifier.verify(token);
    } catch (error) {
      throw this.#verifierFailure(error, scope);
    }
    if (!isAuthContext(ctx))
      throw new ServerError('The token verifier returned an invalid context');
    if (ctx.expiresAt !== undefined && ctx.expiresAt * 1000 <= this.#now())
      throw this.#unauthorized(new InvalidTokenError('The access token has expired'), scope);
    // RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token.
    if (bearerOnly && boundThumbprint(ctx) !== undefined)
      throw this.#unauthorized(
        new InvalidTokenError('The access token is DPoP-bound: present it with a DPoP proof'),
        scope,
      );
    return ctx;
  }

  /**
   * Authenticates a request from its `Authorization` and `DPoP` headers and its method. Without
   * the `dpop` option it is {@link McpResourceAuth.authenticateRequest}. With it, the `DPoP`
   * scheme is accepted with exactly one proof (RFC 9449 §4.3, §7.1): the token is verified
   * first (cached), then the proof — signature, `typ`, `alg`, public `jwk`, `htm`, `htu` (the
   * configured resource URL), `iat`, `ath`, its key's thumbprint equal to the token's `cnf.jkt`,
   * the server nonce when required, and its `jti` used once through the store. A Bearer caller
   * for whom `dpop.required` holds is refused. Refusals are 401 with a `DPoP` challenge
   * (`invalid_token`, `invalid_dpop_proof`, or `use_dpop_nonce` with `DPoP-Nonce`), or 503.
   */
  authenticateHttpRequest(
    request: ResourceAuthRequest,
    challengeScope?: readonly string[] | (() => readonly string[]),
  ): Promise<AuthContext> {
    // Without DPoP this is the Bearer path as it is, with no extra step.
    if (this.#dpop === undefined)
      return this.authenticateRequest(request.authorization, challengeScope);
    return this.#authenticateWithDpop(request, challengeScope, this.#dpop);
  }

  async #authenticateWithDpop(
    request: ResourceAuthRequest,
    challengeScope: readonly string[] | (() => readonly string[]) | undefined,
    dpop: ResourceDpop,
  ): Promise<AuthContext> {
    const scope = challengeScope ?? this.challengeScopes;
    if (!usesDpopScheme(request.authorization)) {
      if (dpop.requiredForAll && request.authorization !== undefined)
        throw this.#dpopRefusal(new InvalidTokenError('This resource requires DPoP'), scope, dpop);
      const ctx = await this.authenticateRequest(request.authorization, challengeScope);
      if (dpop.requiredFor(ctx))
        throw this.#dpopRefusal(new InvalidTokenError('This client must use DPoP'), scope, dpop);
      return ctx;
    }
    let token: string;
    let ctx: AuthContext;
    try {
      token = extractDpopToken(request.authorization!);
      ctx = await this.#authenticateToken(token, scope, false);
    } catch (error) {
      throw error instanceof InvalidTokenError ? this.#dpopRefusal(error, scope, dpop) : error;
    }
    const jkt = boundThumbprint(ctx);
    if (jkt === undefined)
      throw this.#dpopRefusal(
        new InvalidTokenError('The access token is not DPoP-bound'),
        scope,
        dpop,
      );
    const url = dpop.resourceUrl ?? ctx.resource;
    if (url === undefined)
      throw new ServerError('DPoP needs dpop.resourceUrl: the verifier names no resource');
    try {
      const proof = await checkDpopProof(
        dpop.context,
        request.dpop,
        { method: request.method, url, accessToken: token },
        401,
      );
      if (proof.jkt !== jkt)
        throw new InvalidDpopProofError('The DPoP proof key is not the one the token is bound to');
    } catch (error) {
      throw dpopErrorCode(error) === undefined ? error : this.#dpopRefusal(error, scope, dpop);
    }
    return ctx;
  }

  // A 401 with a `DPoP` challenge carrying the refusal's code (RFC 9449 §7.1, §9).
  #dpopRefusal(error: unknown, scope: ChallengeScope, dpop: ResourceDpop): OAuthError {
    const code = dpopErrorCode(error) ?? 'invalid_token';
    const description = isOAuthError(error) ? error.message : 'The access token is invalid';
    const challenge = buildDpopChallenge({
      realm: this.realm,
      resourceMetadataUrl: this.resourceMetadataUrl,
      error: code,
      errorDescription: description,
      scope: typeof scope === 'function' ? scope() : scope,
      algs: dpop.algs,
    });
    const headers: Record<string, string> = {
      ...(isOAuthError(error) ? error.headers : {}),
      'WWW-Authenticate': challenge,
    };
    const options = { status: 401 as const, headers, cause: error };
    if (code === 'use_dpop_nonce')
      return new UseDpopNonceError(headers['DPoP-Nonce'] ?? '', description, options);
    if (code === 'invalid_dpop_proof') return new InvalidDpopProofError(description, options);
    const jwtCode = error instanceof InvalidTokenError ? error.jwtCode : undefined;
    return new InvalidTokenError(description, { headers, cause: error, jwtCode });
  }

  #unauthorized(error: unknown, scope: ChallengeScope): InvalidTokenError {
    const challenge = this.unauthorizedChallenge(
      error,
      typeof scope === 'function' ? scope() : scope,
    );
    const source = error instanceof InvalidTokenError ? error : undefined;
    const description = source?.message || 'The access token is invalid';
    const options = {
      headers: { 'WWW-Authenticate': challenge },
      jwtCode: source?.jwtCode,
      cause: error,
    };
    return error instanceof MissingBearerTokenError
      ? new MissingBearerTokenError(description, options)
      : new InvalidTokenError(description, options);
  }

  #verifierFailure(error: unknown, scope: ChallengeScope): OAuthError {
    if (error instanceof InvalidTokenError) return this.#unauthorized(error, scope);
    if (isJwtError(error))
      return this.#unauthorized(
        new InvalidTokenError('The access token is invalid', { jwtCode: error.code }),
        scope,
      );
    if (isOAuthError(error)) {
      if (error.code === 'invalid_token') return this.#unauthorized(error, scope);
      // 503 temporarily_unavailable (store down) and other server-side errors stay as they are.
      return error;
    }
    return new ServerError('Token verification failed', { cause: error });
  }

  /** Decides a tool call for an authenticated caller. Never throws. */
  authorizeToolCall(
    toolName: string,
    ctx: AuthContext,
    args?: Readonly<Record<string, unknown>>,
  ): ToolCallAuthorization {
    const decision = this.policy.evaluate(toolCallInput(ctx, toolName, args));
    return {
      allowed: decision.allowed,
      code: decision.code,
      reason: decision.reason,
      ruleId: decision.ruleId,
      requiredScopes: decision.requiredScopes,
      missingScopes: decision.missingScopes,
      decision,
    };
  }

  /**
   * The error for a denied call: `InsufficientScopeError` (403, with a step-up challenge whose
   * scope is granted ∪ missing) when scopes would help, `AccessDeniedError` (403) otherwise.
   */
  denialError(result: ToolCallAuthorization, ctx: AuthContext): OAuthError {
    if (result.missingScopes.length > 0) {
      const scope = [...new Set([...ctx.scopes, ...result.missingScopes])];
      return new InsufficientScopeError(scope, result.reason, {
        headers: {
          'WWW-Authenticate': this.insufficientScopeChallenge(scope, result.reason, ctx),
        },
      });
    }
    return new AccessDeniedError(result.reason);
  }

  /**
   * Resolves what a wrapped handler was given — an {@link AuthContext} (trusted: it came from
   * `authenticateRequest` or an adapter) or an `Authorization` header value — to a context,
   * and authorizes the call. Throws the 401/403/5xx `OAuthError` when not allowed.
   */
  async requireToolAccess(
    toolName: string,
    auth: AuthContext | string | undefined,
    args?: unknown,
  ): Promise<AuthContext> {
    const toolArgs = isPlainRecord(args) ? args : undefined;
    const ctx = isAuthContext(auth)
      ? auth
      : await this.authenticateRequest(
          typeof auth === 'string' ? auth : undefined,
          this.policy.requiredScopesFor(toolName),
        );
    if (ctx.expiresAt !== undefined && ctx.expiresAt * 1000 <= this.#now())
      throw this.#unauthorized(
        new InvalidTokenError('The access token has expired'),
        this.challengeScopes,
      );
    const result = this.authorizeToolCall(toolName, ctx, toolArgs);
    if (!result.allowed) throw this.denialError(result, ctx);
    return ctx;
  }
}

/** A tool handler that receives the caller's context first. */
export type AuthedHandler<A extends unknown[], R> = (ctx: AuthContext, ...args: A) => R;

/** What {@link authRequired} returns: a handler wrapper that is also a TC39 method decorator. */
export interface AuthRequired {
  /**
   * Wrapper form: the returned function takes an {@link AuthContext} or an `Authorization`
   * header value first, then the handler's own arguments (the first one, when it is an object,
   * is the tool's arguments for `args` conditions).
   */
  <A extends unknown[], R>(
    handler: AuthedHandler<A, R>,
  ): (auth: AuthContext | string | undefined, ...args: A) => Promise<Awaited<R>>;
  /**
   * Decorator form (TC39 / TypeScript 5 standard decorators, `experimentalDecorators: false`),
   * on an `async` method whose first parameter is the {@link AuthContext}.
   */
  <This, A extends unknown[], R>(
    method: (this: This, ctx: AuthContext, ...args: A) => Promise<R>,
    context: ClassMethodDecoratorContext<
      This,
      (this: This, ctx: AuthContext, ...args: A) => Promise<R>
    >,
  ): (this: This, ctx: AuthContext, ...args: A) => Promise<R>;
}

/**
 * Protects one tool handler: it only runs when the caller is authenticated and the policy
 * allows `toolName` (with the call's arguments). Otherwise the returned promise rejects with an
 * `OAuthError`: `InvalidTokenError` (401, with challenge) when a header value does not
 * authenticate, `InsufficientScopeError` (403, step-up challenge in `err.headers`) when scopes
 * would help, `AccessDeniedError` (403 `access_denied`) otherwise, or the verifier's 5xx.
 *
 * Wrapper form:
 * ```ts
 * const deleteUser = authRequired(auth, 'delete_user')(async (ctx, args: { id: string }) => …);
 * await deleteUser(ctx, { id: 'u1' });          // ctx from authenticateRequest or an adapter
 * await deleteUser(req.headers.authorization, { id: 'u1' }); // or the header value
 * ```
 *
 * Decorator form — the decorated method is called with the context (or, at runtime, a header
 * value) as its first argument and the tool arguments second; the original body receives the
 * verified {@link AuthContext}:
 * ```ts
 * class Tools {
 *   @authRequired(auth, 'delete_user')
 *   async deleteUser(ctx: AuthContext, args: { id: string }) { … }
 * }
 * ```
 */
export function authRequired(middleware: McpResourceAuth, toolName: string): AuthRequired {
  if (!(middleware instanceof McpResourceAuth))
    throw new TypeError('authRequired: the first argument must be an McpResourceAuth');
  if (typeof toolName !== 'string' || toolName.length === 0)
    throw new TypeError('authRequired: toolName must be a non-empty string');
  const wrap = (fn: (...all: unknown[]) => unknown) =>
    async function authorized(this: unknown, auth: unknown, ...args: unknown[]): Promise<unknown> {
      const ctx = await middleware.requireToolAccess(
        toolName,
        auth as AuthContext | string | undefined,
        args[0],
      );
      return await fn.call(this, ctx, ...args);
    };
  const decorator = (target: unknown, context?: unknown): unknown => {
    if (typeof target !== 'function')
      throw new TypeError('authRequired(...) must be applied to a function or a method');
    if (context !== undefined) {
      const kind = (context as { kind?: unknown } | null)?.kind;
      if (kind !== 'method')
        throw new TypeError('@authRequired can only decorate methods (TC39 decorators)');
    }
    return wrap(target as (...all: unknown[]) => unknown);
  };
  return decorator as AuthRequired;
}
