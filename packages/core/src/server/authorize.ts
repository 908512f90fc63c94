import type { AuditRecorder } from '../observability/audit.js';
import { generateRandomToken } from '../encoding/random.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { isOAuthError, type OAuthError } from '../errors/oauth-error.js';
import { isSha256Base64Url, isValidS256Challenge } from '../pkce.js';
import { isValidScopeToken } from '../policy/scopes.js';
import type { Store, StoreValue } from '../store/store.js';
import { STORE_KEYS } from '../store/keys.js';
import { countInWindow, DISPOSABLE, storeCall } from '../store/store.js';
import type { TokenService } from '../tokens/types.js';
import type { ServerClientRegistry } from './client-registry.js';
import {
  type CookieSettings,
  cookieName,
  readCookie,
  type Signer,
  serializeCookie,
} from './cookies.js';
import type { SessionCookies } from './session.js';
import { hashClientId } from '../tokens/grant-index.js';
import { type FormParams, parseFormBody, uniqueParams } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { redirectTarget, redirectUriMatches } from './redirect-uri.js';
import type { ClientRecord, IdentityProvider } from './types.js';
import { grantableForClient } from './grantable.js';
import type { Identity, UpstreamTokens } from '../domain/identity.js';
import { en } from './ui/messages/en.js';
import { type ClientDisplay, redirectKindOf } from './ui/pages.js';
import { errorMessageKeys, type PageRenderer } from './ui/template.js';

/** Paths of the browser-facing endpoints (absolute paths on the issuer's origin). */
export interface AuthorizationPaths {
  readonly authorize: string;
  readonly login: string;
  readonly consent: string;
  readonly callback: string;
  /** The signed-in user's grants page, linked from the consent page (grant management). */
  readonly grants?: string | undefined;
}

/** One protected resource as the authorization flow sees it. */
export interface FlowResource {
  /** Its URL: the RFC 8707 `resource` value, the tokens' `aud`. */
  readonly url: string;
  /** Shown on the login and consent pages: what the user signs in to (its `name`, else its host). */
  readonly name: string;
  /**
   * Whether a set of scopes covers a scope: the policy's rule (exact, `:*` wildcards, the scope
   * hierarchy — a user who may be granted `mcp:tools:admin` may be granted what it implies).
   */
  readonly coversScope: (granted: readonly string[], scope: string) => boolean;
  readonly scopesSupported: () => readonly string[];
  readonly defaultScopes: (() => readonly string[]) | undefined;
}

/** Everything the authorization flow needs, assembled by `createAuthorizationServer`. */
export interface AuthorizationFlowDeps {
  readonly issuer: string;
  /** Receives `consent.given` and `consent.withdrawn` audit events. */
  readonly audit?: AuditRecorder | undefined;
  /** The protected resources by URL; an authorization request picks one with `resource`. */
  readonly resources: ReadonlyMap<string, FlowResource>;
  readonly origin: string;
  readonly paths: AuthorizationPaths;
  readonly store: Store;
  readonly clients: ServerClientRegistry;
  readonly identityProvider: IdentityProvider;
  readonly tokens: () => Promise<TokenService>;
  readonly signer: Signer;
  readonly cookie: CookieSettings;
  /** Renders the login, consent and error pages (template, branding, language). */
  readonly pages: PageRenderer;
  readonly scopeDescriptions: Readonly<Record<string, string>>;
  readonly interactionTtlMs: number;
  /** How long a remembered consent lasts; 0 turns remembering off. */
  readonly consentTtlMs: number;
  readonly maxLoginAttempts: number;
  /**
   * Interactions one client, and one caller address, may start per interaction TTL (counted
   * in the store); past it → 429. `undefined` = no cap. Keeps one caller from filling the
   * store with pending interactions (issue 12).
   */
  readonly interactionCaps?: { readonly perClient?: number; readonly perAddress?: number };
  /** The caller's address for per-address limits (see `clientAddress`). */
  readonly clientAddress?: (request: HttpRequest) => string | undefined;
  readonly now: () => number;
  /** The signed-in user's session cookie, started when a sign-in completes (grant management). */
  readonly session?: SessionCookies | undefined;
  /**
   * Whether the server runs DPoP: an authorization request's `dpop_jkt` then binds the code to
   * that key (RFC 9449 §10). Off, `dpop_jkt` is ignored like any unknown parameter.
   */
  readonly dpop?: boolean | undefined;
}

