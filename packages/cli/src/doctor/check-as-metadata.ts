import { sanitize } from '../io.js';
import { type DoctorContext, fetchMetadata, isSecureUrl, parseUrl } from './context.js';
import { checkAdvertisedGrants } from './check-grants.js';
import { REF } from './references.js';

/** What the authorization-server metadata told: the later checks build on it. */
export interface AsMetadataFindings {
  /** The metadata's `issuer`, when a string. */
  readonly issuer: string | undefined;
  readonly authorizationEndpoint: URL | undefined;
  readonly registrationEndpoint: URL | undefined;
}

/**
 * Checks `as-metadata` (RFC 8414 / OIDC discovery), then (when found) `as-issuer`,
 * `as-endpoints`, `as-pkce-s256-only`, `as-iss-parameter`, `as-grant-types`, the grants
 * advertised (`as-grants` and, for what is advertised, `as-client-credentials`,
 * `as-jwt-signing-algs`, `as-jwt-bearer`, `as-token-exchange`: check-grants.ts) and
 * `client-registration`.
 */
export async function checkAsMetadata(
  ctx: DoctorContext,
  authorizationServer: string | undefined,
): Promise<AsMetadataFindings> {
  const asm = await fetchAsMetadata(ctx, authorizationServer);
  const issuer = typeof asm?.['issuer'] === 'string' ? (asm['issuer'] as string) : undefined;
  if (asm === undefined || authorizationServer === undefined)
    return { issuer, authorizationEndpoint: undefined, registrationEndpoint: undefined };
  ctx.add({
    id: 'as-issuer',
    title: 'Metadata `issuer` is exactly the issuer asked for',
    status: issuer === authorizationServer ? 'pass' : 'fail',
    detail:
      issuer === authorizationServer
        ? `issuer = ${sanitize(issuer, 160)}`
        : issuer === undefined
          ? 'issuer is missing'
          : `issuer "${sanitize(issuer, 160)}" ≠ "${sanitize(authorizationServer, 160)}": clients must reject this metadata (mix-up defence)`,
    reference: REF.issuer,
  });
  const endpoints = checkEndpoints(ctx, asm);
  checkPkceAndIss(ctx, asm);
  checkGrantTypes(ctx, asm);
  checkAdvertisedGrants(ctx, asm);
  const cimd = asm['client_id_metadata_document_supported'] === true;
  const dcr = endpoints.registrationEndpoint !== undefined;
  ctx.add({
    id: 'client-registration',
    title: 'Clients can register (DCR or metadata documents)',
    status: dcr || cimd ? 'pass' : 'warn',
    detail:
      dcr || cimd
        ? [
            dcr ? 'registration_endpoint' : undefined,
            cimd ? 'client_id_metadata_document_supported' : undefined,
          ]
            .filter((x) => x !== undefined)
            .join(' and ')
        : 'neither registration_endpoint nor client_id_metadata_document_supported: only pre-registered clients can connect',
    reference: REF.registration,
  });
  return { issuer, ...endpoints };
}

/** Fetches the metadata from the well-known URIs of RFC 8414 and OIDC discovery. */
async function fetchAsMetadata(
  ctx: DoctorContext,
  authorizationServer: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  const asUrl = parseUrl(authorizationServer);
  if (authorizationServer === undefined || asUrl === undefined) {
    ctx.add({
      id: 'as-metadata',
      title: 'Authorization-server metadata is served',
      status: 'skip',
      detail: 'no authorization server to ask',
      reference: REF.asm,
    });
    return undefined;
  }
  ctx.progress('authorization-server metadata');
  const path = asUrl.pathname.replace(/\/$/, '');
  const candidates =
    path === ''
      ? [
          new URL('/.well-known/oauth-authorization-server', asUrl),
          new URL('/.well-known/openid-configuration', asUrl),
        ]
      : [
          new URL(`/.well-known/oauth-authorization-server${path}`, asUrl),
          new URL(`/.well-known/openid-configuration${path}`, asUrl),
          new URL(`${path}/.well-known/openid-configuration`, asUrl),
        ];
  return fetchMetadata(ctx, candidates, {
    id: 'as-metadata',
    title: 'Authorization-server metadata is served',
    reference: REF.asm,
    found: (from) => sanitize(from.href, 160),
  });
}

