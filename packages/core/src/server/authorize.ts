import { generateRandomToken } from '../encoding/random.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { isOAuthError, type OAuthError } from '../errors/oauth-error.js';
import { isValidS256Challenge } from '../pkce.js';
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
import { type FormParams, parseFormBody, uniqueParams } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { redirectTarget, redirectUriMatches } from './redirect-uri.js';
import type { ClientRecord, IdentityProvider } from './types.js';
import type { Identity, UpstreamTokens } from '../domain/identity.js';
import { htmlResponse } from './ui/html.js';
import {
  type ClientDisplay,
  consentPage,
  errorPage,
  loginPage,
  redirectKindOf,
} from './ui/pages.js';

/** Paths of the browser-facing endpoints (absolute paths on the issuer's origin). */
export interface AuthorizationPaths {
  readonly authorize: string;
  readonly login: string;
  readonly consent: string;
  readonly callback: string;
}

/** Everything the authorization flow needs, assembled by `createAuthorizationServer`. */
export interface AuthorizationFlowDeps {
  readonly issuer: string;
  readonly resource: string;
  /** Shown on the login and consent pages: what the user signs in to (`resourceName`). */
  readonly serviceName: string;
  readonly origin: string;
  readonly paths: AuthorizationPaths;
  readonly store: Store;
  readonly clients: ServerClientRegistry;
  readonly identityProvider: IdentityProvider;
  readonly tokens: () => Promise<TokenService>;
  readonly signer: Signer;
  readonly cookie: CookieSettings;
  /**
   * Whether a set of scopes covers a scope: the policy's rule (exact, `:*` wildcards, the scope
   * hierarchy — a user who may be granted `mcp:tools:admin` may be granted what it implies).
   */
  readonly coversScope: (granted: readonly string[], scope: string) => boolean;
  readonly scopesSupported: () => readonly string[];
  readonly defaultScopes: (() => readonly string[]) | undefined;
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
}

