// In-memory OAuthClientProviders for the official MCP clients (SDK v1 and v2), and a fetch that
// records what the client sent, so the flow's order (401 → metadata → registration → token) is
// checked.
import type {
  OAuthDiscoveryState,
  OAuthClientProvider as OAuthClientProviderV2,
} from '@modelcontextprotocol/client';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** A client the test drives: every redirect to the authorization server is captured. */
export class MemoryOAuthClientProvider implements OAuthClientProvider {
  readonly #redirectUrl: string;
  readonly #metadata: OAuthClientMetadata;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;
  #state = 0;
  readonly clientMetadataUrl?: string;
  /** Every authorization URL the SDK asked to open, in order. */
  readonly authorizationUrls: URL[] = [];
  /** Every state the SDK sent. */
  readonly states: string[] = [];

  constructor(options: {
    redirectUrl: string;
    metadata?: Partial<OAuthClientMetadata>;
    /** Pre-known client information (e.g. a Client ID Metadata Document URL as `client_id`). */
    client?: OAuthClientInformationMixed;
    /** An https Client ID Metadata Document URL the SDK may use as `client_id` (SEP-991). */
    clientMetadataUrl?: string;
  }) {
    if (options.clientMetadataUrl !== undefined) this.clientMetadataUrl = options.clientMetadataUrl;
    this.#redirectUrl = options.redirectUrl;
    this.#metadata = {
      client_name: 'contract-suite client',
      redirect_uris: [options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...options.metadata,
    };
    this.#client = options.client;
  }

  get redirectUrl(): string {
    return this.#redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return this.#metadata;
  }

  /** The latest authorization URL the SDK produced. */
  get lastAuthorizationUrl(): URL | undefined {
    return this.authorizationUrls.at(-1);
  }

  state(): string {
    const state = `contract-state-${++this.#state}-${crypto.randomUUID()}`;
    this.states.push(state);
    return state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrls.push(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no code verifier saved');
    return this.#verifier;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#verifier = undefined;
  }
}

/**
 * The same provider for the SDK v2 client (`@modelcontextprotocol/client`), which also keeps the
 * discovery state across the redirect (SEP-2352: the callback leg is bound to the authorization
 * server that started it).
 */
export class MemoryOAuthClientProviderV2
  extends MemoryOAuthClientProvider
  implements OAuthClientProviderV2
{
  #discovery: OAuthDiscoveryState | undefined;

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  override invalidateCredentials(
    scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery',
  ): void {
    super.invalidateCredentials(scope);
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
}

/** One exchange the client made. */
export interface RecordedExchange {
  readonly method: string;
  readonly url: URL;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
  /** `grant_type` of a token request. */
  readonly grantType: string | undefined;
}

/** A fetch for the SDK transport that records each exchange (never a token or body). */
export function createRecordingFetch(): { fetch: typeof fetch; log: RecordedExchange[] } {
  const log: RecordedExchange[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    let grantType: string | undefined;
    if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/token')) {
      grantType = new URLSearchParams(await request.clone().text()).get('grant_type') ?? undefined;
    }
    const response = await fetch(request);
    log.push({
      method: request.method,
      url: new URL(request.url),
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      grantType,
    });
    return response;
  };
  return { fetch: recording as typeof fetch, log };
}
