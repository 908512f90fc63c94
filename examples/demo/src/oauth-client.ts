import { randomBytes } from 'node:crypto';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';

/** Options of {@link DemoOAuthClientProvider}. */
export interface DemoOAuthClientProviderOptions {
  /** The loopback redirect URI, e.g. `http://127.0.0.1:53682/callback`. */
  redirectUrl: string;
  /** Called with the authorization URL the user must open (a browser, a scripted form, …). */
  onRedirect: (authorizationUrl: URL) => void | Promise<void>;
  /** The client name shown on the consent page. */
  clientName?: string;
}

/**
 * An in-memory `OAuthClientProvider` for the official MCP SDK client (`@modelcontextprotocol/client`
 * 2.x; its shape also fits the 1.x SDK's): dynamic registration as a public client (PKCE, no
 * secret), loopback redirect, tokens kept in memory only.
 *
 * The 2.x client steps up on its own (a 403 `insufficient_scope` re-authorizes with the union
 * of the scopes). For the 1.x SDK, which first tries its refresh token (it cannot widen a
 * grant) and then gives up, {@link fetch} spots that 403 and hides the refresh token until new
 * tokens arrive, so the SDK starts a new authorization with the wider scope instead: pass
 * `provider.fetch` as the 1.x transport's `fetch`.
 */
export class DemoOAuthClientProvider implements OAuthClientProvider {
  readonly #options: DemoOAuthClientProviderOptions;
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier: string | undefined;
  #state: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  #stepUp = false;

  constructor(options: DemoOAuthClientProviderOptions) {
    this.#options = options;
  }

  get redirectUrl(): string {
    return this.#options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#options.clientName ?? 'mcp-auth demo client',
      redirect_uris: [this.#options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** A fresh `state` per authorization, checked by {@link checkState} on the redirect. */
  state(): string {
    this.#state = randomBytes(16).toString('base64url');
    return this.#state;
  }

  /** True when `state` from the redirect is the one this provider sent (RFC 6749 §10.12). */
  checkState(state: string | null | undefined): boolean {
    const expected = this.#state;
    this.#state = undefined;
    return expected !== undefined && state === expected;
  }

  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }

  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.#client = info;
  }

  tokens(): StoredOAuthTokens | undefined {
    if (!this.#tokens || !this.#stepUp) return this.#tokens;
    const { refresh_token: _hidden, ...rest } = this.#tokens;
    return rest as StoredOAuthTokens;
  }

  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
    this.#stepUp = false;
  }

  /** The scopes of the current access token, as the token endpoint reported them. */
  get grantedScopes(): readonly string[] {
    return this.#tokens?.scope?.split(' ').filter(Boolean) ?? [];
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    await this.#options.onRedirect(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new Error('No PKCE code verifier saved');
    return this.#verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }

  /** A `fetch` for the transport that notices step-up challenges (see the class comment). */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    if (
      response.status === 403 &&
      /error="insufficient_scope"/.test(response.headers.get('www-authenticate') ?? '')
    ) {
      this.#stepUp = true;
    }
    return response;
  };
}