// What is kept server-side between the authorize request and the code (JSON in the store).
interface Interaction {
  readonly id: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriInRequest: boolean;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly state: string | null;
  readonly forceConsent: boolean;
  readonly expiresAt: number;
  stage: 'login' | 'consent' | 'consent-upstream' | 'upstream';
  identity?: Identity;
  offered?: readonly string[];
  approved?: readonly string[];
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
    readonly title: string,
    readonly text: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(text);
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
        : this.#page(error);
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
          error: 'The username or password is incorrect.',
          username,
        });
      }
      const offered = interaction.scopes.filter((s) =>
        this.#d.coversScope(identity.grantableScopes, s),
      );
      if (!interaction.forceConsent && (await this.#remembered(identity, client, offered))) {
        const taken = await this.#take(interaction.id);
        return await this.#finish(taken, client, identity, offered, undefined, 303);
      }
      interaction.stage = 'consent';
      interaction.identity = identity;
      interaction.offered = offered;
      await this.#save(interaction);
      return this.#consentPage(interaction, client);
    } catch (error) {
      return this.#page(error);
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
        await this.#remember(identity, client, approved);
        return await this.#finish(taken, client, identity, approved, undefined, 303);
      }
      return await this.#startUpstream(taken, approved);
    } catch (error) {
      return this.#page(error);
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
      const approved = (interaction.approved ?? []).filter((s) =>
        this.#d.coversScope(result.identity.grantableScopes, s),
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
      return this.#page(error);
    }
  }

  /** Forgets the remembered consent of a user for a client. */
  async revokeConsent(userId: string, clientId: string): Promise<void> {
    await storeCall(this.#d.store.delete(await consentKey(userId, clientId)));
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
    // RFC 8707: the resource becomes the audience; only this server's resource is served.
    const resource = params.get('resource') ?? this.#d.resource;
    if (resource !== this.#d.resource) {
      throw new RedirectError('invalid_target', 'The resource is not served by this server');
    }
    const scopes = this.#scopes(params.get('scope'), client);
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
      scopes,
      resource,
      state,
      forceConsent: prompt.includes('consent'),
      expiresAt: this.#d.now() + this.#d.interactionTtlMs,
      stage: this.#d.identityProvider.kind === 'local' ? 'login' : 'consent-upstream',
    };
  }

  // Requested scopes: each known (when scopes are declared) and within what the client
  // registered. Absent: the client's registered scopes, else `defaultScopes`, else all.
  #scopes(text: string | undefined, client: ClientRecord): string[] {
    const supported = this.#d.scopesSupported();
    const registered = client.scope?.split(' ').filter(Boolean);
    if (text === undefined || text.trim() === '') {
      const fallback = registered ?? this.#d.defaultScopes?.() ?? supported;
      return [...new Set(fallback)];
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
        const page = PAGES['too_many_interactions']!;
        throw new PageError(429, page.title, page.text, 'too_many_interactions', {
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
      scopes,
      resource: interaction.resource,
      identity,
      ...(upstreamTokens ? { upstreamTokens } : {}),
    });
    await this.#d.clients.markUsed(client);
    // SECURITY-CASES 4: code, the exact state and iss; nothing else.
    return this.#redirect(
      interaction.redirectUri,
      status,
      {
        code,
        state: interaction.state ?? undefined,
      },
      [this.#clearCookie(interaction)],
    );
  }

  async #remembered(
    identity: Identity,
    client: ClientRecord,
    scopes: readonly string[],
  ): Promise<boolean> {
    if (this.#d.consentTtlMs <= 0) return false;
    const saved = await storeCall(
      this.#d.store.get<StoreValue>(await consentKey(identity.sub, client.clientId)),
    );
    if (!saved || typeof saved !== 'object' || Array.isArray(saved)) return false;
    const granted = (saved as { scopes?: unknown }).scopes;
    return (
      Array.isArray(granted) &&
      scopes.every((s) =>
        this.#d.coversScope(
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
  ): Promise<void> {
    if (this.#d.consentTtlMs <= 0) return;
    await storeCall(
      this.#d.store.set(
        await consentKey(identity.sub, client.clientId),
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
    extra: { error?: string; username?: string },
    cookies: readonly string[] = [],
  ): Promise<HttpResponse> {
    return htmlResponse(
      status,
      loginPage({
        action: this.#d.paths.login,
        interaction: interaction.id,
        csrf: await this.#d.signer.sign(`csrf|${interaction.id}`),
        client: this.#display(client, interaction.redirectUri),
        service: { name: this.#d.serviceName, url: interaction.resource },
        error: extra.error,
        username: extra.username,
      }),
      { formAction: this.#formAction(interaction.redirectUri), cookies },
    );
  }

  async #consentPage(
    interaction: Interaction,
    client: ClientRecord,
    cookies: readonly string[] = [],
  ): Promise<HttpResponse> {
    const offered = interaction.offered ?? interaction.scopes;
    return htmlResponse(
      200,
      consentPage({
        action: this.#d.paths.consent,
        interaction: interaction.id,
        csrf: await this.#d.signer.sign(`csrf|${interaction.id}`),
        client: this.#display(client, interaction.redirectUri),
        service: { name: this.#d.serviceName, url: interaction.resource },
        scopes: offered.map((name) => ({ name, description: this.#d.scopeDescriptions[name] })),
        unavailable: interaction.scopes.filter((s) => !offered.includes(s)),
        user: interaction.identity?.displayName ?? interaction.identity?.sub,
        upstreamNext: interaction.stage === 'consent-upstream',
      }),
      { formAction: this.#formAction(interaction.redirectUri), cookies },
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

  #page(error: unknown): HttpResponse {
    if (error instanceof PageError) {
      return htmlResponse(
        error.status,
        errorPage({ title: error.title, message: error.text, code: error.code }),
        { headers: error.headers },
      );
    }
    if (isOAuthError(error)) return oauthErrorPage(error);
    return htmlResponse(
      500,
      errorPage({
        title: 'Something went wrong',
        message: 'The server could not complete this request.',
        code: 'server_error',
      }),
    );
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

function oauthErrorPage(error: OAuthError): HttpResponse {
  const unavailable = error.code === 'temporarily_unavailable';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.headers)) headers[name.toLowerCase()] = value;
  return htmlResponse(
    error.status,
    errorPage(
      unavailable
        ? {
            title: 'Temporarily unavailable',
            message:
              'The service cannot complete sign-ins right now. Nothing was issued; please try again in a moment.',
            code: error.code,
          }
        : error.code === 'too_many_requests'
          ? {
              title: 'Too many attempts',
              message:
                'Too many sign-in attempts for this account or from this address. Wait a moment, then try again.',
              code: error.code,
            }
          : error.code === 'request_too_large'
            ? {
                title: 'Request too large',
                message: 'The request was larger than allowed.',
                code: error.code,
              }
            : {
                title: 'Invalid request',
                message: 'The request is malformed: a parameter is missing, repeated or invalid.',
                code: error.code,
              },
    ),
    { headers },
  );
}

const PAGES: Record<string, { title: string; text: string }> = {
  missing_client: {
    title: 'Unknown application',
    text: 'The request does not say which application is asking (client_id is missing).',
  },
  unknown_client: {
    title: 'Unknown application',
    text: 'The application asking for access is not registered with this server.',
  },
  client_document: {
    title: 'Application could not be verified',
    text: 'The application identifies itself with a metadata document that could not be loaded or is invalid.',
  },
  invalid_redirect_uri: {
    title: 'Invalid return address',
    text: 'The address the application asked to return to is not one it registered, so you are not being sent there.',
  },
  csrf: {
    title: 'Form expired or not allowed',
    text: 'This form was not submitted from this browser session. Start the sign-in again from the application.',
  },
  expired: {
    title: 'Sign-in expired',
    text: 'This sign-in has expired or was already completed. Start again from the application.',
  },
  invalid_interaction: {
    title: 'Unexpected step',
    text: 'This step of the sign-in is not expected now. Start again from the application.',
  },
  too_many_attempts: {
    title: 'Too many attempts',
    text: 'Too many incorrect sign-in attempts. Start again from the application.',
  },
  too_many_interactions: {
    title: 'Too many sign-ins',
    text: 'Too many sign-ins were started from here or by this application. Wait a few minutes, then start again from the application.',
  },
  invalid_state: {
    title: 'Sign-in could not be completed',
    text: 'The identity provider answered with an unknown, expired or already used sign-in. Start again from the application.',
  },
};

function pageError(status: number, code: keyof typeof PAGES & string): PageError {
  const page = PAGES[code] ?? { title: 'Error', text: 'The request cannot be completed.' };
  return new PageError(status, page.title, page.text, code);
}

const interactionKey = STORE_KEYS.interaction;
const upstreamKey = STORE_KEYS.upstreamState;

async function consentKey(userId: string, clientId: string): Promise<string> {
  return STORE_KEYS.consent(await sha256Base64Url(`${userId}\u0000${clientId}`));
}
