/**
 * The tool author's side of RFC 8693 token exchange: how a tool of an MCP server calls another
 * API for the user — by trading the caller's access token for one issued to that API, never by
 * passing the caller's token through.
 */
import { readCapped } from '../encoding/read-capped.js';
import { utf8DecodeStrict } from '../encoding/utf8.js';
import {
  OAuthError,
  type OAuthErrorCode,
  ServerError,
  TemporarilyUnavailableError,
} from '../errors/oauth-error.js';
import { isHttpsOrLoopbackUrl } from '../net/host.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const MAX_RESPONSE_BYTES = 64 * 1024;

/** How the MCP server authenticates at the token endpoint in {@link exchangeToken}. */
export type ExchangeClientAuth =
  | {
      /** The MCP server's client id at the authorization server. */
      readonly clientId: string;
      /** Its client secret. */
      readonly clientSecret: string;
      /** Default `client_secret_basic` (HTTP Basic); `client_secret_post` sends it in the form. */
      readonly method?: 'client_secret_basic' | 'client_secret_post';
    }
  | ((params: URLSearchParams, headers: Headers) => void | Promise<void>);

/** Options of {@link exchangeToken}. */
export interface ExchangeTokenOptions {
  /** The authorization server's token endpoint (https; http only on loopback). */
  tokenEndpoint: string | URL;
  /**
   * The MCP server's client credentials, or a function that adds them (e.g. a `private_key_jwt`
   * client assertion) to the form and headers.
   */
  clientAuth: ExchangeClientAuth;
  /** The access token the caller presented to your MCP server (the `subject_token`). */
  subjectToken: string;
  /**
   * The downstream API, as declared in the authorization server's `tokenExchange.audiences`:
   * sent as `resource` when it is an absolute URL, else as `audience`.
   */
  audience: string;
  /** The scopes wanted (space-separated or a list); default: what the declaration allows. */
  scope?: string | readonly string[];
  /** The fetch to use. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Timeout of the request in milliseconds. Default 10,000. */
  timeoutMs?: number;
}

/** The token {@link exchangeToken} obtained for the downstream API. */
export interface ExchangedToken {
  /** The access token for the downstream API: send it there as `Authorization: Bearer …`. */
  readonly accessToken: string;
  /** `Bearer` (or `DPoP` when the exchange proved a key). */
  readonly tokenType: string;
  /** Seconds until it expires, when the server said. */
  readonly expiresIn: number | undefined;
  /** The granted scopes. */
  readonly scopes: readonly string[];
}

const KNOWN_CODES: ReadonlySet<string> = new Set<OAuthErrorCode>([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'temporarily_unavailable',
  'too_many_requests',
]);

function checkOptions(options: ExchangeTokenOptions): URL {
  const where = 'exchangeToken';
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options are required`);
  }
  let url: URL;
  try {
    url = new URL(options.tokenEndpoint);
  } catch {
    throw new TypeError(`${where}: tokenEndpoint must be an absolute URL`);
  }
  if (!isHttpsOrLoopbackUrl(url)) {
    throw new TypeError(`${where}: tokenEndpoint must use https (http only on loopback)`);
  }
  if (typeof options.subjectToken !== 'string' || options.subjectToken.length === 0) {
    throw new TypeError(`${where}: subjectToken (the caller's access token) is required`);
  }
  if (typeof options.audience !== 'string' || options.audience.length === 0) {
    throw new TypeError(`${where}: audience (the downstream API) is required`);
  }
  const auth = options.clientAuth;
  if (
    typeof auth !== 'function' &&
    (typeof auth !== 'object' ||
      auth === null ||
      typeof auth.clientId !== 'string' ||
      typeof auth.clientSecret !== 'string' ||
      auth.clientId.length === 0)
  ) {
    throw new TypeError(`${where}: clientAuth must be { clientId, clientSecret } or a function`);
  }
  return url;
}

