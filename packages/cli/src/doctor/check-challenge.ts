import { sanitize } from '../io.js';
import { type AuthChallenge, findBearerChallenge } from '../www-authenticate.js';
import { type DoctorContext, isSecureUrl, parseUrl } from './context.js';
import { REF } from './references.js';
import type { CheckStatus, DoctorCheck } from './types.js';

/** Check `mcp-url-https`: returns the parsed endpoint, or `undefined` when the run must stop. */
export function checkMcpUrl(input: string, add: (check: DoctorCheck) => void): URL | undefined {
  const mcpUrl = parseUrl(input);
  if (mcpUrl === undefined || (mcpUrl.protocol !== 'https:' && mcpUrl.protocol !== 'http:')) {
    add({
      id: 'mcp-url-https',
      title: 'MCP endpoint URL',
      status: 'fail',
      detail: 'not an absolute http(s) URL',
      reference: REF.https,
    });
    return undefined;
  }
  add({
    id: 'mcp-url-https',
    title: 'MCP endpoint uses HTTPS (or loopback)',
    status: isSecureUrl(mcpUrl) ? 'pass' : 'fail',
    detail: isSecureUrl(mcpUrl)
      ? `${mcpUrl.protocol === 'https:' ? 'https' : 'http on a loopback host (development)'}`
      : 'plain http on a non-loopback host: tokens would travel in clear text',
    reference: REF.https,
  });
  return mcpUrl;
}

/** What the 401 challenge told: the later checks build on it. */
export interface ChallengeFindings {
  /** The Bearer challenge of the unauthenticated request, if any. */
  readonly baseline: AuthChallenge | undefined;
  /** Its `scope` parameter. */
  readonly challengeScope: string | undefined;
  /** Its `resource_metadata` parameter, when an absolute URL. */
  readonly metadataUrl: URL | undefined;
}

/**
 * Checks `unauthenticated-401`, `challenge-resource-metadata` and `challenge-scope`. Resolves
 * to `undefined` when the endpoint did not answer (the run stops there).
 */
export async function checkChallenge(ctx: DoctorContext): Promise<ChallengeFindings | undefined> {
  const { add } = ctx;
  ctx.progress('unauthenticated initialize');
  const first = await ctx.postInitialize(ctx.mcpUrl);
  if (!first.ok) {
    add({
      id: 'unauthenticated-401',
      title: 'Unauthenticated request gets 401',
      status: 'fail',
      detail: `the MCP endpoint did not answer: ${first.error}`,
      reference: REF.unauthenticated,
    });
    return undefined;
  }
  add({
    id: 'unauthenticated-401',
    title: 'Unauthenticated request gets 401',
    status: first.status === 401 ? 'pass' : 'fail',
    detail:
      first.status === 401
        ? 'POST initialize without a token → 401'
        : first.status >= 200 && first.status < 300
          ? `POST initialize without a token → ${first.status}: the endpoint is not protected`
          : `POST initialize without a token → ${first.status}, expected 401`,
    reference: REF.unauthenticated,
  });
  if (first.status !== 401)
    return { baseline: undefined, challengeScope: undefined, metadataUrl: undefined };

  const baseline = findBearerChallenge(first.headers.get('www-authenticate'));
  const rm = baseline?.params['resource_metadata'];
  const metadataUrl = rm === undefined ? undefined : parseUrl(rm);
  let status: CheckStatus = 'pass';
  let detail = 'WWW-Authenticate: Bearer with resource_metadata';
  if (baseline === undefined) {
    status = 'fail';
    detail = first.headers.has('www-authenticate')
      ? 'WWW-Authenticate has no Bearer challenge'
      : 'no WWW-Authenticate header on the 401';
  } else if (rm === undefined) {
    status = 'fail';
    detail =
      'Bearer challenge without resource_metadata (clients must fall back to well-known URIs)';
  } else if (metadataUrl === undefined) {
    status = 'fail';
    detail = 'resource_metadata is not an absolute URL';
  }
  add({
    id: 'challenge-resource-metadata',
    title: '401 challenge names the resource metadata',
    status,
    detail,
    reference: REF.challenge,
  });
  const challengeScope = baseline?.params['scope'];
  add({
    id: 'challenge-scope',
    title: '401 challenge suggests a scope',
    status: baseline === undefined ? 'skip' : challengeScope !== undefined ? 'pass' : 'warn',
    detail:
      baseline === undefined
        ? 'no Bearer challenge'
        : challengeScope !== undefined
          ? `scope="${sanitize(challengeScope, 120)}"`
          : 'no scope parameter: clients fall back to scopes_supported (SHOULD include one)',
    reference: REF.scope,
  });
  return { baseline, challengeScope, metadataUrl };
}
