// The client side of the examples' tests: the official MCP SDK `Client` over
// `StreamableHTTPClientTransport`, authorized by an in-memory `OAuthClientProvider` whose
// `redirectToAuthorization` plays the user: it submits the real login and consent forms
// (core's scripted form browser, `authorizeWithForms`) and keeps the code it ends with.
import { randomBytes } from 'node:crypto';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import {
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

/** What the scripted user does on the authorization server's pages. */
export interface ScriptedUser {
  username: string;
  /** Default `demo` (the examples' password). */
  password?: string;
  /** Scopes to untick on the consent page. */
  untick?: readonly string[];
}

/**
 * An in-memory OAuth client (public, PKCE, dynamic registration, loopback redirect) whose
 * "browser" is {@link authorizeWithForms}. Tokens never leave memory and are never printed.
 */
export class ScriptedOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1/callback';
  /** Every authorization URL the SDK sent the user to. */
  readonly authorizationUrls: URL[] = [];
  #user: ScriptedUser;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;
  #state: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  #code: string | undefined;

  constructor(user: ScriptedUser) {
    this.#user = user;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'mcp-auth example test',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    this.#state = randomBytes(16).toString('base64url');
    return this.#state;
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

  /** Logs in and consents through the real forms; keeps the code for {@link takeCode}. */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.authorizationUrls.push(authorizationUrl);
    const result = await authorizeWithForms({
      fetch: (request) => fetch(request),
      authorizationUrl,
      username: this.#user.username,
      password: this.#user.password ?? 'demo',
      untick: this.#user.untick ?? [],
    });
    // RFC 6749 §10.12: the redirect must carry the state this client sent.
    if (result.state === undefined || result.state !== this.#state) {
      throw new Error('authorization redirect: state mismatch');
    }
    if (result.error !== undefined || result.code === undefined) {
      throw new Error(`authorization ended with error ${result.error ?? '(no code)'}`);
    }
    this.#code = result.code;
  }

  /** The code of the last authorization (once). */
  takeCode(): string {
    const code = this.#code;
    this.#code = undefined;
    if (code === undefined) throw new Error('no authorization code: no authorization ran');
    return code;
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no PKCE code verifier saved');
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

  /** The access token (for tests that replay it by hand; never print it). */
  get accessToken(): string {
    const token = this.#tokens?.access_token;
    if (token === undefined) throw new Error('no access token yet');
    return token;
  }

  /** The scopes the token endpoint granted. */
  get grantedScopes(): string[] {
    return (this.#tokens?.scope ?? '').split(' ').filter(Boolean).sort();
  }
}

/** A connected SDK client and its OAuth provider. */
export interface OAuthSession {
  readonly client: Client;
  readonly provider: ScriptedOAuthProvider;
  /** Tool names from `tools/list`, sorted. */
  toolNames(): Promise<string[]>;
  /** Calls a tool; returns the result's error flag and its text. */
  call(
    name: string,
    args?: Record<string, unknown>,
  ): Promise<{ isError: boolean; text: string; structured: unknown }>;
  close(): Promise<void>;
}

function newTransport(mcpUrl: URL, provider: ScriptedOAuthProvider) {
  return new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
}

/**
 * Connects the official SDK client to `mcpUrl` as `user`: the first attempt meets the 401,
 * discovers the authorization server (RFC 9728 → RFC 8414), registers (RFC 7591), and sends
 * the user through login + consent with PKCE; the code is exchanged with `finishAuth`, then
 * the client connects again with the token.
 */
export async function connectWithOAuth(
  mcpUrl: string | URL,
  user: ScriptedUser,
  provider: ScriptedOAuthProvider = new ScriptedOAuthProvider(user),
): Promise<OAuthSession> {
  const url = new URL(mcpUrl);
  let client = new Client({ name: 'mcp-auth-example-test', version: '1.0.0' });
  const first = newTransport(url, provider);
  try {
    await client.connect(first);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await first.finishAuth(provider.takeCode());
    await client.close().catch(() => {});
    client = new Client({ name: 'mcp-auth-example-test', version: '1.0.0' });
    await client.connect(newTransport(url, provider));
  }
  return {
    client,
    provider,
    async toolNames() {
      const { tools } = await client.listTools();
      return tools.map((t) => t.name).sort();
    },
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = (result.content ?? []) as { type: string; text?: string }[];
      return {
        isError: result.isError === true,
        text: content.map((c) => c.text ?? '').join('\n'),
        structured: result.structuredContent,
      };
    },
    close: () => client.close().catch(() => {}),
  };
}