// What is kept server-side between the authorize request and the code (JSON in the store).
interface Interaction {
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriInRequest: boolean;
  readonly codeChallenge: string;
  /** RFC 9449 §10: the thumbprint of the DPoP key the token request must prove. */
  readonly dpopJkt?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly state: string | null;
  readonly forceConsent: boolean;
  readonly expiresAt: number;
  stage: 'login' | 'consent' | 'consent-upstream' | 'upstream';
  identity?: Identity;
  offered?: readonly string[];
  approved?: readonly string[];
  /** The pages' language, picked from `Accept-Language` when the sign-in starts. */
  locale?: string;
}

interface UpstreamState {
  readonly interaction: Interaction;
  readonly data: StoreValue;
  readonly expiresAt: number;
}

const INTERACTION_ID = /^[A-Za-z0-9_-]{43}$/;
const COOKIE_BASE = 'mcp-auth-interaction';
const MAX_STATE_LENGTH = 2048;

/** An error redirected back to the client (RFC 6749 §4.1.2.1). */
class RedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** An error shown to the user as a page: the redirect URI cannot (or must not) be used. */
class PageError extends Error {
  constructor(
    readonly status: number,
    readonly code: PageErrorCode,
    readonly headers: Record<string, string> = {},
  ) {
    super(en[errorMessageKeys(code).message]);
  }

  /** The English message (the page itself is in the user's language). */
  get text(): string {
    return this.message;
  }
}

/**
 * The browser side of the authorization server: `/authorize` (GET and POST), the login and
 * consent forms and the upstream callback.
 */
export class AuthorizationFlow {
  readonly #d: AuthorizationFlowDeps;

  constructor(deps: AuthorizationFlowDeps) {
    this.#d = deps;
  }

  /**
   * The interaction cookie's name prefix (`__Host-` prefixed when the issuer is https). Each
   * interaction has its own cookie, `<prefix>-<interaction id>`, so two sign-ins running at
   * once in one browser do not overwrite each other (issue 19 item 8).
   */
  get cookieName(): string {
    return cookieName(COOKIE_BASE, this.#d.cookie);
  }

  #cookieNameFor(interactionId: string): string {
    return `${this.cookieName}-${interactionId}`;
  }

