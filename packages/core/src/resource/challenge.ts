import { sanitizeErrorDescription } from '../errors/oauth-error.js';
import { isValidScopeToken, resourceScopes } from '../policy/scopes.js';

/** Options of {@link buildBearerChallenge}. */
export interface BearerChallengeOptions {
  /**
   * The protected-resource metadata URL (RFC 9728 §5.1). The MCP authorization spec requires it
   * on every 401.
   */
  resourceMetadataUrl?: string | URL | undefined;
  /** RFC 6750 §3.1 error code; omit when the request carried no credentials at all. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined;
  /** Human-readable text; sanitized (RFC 6749 §5.2 characters only, max 300). */
  errorDescription?: string | undefined;
  /**
   * Scopes the client should request: on a 401 the scopes the resource needs, on a 403
   * `insufficient_scope` every scope needed for this call (granted ∪ missing) for step-up.
   * Invalid scope tokens are dropped; duplicates removed.
   */
  scope?: string | readonly string[] | undefined;
  /** Optional `realm`. */
  realm?: string | undefined;
}

// quoted-string content we emit: printable ASCII without `"` and `\` (no escaping needed).
const QUOTED_UNSAFE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

function quoted(value: string, max = 2048): string {
  return `"${value.replace(QUOTED_UNSAFE, '').slice(0, max)}"`;
}

/** Normalizes a URL given by configuration; a `TypeError` when it is not absolute http(s). */
export function normalizeResourceMetadataUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError('resourceMetadataUrl must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new TypeError('resourceMetadataUrl must be an http(s) URL');
  return parsed.href;
}

/** Space-separated, valid, de-duplicated scope tokens; never `offline_access` (SEP-2207: a resource does not ask for it). */
export function formatScope(scope: string | readonly string[]): string {
  const list = typeof scope === 'string' ? scope.split(' ') : scope;
  return resourceScopes(list.filter(isValidScopeToken)).join(' ');
}

/**
 * Builds a `WWW-Authenticate` value for the Bearer scheme (RFC 6750 §3, RFC 9728 §5.1, MCP
 * authorization spec):
 *
 * `Bearer resource_metadata="…", error="…", error_description="…", scope="…"`
 *
 * Every value is a quoted-string holding only RFC 6749 §5.2 characters (no `"` or `\`, so
 * nothing needs escaping and nothing can break out of the header). Descriptions are written by
 * this library and never contain a token.
 */
export function buildBearerChallenge(options: BearerChallengeOptions = {}): string {
  const params: string[] = [];
  if (options.realm !== undefined) params.push(`realm=${quoted(options.realm, 256)}`);
  if (options.resourceMetadataUrl !== undefined)
    params.push(
      `resource_metadata=${quoted(normalizeResourceMetadataUrl(options.resourceMetadataUrl))}`,
    );
  if (options.error !== undefined) {
    if (
      options.error !== 'invalid_request' &&
      options.error !== 'invalid_token' &&
      options.error !== 'insufficient_scope'
    )
      throw new TypeError('error must be invalid_request, invalid_token or insufficient_scope');
    params.push(`error="${options.error}"`);
    if (options.errorDescription) {
      const description = sanitizeErrorDescription(options.errorDescription);
      if (description) params.push(`error_description="${description}"`);
    }
  }
  if (options.scope !== undefined) {
    const scope = formatScope(options.scope);
    if (scope) params.push(`scope=${quoted(scope, 4096)}`);
  }
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}
