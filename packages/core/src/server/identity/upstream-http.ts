import { utf8DecodeStrict } from '../../encoding/utf8.js';
import { OAuthError, TemporarilyUnavailableError } from '../../errors/oauth-error.js';
import { checkOutboundUrl } from '../../net/host.js';
import { type CappedRead, readCapped as readCappedBody } from '../../encoding/read-capped.js';

/** Why an upstream login failed; stable, for logs and tests (never a token or code). */
export type UpstreamErrorReason =
  | 'discovery_failed'
  | 'upstream_denied'
  | 'upstream_error'
  | 'issuer_mismatch'
  | 'invalid_callback'
  | 'token_request_failed'
  | 'invalid_token_response'
  | 'id_token_invalid'
  | 'userinfo_failed'
  | 'subject_mismatch'
  | 'mapping_failed'
  | 'refresh_failed'
  | 'revocation_failed';

/**
 * The upstream identity provider answered with an error or something we refuse to trust.
 * A 502 `server_error` (or 403 `access_denied` when the user declined upstream) carrying a
 * stable {@link UpstreamErrorReason}.
 */
export class UpstreamIdentityError extends OAuthError {
  /** Which step failed. */
  readonly reason: UpstreamErrorReason;
  constructor(reason: UpstreamErrorReason, description: string, options: { cause?: unknown } = {}) {
    super(
      reason === 'upstream_denied' ? 'access_denied' : 'server_error',
      reason === 'upstream_denied' ? 403 : 502,
      description,
      options,
    );
    this.reason = reason;
  }
}

/** Outbound HTTP settings shared by discovery, token, userinfo and JWKS requests. @internal */
export interface OutboundSettings {
  fetch: typeof fetch;
  allowInsecureLoopback: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** Throws a `TypeError` naming `name` unless `value` is a URL we may contact (SECURITY-CASES 23). */
export function requireSafeUrl(value: unknown, name: string, settings: OutboundSettings): URL {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    throw new TypeError(`UpstreamOAuthProvider: ${name} must be an absolute URL`);
  }
  const url = new URL(value);
  if (url.hash) throw new TypeError(`UpstreamOAuthProvider: ${name} must not have a fragment`);
  const problem = checkOutboundUrl(url, { allowInsecureLoopback: settings.allowInsecureLoopback });
  if (problem) throw new TypeError(`UpstreamOAuthProvider: ${name} ${problem}`);
  return url;
}

/**
 * A `fetch` that refuses any URL failing {@link checkOutboundUrl}, never follows redirects
 * (a redirect could point at a private address), and aborts after `timeoutMs`.
 */
export function guardedFetch(settings: OutboundSettings): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const problem = checkOutboundUrl(url, {
      allowInsecureLoopback: settings.allowInsecureLoopback,
    });
    if (problem) throw new TypeError(`The upstream URL ${problem}`);
    return settings.fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  }) as typeof fetch;
}

/**
 * Fetches JSON from the upstream with the guards of {@link guardedFetch} and a body size cap.
 * Network failures, timeouts and 5xx answers become `TemporarilyUnavailableError` (503);
 * a redirect, a 4xx or a body that is not a JSON object becomes {@link UpstreamIdentityError}.
 */
export async function fetchJson(
  settings: OutboundSettings,
  url: URL,
  init: RequestInit,
  reason: UpstreamErrorReason,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await guardedFetch(settings)(url, {
      ...init,
      headers: { accept: 'application/json', ...(init.headers as Record<string, string>) },
    });
  } catch (cause) {
    if (cause instanceof TypeError && /upstream URL/.test(cause.message)) {
      throw new UpstreamIdentityError(reason, 'The upstream URL is not allowed', { cause });
    }
    throw new TemporarilyUnavailableError('The identity provider is unreachable', { cause });
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    throw new UpstreamIdentityError(reason, 'The identity provider answered with a redirect');
  }
  if (response.status >= 500) {
    await response.body?.cancel().catch(() => {});
    throw new TemporarilyUnavailableError('The identity provider is unavailable');
  }
  const bytes = await readCapped(response, settings.maxResponseBytes, reason);
  const text = utf8DecodeStrict(bytes);
  let body: unknown;
  try {
    body = text === undefined ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UpstreamIdentityError(reason, 'The identity provider sent an invalid response');
  }
  return { status: response.status, body: body as Record<string, unknown> };
}

async function readCapped(
  response: Response,
  maxBytes: number,
  reason: UpstreamErrorReason,
): Promise<Uint8Array> {
  let read: CappedRead;
  try {
    read = await readCappedBody(response.body, maxBytes, response.headers.get('content-length'));
  } catch (cause) {
    throw new TemporarilyUnavailableError('The identity provider response was cut off', { cause });
  }
  if (read.overflow) {
    throw new UpstreamIdentityError(reason, 'The identity provider response is too large');
  }
  return read.bytes;
}