  /**
   * The authorization endpoint (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1). The client and the exact
   * redirect URI are checked before anything else; until then every error is a 400 page and
   * never a redirect (SECURITY-CASES 1). Later errors go back to the client with `state` and
   * `iss` (RFC 9207; SECURITY-CASES 2, 3).
   */
  async authorize(request: HttpRequest): Promise<HttpResponse> {
    try {
      const params =
        request.method === 'POST' ? parseFormBody(request) : uniqueParams(request.url.searchParams);
      const { client, redirectUri, redirectUriInRequest } = await this.#trustedRedirect(params);
      const rawState = params.get('state');
      const state = rawState === undefined || rawState === '' ? null : rawState;
      try {
        const interaction = await this.#validate(
          params,
          client,
          redirectUri,
          redirectUriInRequest,
          state,
        );
        await this.#admit(request, client);
        interaction.locale = this.#d.pages.locale(request.headers['accept-language']);
        return await this.#begin(interaction, client);
      } catch (error) {
        if (error instanceof RedirectError) {
          return this.#redirect(redirectUri, 302, {
            error: error.error,
            error_description: error.description,
            state: state ?? undefined,
          });
        }
        throw error;
      }
    } catch (error) {
      return prefersJson(request) && error instanceof PageError && error.code === 'unknown_client'
        ? unknownClientJson(error)
        : this.#page(error, request);
    }
  }

  /** POST of the login form (local identity provider). */
  async login(request: HttpRequest): Promise<HttpResponse> {
    try {
      const { form, interaction, client } = await this.#resume(request);
      const provider = this.#d.identityProvider;
      if (interaction.stage !== 'login' || provider.kind !== 'local') {
        throw pageError(400, 'invalid_interaction');
      }
      const username = form.get('username') ?? '';
      const password = form.get('password') ?? '';
      // Each attempt claims a numbered slot atomically, so parallel guesses cannot share one.
      const slot = await this.#claimAttempt(interaction);
      const remoteAddress = this.#d.clientAddress?.(request);
      const identity =
        username && password
          ? await provider.authenticate(username, password, { remoteAddress })
          : undefined;
      if (!identity) {
        if (slot >= this.#d.maxLoginAttempts - 1) {
          await storeCall(this.#d.store.delete(interactionKey(interaction.id)));
          throw pageError(429, 'too_many_attempts');
        }
        return this.#loginPage(interaction, client, 401, {
          failed: true,
          username,
        });
      }
      const target = this.#resourceOf(interaction);
      const offered = interaction.scopes.filter((s) =>
        target.coversScope(identity.grantableScopes, s),
      );
      if (
        !interaction.forceConsent &&
        (await this.#remembered(identity, client, offered, target))
      ) {
        const taken = await this.#take(interaction.id);
        return await this.#finish(taken, client, identity, offered, undefined, 303);
      }
      interaction.stage = 'consent';
      interaction.identity = identity;
      interaction.offered = offered;
      await this.#save(interaction);
      // Signed in now (the page says so): the session starts here, so the consent page's link
      // to the grants page works before the user decides.
      const session = await this.#d.session?.issue(identity);
      return this.#consentPage(interaction, client, session === undefined ? [] : [session]);
    } catch (error) {
      return this.#page(error, request);
    }
  }

  /** POST of the consent form: approve (with the ticked scopes) or deny. */
  async consent(request: HttpRequest): Promise<HttpResponse> {
    try {
      const { form, interaction, client } = await this.#resume(request);
      if (interaction.stage !== 'consent' && interaction.stage !== 'consent-upstream') {
        throw pageError(400, 'invalid_interaction');
      }
      const decision = form.get('decision');
      if (decision !== 'approve' && decision !== 'deny') {
        throw pageError(400, 'invalid_interaction');
      }
      const taken = await this.#take(interaction.id);
      if (decision === 'deny') {
        return this.#redirect(
          taken.redirectUri,
          303,
          {
            error: 'access_denied',
            error_description: 'The user denied the request',
            state: taken.state ?? undefined,
          },
          [this.#clearCookie(taken)],
        );
      }
      const offered = taken.offered ?? taken.scopes;
      const approved: string[] = [];
      for (const [name, value] of form) {
        if (/^scope_\d{1,3}$/.test(name) && offered.includes(value) && !approved.includes(value)) {
          approved.push(value);
        }
      }
      if (taken.stage === 'consent') {
        const identity = taken.identity!;
        await this.#remember(identity, client, approved, taken.resource);
        this.#d.audit?.record({
          type: 'consent.given',
          subject: identity.sub,
          clientId: client.clientId,
          scopes: approved,
        });
        return await this.#finish(taken, client, identity, approved, undefined, 303);
      }
      return await this.#startUpstream(taken, approved);
    } catch (error) {
      return this.#page(error, request);
    }
  }

  /**
   * The upstream IdP's redirect back to us. The `state` must be one we issued, unexpired,
   * unused, and bound to this browser's interaction cookie; otherwise 400 and no code
   * (SECURITY-CASES 7).
   */
  async callback(request: HttpRequest): Promise<HttpResponse> {
    try {
      const params = uniqueParams(request.url.searchParams);
      const state = params.get('state');
      if (!state || !INTERACTION_ID.test(state)) throw pageError(400, 'invalid_state');
      // Read, check the browser's cookie, THEN take: a callback URL replayed without the
      // cookie must not burn the victim's state (issue 19 item 7).
      const peeked = await storeCall(this.#d.store.get<StoreValue>(upstreamKey(state)));
      if (!peeked || typeof peeked !== 'object') throw pageError(400, 'invalid_state');
      if (!(await this.#cookieMatches(request, (peeked as unknown as UpstreamState).interaction))) {
        throw pageError(400, 'invalid_state');
      }
      const saved = await storeCall(this.#d.store.take<StoreValue>(upstreamKey(state)));
      if (!saved || typeof saved !== 'object') throw pageError(400, 'invalid_state');
      const { interaction, data, expiresAt } = saved as unknown as UpstreamState;
      if (expiresAt <= this.#d.now()) throw pageError(400, 'invalid_state');
      if (interaction.id !== (peeked as unknown as UpstreamState).interaction.id) {
        throw pageError(400, 'invalid_state');
      }
      const provider = this.#d.identityProvider;
      if (provider.kind !== 'redirect') throw pageError(400, 'invalid_state');
      const lookup = await this.#d.clients.lookup(interaction.clientId);
      if (!lookup.client) throw pageError(400, 'unknown_client');
      let result: { identity: Identity; upstreamTokens?: UpstreamTokens };
      try {
        result = await provider.completeLogin({
          params: new URLSearchParams(request.url.searchParams),
          redirectUri: this.#d.origin + this.#d.paths.callback,
          data,
        });
      } catch (error) {
        const unavailable = isOAuthError(error) && error.code === 'temporarily_unavailable';
        return this.#redirect(
          interaction.redirectUri,
          302,
          {
            error: unavailable
              ? 'temporarily_unavailable'
              : params.get('error') === 'access_denied'
                ? 'access_denied'
                : 'server_error',
            error_description: 'The sign-in with the identity provider did not complete',
            state: interaction.state ?? undefined,
          },
          [this.#clearCookie(interaction)],
        );
      }
      const target = this.#resourceOf(interaction);
      const approved = (interaction.approved ?? []).filter((s) =>
        target.coversScope(result.identity.grantableScopes, s),
      );
      return await this.#finish(
        interaction,
        lookup.client,
        result.identity,
        approved,
        result.upstreamTokens,
        302,
      );
    } catch (error) {
      return this.#page(error, request);
    }
  }

  /** Forgets the remembered consent of a user for a client, for every resource. */
  async revokeConsent(userId: string, clientId: string): Promise<void> {
    for (const url of this.#d.resources.keys()) {
      await storeCall(this.#d.store.delete(await consentKey(userId, clientId, url)));
    }
    this.#d.audit?.record({ type: 'consent.withdrawn', subject: userId, clientId });
  }

  // --- steps --------------------------------------------------------------------------

  async #trustedRedirect(
    params: FormParams,
  ): Promise<{ client: ClientRecord; redirectUri: string; redirectUriInRequest: boolean }> {
    const clientId = params.get('client_id');
    if (!clientId) throw pageError(400, 'missing_client');
    const lookup = await this.#d.clients.lookup(clientId);
    if (!lookup.client) {
      throw pageError(
        400,
        lookup.problem === 'metadata_document' ? 'client_document' : 'unknown_client',
      );
    }
    const client = lookup.client;
    const requested = params.get('redirect_uri');
    if (requested === undefined) {
      // OAuth 2.1 §4.1.1: optional only when exactly one URI is registered.
      if (client.redirectUris.length !== 1) throw pageError(400, 'invalid_redirect_uri');
      return { client, redirectUri: client.redirectUris[0]!, redirectUriInRequest: false };
    }
    if (!client.redirectUris.some((registered) => redirectUriMatches(registered, requested))) {
      throw pageError(400, 'invalid_redirect_uri');
    }
    return { client, redirectUri: requested, redirectUriInRequest: true };
  }

  async #validate(
    params: FormParams,
    client: ClientRecord,
    redirectUri: string,
    redirectUriInRequest: boolean,
    state: string | null,
  ): Promise<Interaction> {
    if (state !== null && state.length > MAX_STATE_LENGTH) {
      throw new RedirectError('invalid_request', 'The state parameter is too long');
    }
    const responseType = params.get('response_type');
    if (!responseType) throw new RedirectError('invalid_request', 'response_type is required');
    if (responseType !== 'code') {
      throw new RedirectError('unsupported_response_type', 'Only response_type=code is supported');
    }
    if (
      !client.responseTypes.includes('code') ||
      !client.grantTypes.includes('authorization_code')
    ) {
      throw new RedirectError('unauthorized_client', 'The client may not use the code flow');
    }
    if (params.has('request') || params.has('request_uri')) {
      throw new RedirectError('invalid_request', 'Request objects are not supported');
    }
    const responseMode = params.get('response_mode');
    if (responseMode !== undefined && responseMode !== 'query') {
      throw new RedirectError('invalid_request', 'Only response_mode=query is supported');
    }
    // PKCE S256 is required (OAuth 2.1 §4.1.1, RFC 9700 §2.1.1; SECURITY-CASES 2).
    const method = params.get('code_challenge_method');
    const challenge = params.get('code_challenge');
    if (challenge === undefined) {
      throw new RedirectError('invalid_request', 'code_challenge is required (PKCE S256)');
    }
    if (method !== 'S256') {
      throw new RedirectError('invalid_request', 'code_challenge_method must be S256');
    }
    if (!isValidS256Challenge(challenge)) {
      throw new RedirectError('invalid_request', 'code_challenge must be 43 base64url characters');
    }
    // RFC 9449 §10: the code is bound to the DPoP key whose thumbprint the client names.
    const dpopJkt = this.#d.dpop === true ? params.get('dpop_jkt') : undefined;
    if (dpopJkt !== undefined && !isSha256Base64Url(dpopJkt)) {
      throw new RedirectError(
        'invalid_request',
        'dpop_jkt must be a JWK SHA-256 thumbprint (43 base64url characters)',
      );
    }
    // RFC 8707: the resource becomes the audience (SECURITY-CASES, multi-resource).
    const target = this.#target(params.get('resource'));
    const resource = target.url;
    const scopes = this.#scopes(params.get('scope'), client, target);
    const prompt = (params.get('prompt') ?? '').split(' ').filter(Boolean);
    if (prompt.includes('none')) {
      throw new RedirectError('login_required', 'The user must sign in interactively');
    }
    return {
      id: generateRandomToken(32),
      clientId: client.clientId,
      redirectUri,
      redirectUriInRequest,
      codeChallenge: challenge,
      ...(dpopJkt === undefined ? {} : { dpopJkt }),
      scopes,
      resource,
      state,
      forceConsent: prompt.includes('consent'),
      expiresAt: this.#d.now() + this.#d.interactionTtlMs,
      stage: this.#d.identityProvider.kind === 'local' ? 'login' : 'consent-upstream',
    };
  }

  // The resource an authorization request names (RFC 8707): optional with one resource, required
  // with several; anything but a configured URL, exactly → `invalid_target`.
  #target(requested: string | undefined): FlowResource {
    const { resources } = this.#d;
    if (requested === undefined) {
      const [only, other] = resources.values();
      if (only !== undefined && other === undefined) return only;
      throw new RedirectError(
        'invalid_target',
        'The resource parameter is required: this server serves several resources',
      );
    }
    const found = resources.get(requested);
    if (!found)
      throw new RedirectError('invalid_target', 'The resource is not served by this server');
    return found;
  }

  // The resource of a saved interaction (its URL was checked when it started).
  #resourceOf(interaction: Interaction): FlowResource {
    const found = this.#d.resources.get(interaction.resource);
    if (!found) throw pageError(400, 'invalid_interaction');
    return found;
  }

  // Requested scopes: each one the resource's (when it declares scopes) and within what the
  // client registered. Absent: the client's registered scopes of this resource, else the
  // resource's `defaultScopes`, else all of its scopes.
  #scopes(text: string | undefined, client: ClientRecord, target: FlowResource): string[] {
    const supported = target.scopesSupported();
    const registered = client.scope?.split(' ').filter(Boolean);
    if (text === undefined || text.trim() === '') {
      const mine = registered?.filter((s) => supported.length === 0 || supported.includes(s));
      const fallback =
        mine !== undefined && mine.length > 0 ? mine : (target.defaultScopes?.() ?? supported);
      // Never another resource's scope (a server-wide `defaultScopes` with several resources).
      return [...new Set(fallback)].filter((s) => supported.length === 0 || supported.includes(s));
    }
    const requested = [...new Set(text.split(' ').filter(Boolean))];
    for (const scope of requested) {
      if (!isValidScopeToken(scope))
        throw new RedirectError('invalid_scope', 'A scope is malformed');
      if (supported.length > 0 && !supported.includes(scope)) {
        throw new RedirectError('invalid_scope', 'A requested scope is not supported');
      }
      if (registered && !registered.includes(scope)) {
        throw new RedirectError(
          'invalid_scope',
          'A requested scope was not registered by the client',
        );
      }
    }
    return requested;
  }

  // Caps on interactions started per client and per address (issue 12 §2): counters in the
  // store, one window of the interaction TTL each.
  async #admit(request: HttpRequest, client: ClientRecord): Promise<void> {
    const caps = this.#d.interactionCaps;
    if (!caps) return;
    const window = this.#d.interactionTtlMs;
    const checks: [string, number][] = [];
    // The address first: a caller refused for its own flood uses none of the client's budget.
    const address = this.#d.clientAddress?.(request);
    if (caps.perAddress !== undefined && address !== undefined) {
      checks.push([STORE_KEYS.rateLimit('interaction', `addr:${address}`), caps.perAddress]);
    }
    if (caps.perClient !== undefined) {
      checks.push([
        STORE_KEYS.rateLimit('interaction', `client:${await sha256Base64Url(client.clientId)}`),
        caps.perClient,
      ]);
    }
    for (const [key, max] of checks) {
      if ((await countInWindow(this.#d.store, key, window)) > max) {
        throw new PageError(429, 'too_many_interactions', {
          'retry-after': String(Math.ceil(window / 1000)),
        });
      }
    }
  }

  async #begin(interaction: Interaction, client: ClientRecord): Promise<HttpResponse> {
    await storeCall(
      this.#d.store.set(
        interactionKey(interaction.id),
        interaction as unknown as StoreValue,
        this.#d.interactionTtlMs,
        DISPOSABLE,
      ),
    );
    const cookie = await this.#cookie(interaction);
    if (interaction.stage === 'login') {
      return this.#loginPage(interaction, client, 200, {}, [cookie]);
    }
    interaction.offered = interaction.scopes;
    return this.#consentPage(interaction, client, [cookie]);
  }

  async #resume(
    request: HttpRequest,
  ): Promise<{ form: FormParams; interaction: Interaction; client: ClientRecord }> {
    const form = parseFormBody(request);
    const id = form.get('interaction');
    const csrf = form.get('csrf_token');
    // SECURITY-CASES 6: no CSRF token, or no interaction cookie → 403 before anything else.
    if (!csrf || !id || !INTERACTION_ID.test(id)) throw pageError(403, 'csrf');
    const cookie = readCookie(request.headers['cookie'], this.#cookieNameFor(id));
    if (!cookie || cookie.split('.', 1)[0] !== id) throw pageError(403, 'csrf');
    if (!(await this.#d.signer.verify(`csrf|${id}`, csrf))) throw pageError(403, 'csrf');
    const saved = await storeCall(this.#d.store.get<StoreValue>(interactionKey(id)));
    if (!saved || typeof saved !== 'object') throw pageError(400, 'expired');
    const interaction = saved as unknown as Interaction;
    if (interaction.expiresAt <= this.#d.now()) throw pageError(400, 'expired');
    if (!(await this.#cookieMatches(request, interaction))) throw pageError(403, 'csrf');
    const lookup = await this.#d.clients.lookup(interaction.clientId);
    if (!lookup.client) throw pageError(400, 'unknown_client');
    return { form, interaction, client: lookup.client };
  }

  async #claimAttempt(interaction: Interaction): Promise<number> {
    const ttl = interaction.expiresAt - this.#d.now();
    if (ttl <= 0) throw pageError(400, 'expired');
    for (let slot = 0; slot < this.#d.maxLoginAttempts; slot++) {
      const key = STORE_KEYS.loginAttempt(interaction.id, slot);
      if (await storeCall(this.#d.store.setIfAbsent(key, 1, ttl, DISPOSABLE))) return slot;
    }
    await storeCall(this.#d.store.delete(interactionKey(interaction.id)));
    throw pageError(429, 'too_many_attempts');
  }

  async #take(id: string): Promise<Interaction> {
    const taken = await storeCall(this.#d.store.take<StoreValue>(interactionKey(id)));
    // A second submission of the same form: the interaction was already used.
    if (!taken || typeof taken !== 'object') throw pageError(400, 'expired');
    return taken as unknown as Interaction;
  }

  async #save(interaction: Interaction): Promise<void> {
    const ttl = interaction.expiresAt - this.#d.now();
    if (ttl <= 0) throw pageError(400, 'expired');
    await storeCall(
      this.#d.store.set(
        interactionKey(interaction.id),
        interaction as unknown as StoreValue,
        ttl,
        DISPOSABLE,
      ),
    );
  }

  async #startUpstream(interaction: Interaction, approved: string[]): Promise<HttpResponse> {
    const provider = this.#d.identityProvider;
    if (provider.kind !== 'redirect') throw pageError(400, 'invalid_interaction');
    const state = generateRandomToken(32);
    const redirectUri = this.#d.origin + this.#d.paths.callback;
    const { url, data } = await provider.startLogin({ state, redirectUri, scopes: approved });
    const expiresAt = this.#d.now() + this.#d.interactionTtlMs;
    const saved: UpstreamState = {
      interaction: { ...interaction, stage: 'upstream', approved },
      data,
      expiresAt,
    };
    await storeCall(
      this.#d.store.set(
        upstreamKey(state),
        saved as unknown as StoreValue,
        this.#d.interactionTtlMs,
        DISPOSABLE,
      ),
    );
    return {
      status: 303,
      headers: {
        location: url.href,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      },
    };
  }

  async #finish(
    interaction: Interaction,
    client: ClientRecord,
    identity: Identity,
    scopes: readonly string[],
    upstreamTokens: UpstreamTokens | undefined,
    status: 302 | 303,
  ): Promise<HttpResponse> {
    const tokens = await this.#d.tokens();
    const code = await tokens.issueAuthorizationCode({
      clientId: client.clientId,
      redirectUri: interaction.redirectUri,
      redirectUriInRequest: interaction.redirectUriInRequest,
      codeChallenge: interaction.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(interaction.dpopJkt === undefined ? {} : { dpopJkt: interaction.dpopJkt }),
      scopes,
      resource: interaction.resource,
      // mcp_grantable_scopes: what this client may ever request for the user, so a call needing
      // more is refused inside MCP, not with a step-up the client's retry cannot pass.
      identity: grantableForClient(this.#resourceOf(interaction), client, identity),
      clientName: client.clientName,
      ...(upstreamTokens ? { upstreamTokens } : {}),
    });
    // The signed-in user's session (the `/grants` page), started when a sign-in completes.
    const session = await this.#d.session?.issue(identity);
    await this.#d.clients.markUsed(client);
    // SECURITY-CASES 4: code, the exact state and iss; nothing else.
    return this.#redirect(
      interaction.redirectUri,
      status,
      {
        code,
        state: interaction.state ?? undefined,
      },
      session === undefined
        ? [this.#clearCookie(interaction)]
        : [this.#clearCookie(interaction), session],
    );
  }

  async #remembered(
    identity: Identity,
    client: ClientRecord,
    scopes: readonly string[],
    target: FlowResource,
  ): Promise<boolean> {
    if (this.#d.consentTtlMs <= 0) return false;
    const [saved, deleted] = await storeCall(
      this.#d.store.getMany<StoreValue>([
        await consentKey(identity.sub, client.clientId, target.url),
        STORE_KEYS.revokedClient(await hashClientId(client.clientId)),
      ]),
    );
    if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return false;
    // A consent given before the client was deleted (grant management) is not remembered.
    const at = (saved as { at?: unknown }).at;
    const deletedAt = (deleted as { at?: unknown } | undefined)?.at;
    const after = typeof at === 'number' && typeof deletedAt === 'number' && at > deletedAt;
    if (deleted !== undefined && !after) return false;
    const granted = (saved as { scopes?: unknown }).scopes;
    return (
      Array.isArray(granted) &&
      scopes.every((s) =>
        target.coversScope(
          granted.filter((g) => typeof g === 'string'),
          s,
        ),
      )
    );
  }

  async #remember(
    identity: Identity,
    client: ClientRecord,
    scopes: readonly string[],
    resource: string,
  ): Promise<void> {
    if (this.#d.consentTtlMs <= 0) return;
    await storeCall(
      this.#d.store.set(
        await consentKey(identity.sub, client.clientId, resource),
        { scopes: [...scopes], at: this.#d.now() },
        this.#d.consentTtlMs,
      ),
    );
  }

  // --- cookies ------------------------------------------------------------------------

  async #cookie(interaction: Interaction): Promise<string> {
    const sig = await this.#d.signer.sign(`interaction|${interaction.id}|${interaction.clientId}`);
    return serializeCookie(
      this.#cookieNameFor(interaction.id),
      `${interaction.id}.${sig}`,
      this.#d.interactionTtlMs / 1000,
      this.#d.cookie,
    );
  }

  #clearCookie(interaction: Interaction): string {
    return serializeCookie(this.#cookieNameFor(interaction.id), '', 0, this.#d.cookie);
  }

  // The cookie is signed over the interaction id and the client id: bound to both.
  async #cookieMatches(request: HttpRequest, interaction: Interaction): Promise<boolean> {
    const value = readCookie(request.headers['cookie'], this.#cookieNameFor(interaction.id));
    if (!value) return false;
    const [id, sig, extra] = value.split('.');
    if (extra !== undefined || id !== interaction.id || !sig) return false;
    return this.#d.signer.verify(`interaction|${interaction.id}|${interaction.clientId}`, sig);
  }

  // --- responses ----------------------------------------------------------------------

  #display(client: ClientRecord, redirectUri: string): ClientDisplay {
    return {
      name: client.clientName,
      clientId: client.clientId,
      redirectTarget: redirectTarget(redirectUri).display,
      redirectKind: redirectKindOf(redirectUri),
      source: client.source,
    };
  }

  #formAction(redirectUri: string): readonly string[] | 'any' {
    // Upstream mode: the consent form leads to the IdP, whose origin is not known yet.
    if (this.#d.identityProvider.kind === 'redirect') return 'any';
    return [redirectTarget(redirectUri).cspSource];
  }

  async #loginPage(
    interaction: Interaction,
    client: ClientRecord,
    status: number,
    extra: { failed?: boolean; username?: string },
    cookies: readonly string[] = [],
  ): Promise<HttpResponse> {
    return this.#d.pages.login(
      interaction.locale,
      {
        action: this.#d.paths.login,
        interaction: interaction.id,
        csrf: await this.#d.signer.sign(`csrf|${interaction.id}`),
        client: this.#display(client, interaction.redirectUri),
        service: { name: this.#resourceOf(interaction).name, url: interaction.resource },
        failed: extra.failed ?? false,
        username: extra.username,
      },
      { status, formAction: this.#formAction(interaction.redirectUri), cookies },
    );
  }

  async #consentPage(
    interaction: Interaction,
    client: ClientRecord,
    cookies: readonly string[] = [],
  ): Promise<HttpResponse> {
    const offered = interaction.offered ?? interaction.scopes;
    return this.#d.pages.consent(
      interaction.locale,
      {
        action: this.#d.paths.consent,
        interaction: interaction.id,
        csrf: await this.#d.signer.sign(`csrf|${interaction.id}`),
        client: this.#display(client, interaction.redirectUri),
        service: { name: this.#resourceOf(interaction).name, url: interaction.resource },
        scopes: offered.map((name) => ({ name, description: this.#d.scopeDescriptions[name] })),
        unavailable: interaction.scopes.filter((s) => !offered.includes(s)),
        user: interaction.identity?.displayName ?? interaction.identity?.sub,
        upstreamNext: interaction.stage === 'consent-upstream',
        ...(this.#d.paths.grants !== undefined ? { grantsUrl: this.#d.paths.grants } : {}),
      },
      { status: 200, formAction: this.#formAction(interaction.redirectUri), cookies },
    );
  }

  #redirect(
    redirectUri: string,
    status: 302 | 303,
    params: Record<string, string | undefined>,
    cookies: readonly string[] = [],
  ): HttpResponse {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined) query.append(name, value);
    }
    query.append('iss', this.#d.issuer); // RFC 9207 §2
    // Appended to the registered URI as is: no normalization of what the client registered.
    const location = redirectUri + (redirectUri.includes('?') ? '&' : '?') + query.toString();
    const headers: Record<string, string | readonly string[]> = {
      location,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    };
    if (cookies.length > 0) headers['set-cookie'] = [...cookies];
    return { status, headers };
  }

  // Error pages in the language the browser asks for (the interaction may be unknown here).
  #page(error: unknown, request: HttpRequest): Promise<HttpResponse> {
    const locale = this.#d.pages.locale(request.headers['accept-language']);
    if (error instanceof PageError) {
      return this.#d.pages.error(locale, error.code, {
        status: error.status,
        headers: error.headers,
      });
    }
    if (isOAuthError(error)) return oauthErrorPage(this.#d.pages, locale, error);
    return this.#d.pages.error(locale, 'server_error', { status: 500 });
  }
}

/**
 * True when the caller asks for JSON rather than a page (`Accept` names `application/json` and
 * not `text/html`): a client's own pre-flight check, never a browser navigation.
 */
function prefersJson(request: HttpRequest): boolean {
  const accept = request.headers['accept']?.toLowerCase() ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * An unknown `client_id` answered as JSON (`invalid_client`, RFC 6749 §5.2) for a client that
 * checks its registration before opening the browser (mcp-remote does): it can register again
 * instead of sending the user to an "Unknown application" page after the server forgot it.
 */
function unknownClientJson(error: PageError): HttpResponse {
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: 'invalid_client', error_description: error.text }),
  };
}