// RFC 6749 §2.3.1: form-urlencode each part, then Base64.
function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  const bytes = new TextEncoder().encode(`${encode(clientId)}:${encode(clientSecret)}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  const read = await readCapped(
    response.body,
    MAX_RESPONSE_BYTES,
    response.headers.get('content-length'),
  );
  if (read.overflow) return undefined;
  const text = utf8DecodeStrict(read.bytes);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function refusal(status: number, body: Record<string, unknown> | undefined): OAuthError {
  const code = body?.error;
  const description =
    typeof body?.error_description === 'string'
      ? body.error_description
      : 'The token exchange was refused';
  if (typeof code === 'string' && KNOWN_CODES.has(code)) {
    return new OAuthError(code as OAuthErrorCode, Math.max(status, 400), description);
  }
  return new ServerError('The authorization server answered the token exchange with an error');
}

/**
 * Exchanges the caller's access token for a token for a downstream API (RFC 8693), on the
 * user's behalf: the answer to "how does my tool call another API for the user". Never pass
 * the caller's token itself to another API (the MCP specification forbids token passthrough:
 * that token's audience is your MCP server). The authorization server must declare the
 * audience and list your MCP server's client for it (`tokenExchange`); the token it returns
 * carries the user as `sub`, your server as `act.sub`, scopes no wider than the caller's, and
 * expires no later than the caller's token.
 *
 * ```ts
 * const { accessToken } = await exchangeToken({
 *   tokenEndpoint: 'https://auth.example.com/token',
 *   clientAuth: { clientId: 'mcp-server', clientSecret: process.env.MCP_SERVER_SECRET! },
 *   subjectToken: extra.authInfo.token,
 *   audience: 'https://calendar.example.com/',
 *   scope: 'calendar:read',
 * });
 * await fetch('https://calendar.example.com/events', {
 *   headers: { authorization: `Bearer ${accessToken}` },
 * });
 * ```
 *
 * @throws TypeError for bad options. Rejects with the server's `OAuthError` (`invalid_target`,
 *   `unauthorized_client`, `invalid_grant`, `invalid_scope`, …) when it refuses, and with
 *   `TemporarilyUnavailableError` when it cannot be reached. No error holds a token.
 */
export async function exchangeToken(options: ExchangeTokenOptions): Promise<ExchangedToken> {
  const url = checkOptions(options);
  const params = new URLSearchParams({
    grant_type: TOKEN_EXCHANGE,
    subject_token: options.subjectToken,
    subject_token_type: ACCESS_TOKEN,
    requested_token_type: ACCESS_TOKEN,
  });
  params.set(URL.canParse(options.audience) ? 'resource' : 'audience', options.audience);
  const scope = typeof options.scope === 'string' ? options.scope : options.scope?.join(' ');
  if (scope !== undefined && scope.length > 0) params.set('scope', scope);
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  });
  const auth = options.clientAuth;
  if (typeof auth === 'function') {
    await auth(params, headers);
  } else if (auth.method === 'client_secret_post') {
    params.set('client_id', auth.clientId);
    params.set('client_secret', auth.clientSecret);
  } else {
    headers.set('authorization', basicCredentials(auth.clientId, auth.clientSecret));
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
  let response: Response;
  let body: Record<string, unknown> | undefined;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: params.toString(),
      redirect: 'error',
      signal: controller.signal,
    });
    body = await readJson(response);
  } catch (cause) {
    throw new TemporarilyUnavailableError('The authorization server could not be reached', {
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200) throw refusal(response.status, body);
  const accessToken = body?.access_token;
  const tokenType = body?.token_type;
  if (
    typeof accessToken !== 'string' ||
    accessToken.length === 0 ||
    typeof tokenType !== 'string'
  ) {
    throw new ServerError('The token exchange response has no access token');
  }
  const expiresIn = typeof body?.expires_in === 'number' ? body.expires_in : undefined;
  const scopes = typeof body?.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [];
  return Object.freeze({ accessToken, tokenType, expiresIn, scopes: Object.freeze(scopes) });
}
