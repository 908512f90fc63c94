import { sanitize } from '../io.js';
import { type DoctorContext, fetchMetadata, isSecureUrl, parseUrl } from './context.js';
import { REF } from './references.js';

/** What the protected-resource metadata told: the later checks build on it. */
export interface ResourceMetadataFindings {
  /** The first listed authorization server (the one the doctor checks). */
  readonly authorizationServer: string | undefined;
  /** `scopes_supported` (strings only). */
  readonly scopesSupported: readonly string[];
}

/**
 * Checks `prm-document`, then (when found) `prm-resource`, `prm-authorization-servers`,
 * `prm-bearer-methods` and `prm-no-offline-access` (RFC 9728).
 */
export async function checkResourceMetadata(
  ctx: DoctorContext,
  metadataUrlFromChallenge: URL | undefined,
): Promise<ResourceMetadataFindings> {
  const { mcpUrl } = ctx;
  ctx.progress('protected-resource metadata');
  const candidates: URL[] = [];
  if (metadataUrlFromChallenge !== undefined) candidates.push(metadataUrlFromChallenge);
  else {
    const path = mcpUrl.pathname === '/' ? '' : mcpUrl.pathname;
    if (path !== '')
      candidates.push(new URL(`/.well-known/oauth-protected-resource${path}`, mcpUrl));
    candidates.push(new URL('/.well-known/oauth-protected-resource', mcpUrl));
  }
  const prm = await fetchMetadata(ctx, candidates, {
    id: 'prm-document',
    title: 'Protected-resource metadata is served',
    reference: REF.prm,
    found: (from) =>
      `${metadataUrlFromChallenge !== undefined ? 'from resource_metadata' : 'from the well-known URI'}: ${sanitize(from.href, 160)}`,
  });
  if (prm === undefined) return { authorizationServer: undefined, scopesSupported: [] };
  checkResource(ctx, prm);
  const authorizationServer = checkAuthorizationServers(ctx, prm);
  checkBearerMethods(ctx, prm);
  const ss = prm['scopes_supported'];
  const scopesSupported = Array.isArray(ss)
    ? ss.filter((s): s is string => typeof s === 'string')
    : [];
  ctx.add({
    id: 'prm-no-offline-access',
    title: 'Metadata does not advertise offline_access',
    status: scopesSupported.includes('offline_access') ? 'fail' : 'pass',
    detail: scopesSupported.includes('offline_access')
      ? 'scopes_supported lists offline_access: refresh tokens are the authorization server’s business, not a resource scope'
      : 'offline_access is not in scopes_supported',
    reference: REF.offlineAccess,
  });
  return { authorizationServer, scopesSupported };
}

function checkResource(ctx: DoctorContext, prm: Record<string, unknown>): void {
  const input = ctx.input;
  const resource = prm['resource'];
  const exact = resource === input;
  const normalized =
    typeof resource === 'string' && parseUrl(resource)?.href === parseUrl(input)?.href;
  ctx.add({
    id: 'prm-resource',
    title: 'Metadata `resource` is the MCP endpoint URL',
    status: exact ? 'pass' : normalized ? 'warn' : 'fail',
    detail: exact
      ? `resource = ${sanitize(input, 160)}`
      : typeof resource !== 'string'
        ? 'resource is missing'
        : normalized
          ? `resource "${sanitize(resource, 160)}" equals the URL only after normalization (clients compare exactly)`
          : `resource "${sanitize(resource, 160)}" is not "${sanitize(input, 160)}": clients must reject this metadata`,
    reference: REF.prmResource,
  });
}

/** Checks `prm-authorization-servers`; returns the first listed server. */
function checkAuthorizationServers(
  ctx: DoctorContext,
  prm: Record<string, unknown>,
): string | undefined {
  const servers = prm['authorization_servers'];
  const list = Array.isArray(servers)
    ? servers.filter((s): s is string => typeof s === 'string')
    : [];
  const urls = list.map((s) => parseUrl(s));
  const bad = list.filter((_, i) => {
    const u = urls[i];
    return u === undefined || !isSecureUrl(u) || u.search !== '' || u.hash !== '';
  });
  ctx.add({
    id: 'prm-authorization-servers',
    title: 'Metadata lists authorization servers',
    status: list.length === 0 || bad.length > 0 ? 'fail' : 'pass',
    detail:
      list.length === 0
        ? 'authorization_servers is missing or empty'
        : bad.length > 0
          ? `not an https issuer URL (without query or fragment): ${bad.map((s) => sanitize(s, 100)).join(', ')}`
          : `${list.map((s) => sanitize(s, 100)).join(', ')}${list.length > 1 ? ' (the doctor checks the first)' : ''}`,
    reference: REF.prmServers,
  });
  return list[0];
}

function checkBearerMethods(ctx: DoctorContext, prm: Record<string, unknown>): void {
  const methods = prm['bearer_methods_supported'];
  const methodList = Array.isArray(methods) ? methods.map(String) : undefined;
  ctx.add({
    id: 'prm-bearer-methods',
    title: 'No bearer method other than the header',
    status: methodList?.includes('query') ? 'fail' : methodList?.includes('body') ? 'warn' : 'pass',
    detail:
      methodList === undefined
        ? 'bearer_methods_supported absent (header by default)'
        : `bearer_methods_supported = ${JSON.stringify(methodList.map((m) => sanitize(m, 20)))}${
            methodList.includes('query') ? ': tokens in URLs are forbidden' : ''
          }`,
    reference: REF.prmBearer,
  });
}