// An OAuthError thrown while serving a page (store down, throttled, oversized form): the
// page explains the three a user can act on; any other is an invalid request.
function oauthErrorPage(
  pages: PageRenderer,
  locale: string,
  error: OAuthError,
): Promise<HttpResponse> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.headers)) headers[name.toLowerCase()] = value;
  const explained = ['temporarily_unavailable', 'too_many_requests', 'request_too_large'];
  return pages.error(locale, error.code, {
    status: error.status,
    headers,
    messages: explained.includes(error.code) ? error.code : 'invalid_request',
  });
}

/** The errors shown as pages by the flow (their strings: `error.<code>.*` of the dictionary). */
type PageErrorCode =
  | 'missing_client'
  | 'unknown_client'
  | 'client_document'
  | 'invalid_redirect_uri'
  | 'csrf'
  | 'expired'
  | 'invalid_interaction'
  | 'too_many_attempts'
  | 'too_many_interactions'
  | 'invalid_state';

function pageError(status: number, code: PageErrorCode): PageError {
  return new PageError(status, code);
}

const interactionKey = STORE_KEYS.interaction;
const upstreamKey = STORE_KEYS.upstreamState;

// Remembered consent is per user, client and resource: approving one resource says nothing of
// another behind the same issuer.
async function consentKey(userId: string, clientId: string, resource: string): Promise<string> {
  return STORE_KEYS.consent(await sha256Base64Url(`${userId}\u0000${clientId}\u0000${resource}`));
}