/** Checks `as-endpoints`; returns the endpoints the later probes use. */
function checkEndpoints(
  ctx: DoctorContext,
  asm: Record<string, unknown>,
): { authorizationEndpoint: URL | undefined; registrationEndpoint: URL | undefined } {
  const authorizationEndpoint = parseUrl(asm['authorization_endpoint']);
  const tokenEndpoint = parseUrl(asm['token_endpoint']);
  const registrationEndpoint = parseUrl(asm['registration_endpoint']);
  const problems: string[] = [];
  if (authorizationEndpoint === undefined) problems.push('authorization_endpoint missing');
  if (tokenEndpoint === undefined) problems.push('token_endpoint missing');
  for (const [name, u] of [
    ['authorization_endpoint', authorizationEndpoint],
    ['token_endpoint', tokenEndpoint],
    ['registration_endpoint', registrationEndpoint],
  ] as const) {
    if (u !== undefined && !isSecureUrl(u)) problems.push(`${name} is not https`);
  }
  ctx.add({
    id: 'as-endpoints',
    title: 'Authorization and token endpoints (HTTPS)',
    status: problems.length === 0 ? 'pass' : 'fail',
    detail:
      problems.length === 0
        ? 'authorization_endpoint and token_endpoint present'
        : problems.join('; '),
    reference: REF.endpoints,
  });
  return { authorizationEndpoint, registrationEndpoint };
}

/** Checks `as-pkce-s256-only` and `as-iss-parameter`. */
function checkPkceAndIss(ctx: DoctorContext, asm: Record<string, unknown>): void {
  const methods = asm['code_challenge_methods_supported'];
  const list = Array.isArray(methods) ? methods.map(String) : undefined;
  const s256Only = list !== undefined && list.length === 1 && list[0] === 'S256';
  ctx.add({
    id: 'as-pkce-s256-only',
    title: 'PKCE advertised as S256 only',
    status: s256Only ? 'pass' : 'fail',
    detail:
      list === undefined
        ? 'code_challenge_methods_supported is missing: MCP clients must refuse to proceed'
        : `code_challenge_methods_supported = ${JSON.stringify(list.map((m) => sanitize(m, 20)))}${
            s256Only ? '' : list.includes('S256') ? ' (plain exposes the verifier)' : ' (no S256)'
          }`,
    reference: REF.pkce,
  });
  const iss = asm['authorization_response_iss_parameter_supported'] === true;
  ctx.add({
    id: 'as-iss-parameter',
    title: 'Authorization responses carry `iss`',
    status: iss ? 'pass' : 'warn',
    detail: iss
      ? 'authorization_response_iss_parameter_supported = true'
      : 'authorization_response_iss_parameter_supported not true: clients cannot detect mix-up attacks',
    reference: REF.iss,
  });
}

/** Checks `as-grant-types`: the code flow, and none of what OAuth 2.1 removed. */
function checkGrantTypes(ctx: DoctorContext, asm: Record<string, unknown>): void {
  const responseTypes = Array.isArray(asm['response_types_supported'])
    ? (asm['response_types_supported'] as unknown[]).map(String)
    : [];
  const grantTypes = Array.isArray(asm['grant_types_supported'])
    ? (asm['grant_types_supported'] as unknown[]).map(String)
    : undefined;
  const legacy = [
    ...responseTypes
      .filter((t) => t.split(' ').includes('token'))
      .map((t) => `response_type "${t}"`),
    ...(grantTypes ?? [])
      .filter((g) => g === 'implicit' || g === 'password')
      .map((g) => `grant_type "${g}"`),
  ];
  const hasCode = responseTypes.includes('code');
  ctx.add({
    id: 'as-grant-types',
    title: 'Code flow offered, no implicit or password grant',
    status: !hasCode ? 'fail' : legacy.length > 0 ? 'warn' : 'pass',
    detail: !hasCode
      ? 'response_types_supported does not include "code"'
      : legacy.length > 0
        ? `OAuth 2.1 removed: ${legacy.map((l) => sanitize(l, 40)).join(', ')}`
        : `response_types_supported ⊇ ["code"]${grantTypes === undefined ? '' : `, grant_types_supported = ${JSON.stringify(grantTypes.map((g) => sanitize(g, 40)))}`}`,
    reference: REF.grants,
  });
}
