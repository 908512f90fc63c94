import {
  base64UrlEncode,
  computeS256Challenge,
  generateCodeVerifier,
  generateRandomToken,
  randomBytes,
} from '@mcp-auth/core';
import { sanitize } from '../io.js';
import { type AuthChallenge, findBearerChallenge } from '../www-authenticate.js';

/** Outcome of one doctor check. `skip` means a prerequisite was missing; it never fails a run. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One check of `mcp-auth doctor`. */
export interface DoctorCheck {
  /** Stable identifier (`unauthenticated-401`, `pkce-plain-refused`, …). */
  readonly id: string;
  /** What is checked, in a few words. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed (never a token, secret or code). */
  readonly detail: string;
  /** The specification sections the check is based on. */
  readonly reference: string;
  /** What this check cannot prove from the outside, when that matters. */
  readonly limits?: string;
}

/** The result of {@link runDoctor}. */
export interface DoctorReport {
  /** The MCP endpoint that was checked. */
  readonly url: string;
  /** True when no check failed (and, with `strict`, none warned). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly DoctorCheck[];
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Timeout of each HTTP request in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /** Called before each network step, for progress display. */
  readonly onProgress?: (step: string) => void;
  /** A valid access token for this server: enables the strong query-token check. */
  readonly accessToken?: string;
  /** A token the same authorization server issued for another resource (audience check). */
  readonly foreignToken?: string;
  /** A pre-registered public client to use instead of dynamic registration. */
  readonly clientId?: string;
  /** The registered redirect URI of {@link DoctorOptions.clientId}. */
  readonly redirectUri?: string;
  /** Register throwaway clients through the registration endpoint (default true). */
  readonly register?: boolean;
  /** Treat warnings as failures. */
  readonly strict?: boolean;
  /** Current time in milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

const MCP = 'MCP 2025-11-25';
const REF = {
  https: `${MCP} › Communication Security; OAuth 2.1 §1.5`,
  unauthenticated: `${MCP} › Token Handling, Error Handling; RFC 6750 §3`,
  challenge: `${MCP} › Protected Resource Metadata Discovery Requirements; RFC 9728 §5.1`,
  scope: `${MCP} › Protected Resource Metadata Discovery Requirements; RFC 6750 §3`,
  prm: `${MCP} › Authorization Server Location; RFC 9728 §3`,
  prmResource: 'RFC 9728 §3.3; RFC 8707 §2',
  prmServers: `${MCP} › Authorization Server Location; RFC 9728 §2`,
  prmBearer: `${MCP} › Token Requirements; RFC 9728 §2; RFC 6750 §2.3`,
  asm: `${MCP} › Authorization Server Metadata Discovery; RFC 8414 §3.1`,
  issuer: 'RFC 8414 §3.3',
  endpoints: `RFC 8414 §2; ${MCP} › Communication Security`,
  pkce: `${MCP} › Authorization Code Protection; RFC 7636 §4.2; RFC 9700 §2.1.1`,
  iss: 'RFC 9207 §3; RFC 9700 §4.4.2',
  grants: 'OAuth 2.1 §10.1, §10.2; RFC 9700 §2.1.2, §2.4',
  registration: `${MCP} › Client Registration Approaches; RFC 7591 §3`,
  dcr: 'RFC 7591 §3.1, §3.2.1',
  dcrRedirect: `${MCP} › Communication Security; RFC 7591 §2; RFC 9700 §4.1`,
  authorize: 'RFC 6749 §4.1.1; RFC 7636 §4.3',
  plain: `${MCP} › Authorization Code Protection; RFC 7636 §4.3, §7.2; RFC 9700 §2.1.1`,
  redirect: `${MCP} › Open Redirection; RFC 9700 §2.1, §4.1.3; RFC 6749 §4.1.2.1`,
  forged: `${MCP} › Token Handling; OAuth 2.1 §5.2; RFC 9068 §4`,
  none: 'RFC 8725 §3.1, §3.2; RFC 9068 §4',
  audience: `${MCP} › Token Audience Binding and Validation; RFC 8707 §2; RFC 9068 §4`,
  query: `${MCP} › Token Requirements; RFC 6750 §2.3, §3.1`,
  valid: `${MCP} › Token Requirements; RFC 6750 §2.1`,
  offlineAccess: 'MCP 2026-07-28 › Scope Selection Strategy (SEP-2207); RFC 9728 §2',
  headerMismatch: 'MCP 2026-07-28 › Streamable HTTP › Standard Request Headers (SEP-2243)',
} as const;

/** Redirect URI the doctor registers; `.invalid` never resolves (RFC 6761 §6.4). */
export const DOCTOR_REDIRECT_URI = 'https://doctor.invalid/cb';

type HttpResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: Headers;
      readonly text: string;
    }
  | { readonly ok: false; readonly error: string };

const MAX_BODY = 1024 * 1024;

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(Math.min(size, MAX_BODY));
  let offset = 0;
  for (const c of chunks) {
    all.set(c.subarray(0, all.length - offset), offset);
    offset += c.byteLength;
    if (offset >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127(?:\.\d{1,3}){3}$/.test(h) ||
    h === '[::1]' ||
    h === '::1'
  );
}

function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function jwtSegment(value: unknown): string {
  return base64UrlEncode(JSON.stringify(value));
}

/** What an authorization request led to, seen without following redirects. */
type AuthorizeOutcome =
  | { readonly kind: 'network'; readonly error: string }
  | { readonly kind: 'refused'; readonly status: number }
  | { readonly kind: 'page'; readonly status: number }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: URL | undefined };

function describeOutcome(o: AuthorizeOutcome, redirectUri?: string): string {
  switch (o.kind) {
    case 'network':
      return o.error;
    case 'refused':
      return `HTTP ${o.status}`;
    case 'page':
      return `HTTP ${o.status} page`;
    case 'redirect': {
      if (o.location === undefined) return `HTTP ${o.status} without a usable Location`;
      const error = o.location.searchParams.get('error');
      const where =
        redirectUri !== undefined && o.location.href.startsWith(redirectUri)
          ? 'the client'
          : `${o.location.origin}${o.location.pathname}`;
      return `HTTP ${o.status} redirect to ${sanitize(where, 120)}${
        error !== null
          ? ` with error=${sanitize(error, 40)}`
          : o.location.searchParams.has('code')
            ? ' with a code'
            : ''
      }`;
    }
  }
}

/** A request the server refused: a 4xx, or a redirect that carries `error`. */
function isRefusal(o: AuthorizeOutcome): boolean {
  if (o.kind === 'refused') return true;
  return o.kind === 'redirect' && o.location?.searchParams.has('error') === true;
}

/** A request the server went on with: a page (login/consent) or a redirect without `error`. */
function isAcceptance(o: AuthorizeOutcome): boolean {
  if (o.kind === 'page') return true;
  return o.kind === 'redirect' && o.location !== undefined && !o.location.searchParams.has('error');
}

/**
 * Checks a running MCP server's authorization surface from the outside, against the MCP
 * authorization spec (2025-06-18 and 2025-11-25) and the RFCs it builds on. It sends real
 * requests: an unauthenticated `initialize`, metadata fetches, (unless disabled) a dynamic
 * client registration of a throwaway client with redirect URI {@link DOCTOR_REDIRECT_URI},
 * authorization requests that are never completed, and requests carrying forged tokens.
 * No token, secret or code is ever put in the report.
 */
export async function runDoctor(
  mcpUrlInput: string,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const progress = options.onProgress ?? (() => {});
  const nowSeconds = () => Math.floor((options.now ?? Date.now)() / 1000);
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => {
    checks.push(check);
  };
  const finish = (): DoctorReport => {
    const counts = { pass: 0, fail: 0, warn: 0, skip: 0 };
    for (const c of checks) counts[c.status]++;
    const ok = counts.fail === 0 && (options.strict !== true || counts.warn === 0);
    return { url: mcpUrlInput, ok, counts, checks };
  };

  const http = async (
    url: URL | string,
    init: RequestInit = {},
    readBody = true,
  ): Promise<HttpResult> => {
    try {
      const res = await fetchFn(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!readBody) {
        // An accepted MCP request may answer with an event stream that stays open.
        await res.body?.cancel().catch(() => {});
        return { ok: true, status: res.status, headers: res.headers, text: '' };
      }
      return { ok: true, status: res.status, headers: res.headers, text: await readCapped(res) };
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      }
      return {
        ok: false,
        error: `request failed (${sanitize(e.cause?.code ?? e.name ?? 'error', 40)})`,
      };
    }
  };

  const mcpUrl = parseUrl(mcpUrlInput);
  if (mcpUrl === undefined || (mcpUrl.protocol !== 'https:' && mcpUrl.protocol !== 'http:')) {
    add({
      id: 'mcp-url-https',
      title: 'MCP endpoint URL',
      status: 'fail',
      detail: 'not an absolute http(s) URL',
      reference: REF.https,
    });
    return finish();
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

  const initializeBody = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'mcp-auth-doctor', version: '0' },
    },
  });
  const postInitialize = (url: URL, authorization?: string) =>
    http(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: initializeBody,
      },
      false,
    );

  // 1. The 401 challenge.
  progress('unauthenticated initialize');
  const first = await postInitialize(mcpUrl);
  let baseline: AuthChallenge | undefined;
  let challengeScope: string | undefined;
  let metadataUrlFromChallenge: URL | undefined;
  if (!first.ok) {
    add({
      id: 'unauthenticated-401',
      title: 'Unauthenticated request gets 401',
      status: 'fail',
      detail: `the MCP endpoint did not answer: ${first.error}`,
      reference: REF.unauthenticated,
    });
    return finish();
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
  if (first.status === 401) {
    baseline = findBearerChallenge(first.headers.get('www-authenticate'));
    const rm = baseline?.params['resource_metadata'];
    metadataUrlFromChallenge = rm === undefined ? undefined : parseUrl(rm);
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
    } else if (metadataUrlFromChallenge === undefined) {
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
    challengeScope = baseline?.params['scope'];
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
  }

  // 2. Protected-resource metadata.
  progress('protected-resource metadata');
  const prmCandidates: URL[] = [];
  if (metadataUrlFromChallenge !== undefined) prmCandidates.push(metadataUrlFromChallenge);
  else {
    const path = mcpUrl.pathname === '/' ? '' : mcpUrl.pathname;
    if (path !== '')
      prmCandidates.push(new URL(`/.well-known/oauth-protected-resource${path}`, mcpUrl));
    prmCandidates.push(new URL('/.well-known/oauth-protected-resource', mcpUrl));
  }
  let prm: Record<string, unknown> | undefined;
  let prmFrom: URL | undefined;
  const prmProblems: string[] = [];
  for (const candidate of prmCandidates) {
    const res = await http(candidate, { headers: { accept: 'application/json' } });
    if (!res.ok) {
      prmProblems.push(`${candidate.pathname}: ${res.error}`);
      continue;
    }
    if (res.status !== 200) {
      prmProblems.push(`${candidate.pathname}: HTTP ${res.status}`);
      continue;
    }
    const doc = parseJsonObject(res.text);
    if (doc === undefined) {
      prmProblems.push(`${candidate.pathname}: not a JSON object`);
      continue;
    }
    prm = doc;
    prmFrom = candidate;
    break;
  }
  add({
    id: 'prm-document',
    title: 'Protected-resource metadata is served',
    status: prm !== undefined ? 'pass' : 'fail',
    detail:
      prm !== undefined && prmFrom !== undefined
        ? `${metadataUrlFromChallenge !== undefined ? 'from resource_metadata' : 'from the well-known URI'}: ${sanitize(prmFrom.href, 160)}`
        : `not found (${prmProblems.join('; ')})`,
    reference: REF.prm,
  });

  let authorizationServer: string | undefined;
  let scopesSupported: string[] = [];
  if (prm !== undefined) {
    const resource = prm['resource'];
    const exact = resource === mcpUrlInput;
    const normalized =
      typeof resource === 'string' && parseUrl(resource)?.href === parseUrl(mcpUrlInput)?.href;
    add({
      id: 'prm-resource',
      title: 'Metadata `resource` is the MCP endpoint URL',
      status: exact ? 'pass' : normalized ? 'warn' : 'fail',
      detail: exact
        ? `resource = ${sanitize(mcpUrlInput, 160)}`
        : typeof resource !== 'string'
          ? 'resource is missing'
          : normalized
            ? `resource "${sanitize(resource, 160)}" equals the URL only after normalization (clients compare exactly)`
            : `resource "${sanitize(resource, 160)}" is not "${sanitize(mcpUrlInput, 160)}": clients must reject this metadata`,
      reference: REF.prmResource,
    });
    const servers = prm['authorization_servers'];
    const list = Array.isArray(servers)
      ? servers.filter((s): s is string => typeof s === 'string')
      : [];
    const urls = list.map((s) => parseUrl(s));
    const bad = list.filter((_, i) => {
      const u = urls[i];
      return u === undefined || !isSecureUrl(u) || u.search !== '' || u.hash !== '';
    });
    authorizationServer = list[0];
    add({
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
    const methods = prm['bearer_methods_supported'];
    const methodList = Array.isArray(methods) ? methods.map(String) : undefined;
    add({
      id: 'prm-bearer-methods',
      title: 'No bearer method other than the header',
      status: methodList?.includes('query')
        ? 'fail'
        : methodList?.includes('body')
          ? 'warn'
          : 'pass',
      detail:
        methodList === undefined
          ? 'bearer_methods_supported absent (header by default)'
          : `bearer_methods_supported = ${JSON.stringify(methodList.map((m) => sanitize(m, 20)))}${
              methodList.includes('query') ? ': tokens in URLs are forbidden' : ''
            }`,
      reference: REF.prmBearer,
    });
    const ss = prm['scopes_supported'];
    if (Array.isArray(ss)) scopesSupported = ss.filter((s): s is string => typeof s === 'string');
    add({
      id: 'prm-no-offline-access',
      title: 'Metadata does not advertise offline_access',
      status: scopesSupported.includes('offline_access') ? 'fail' : 'pass',
      detail: scopesSupported.includes('offline_access')
        ? 'scopes_supported lists offline_access: refresh tokens are the authorization server’s business, not a resource scope'
        : 'offline_access is not in scopes_supported',
      reference: REF.offlineAccess,
    });
  }

  // 3. Authorization-server metadata.
  let asm: Record<string, unknown> | undefined;
  const asUrl = parseUrl(authorizationServer);
  if (authorizationServer === undefined || asUrl === undefined) {
    add({
      id: 'as-metadata',
      title: 'Authorization-server metadata is served',
      status: 'skip',
      detail: 'no authorization server to ask',
      reference: REF.asm,
    });
  } else {
    progress('authorization-server metadata');
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
    const problems: string[] = [];
    let from: URL | undefined;
    for (const candidate of candidates) {
      const res = await http(candidate, { headers: { accept: 'application/json' } });
      if (!res.ok || res.status !== 200) {
        problems.push(`${candidate.pathname}: ${res.ok ? `HTTP ${res.status}` : res.error}`);
        continue;
      }
      const doc = parseJsonObject(res.text);
      if (doc === undefined) {
        problems.push(`${candidate.pathname}: not a JSON object`);
        continue;
      }
      asm = doc;
      from = candidate;
      break;
    }
    add({
      id: 'as-metadata',
      title: 'Authorization-server metadata is served',
      status: asm !== undefined ? 'pass' : 'fail',
      detail:
        asm !== undefined && from !== undefined
          ? sanitize(from.href, 160)
          : `not found (${problems.join('; ')})`,
      reference: REF.asm,
    });
  }

  let authorizationEndpoint: URL | undefined;
  let registrationEndpoint: URL | undefined;
  const issuerValue = typeof asm?.['issuer'] === 'string' ? (asm['issuer'] as string) : undefined;
  if (asm !== undefined && authorizationServer !== undefined) {
    add({
      id: 'as-issuer',
      title: 'Metadata `issuer` is exactly the issuer asked for',
      status: issuerValue === authorizationServer ? 'pass' : 'fail',
      detail:
        issuerValue === authorizationServer
          ? `issuer = ${sanitize(issuerValue, 160)}`
          : issuerValue === undefined
            ? 'issuer is missing'
            : `issuer "${sanitize(issuerValue, 160)}" ≠ "${sanitize(authorizationServer, 160)}": clients must reject this metadata (mix-up defence)`,
      reference: REF.issuer,
    });

    authorizationEndpoint = parseUrl(asm['authorization_endpoint']);
    const tokenEndpoint = parseUrl(asm['token_endpoint']);
    registrationEndpoint = parseUrl(asm['registration_endpoint']);
    const endpointProblems: string[] = [];
    if (authorizationEndpoint === undefined)
      endpointProblems.push('authorization_endpoint missing');
    if (tokenEndpoint === undefined) endpointProblems.push('token_endpoint missing');
    for (const [name, u] of [
      ['authorization_endpoint', authorizationEndpoint],
      ['token_endpoint', tokenEndpoint],
      ['registration_endpoint', registrationEndpoint],
    ] as const) {
      if (u !== undefined && !isSecureUrl(u)) endpointProblems.push(`${name} is not https`);
    }
    add({
      id: 'as-endpoints',
      title: 'Authorization and token endpoints (HTTPS)',
      status: endpointProblems.length === 0 ? 'pass' : 'fail',
      detail:
        endpointProblems.length === 0
          ? 'authorization_endpoint and token_endpoint present'
          : endpointProblems.join('; '),
      reference: REF.endpoints,
    });

    const methods = asm['code_challenge_methods_supported'];
    const list = Array.isArray(methods) ? methods.map(String) : undefined;
    const s256Only = list !== undefined && list.length === 1 && list[0] === 'S256';
    add({
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

    add({
      id: 'as-iss-parameter',
      title: 'Authorization responses carry `iss`',
      status: asm['authorization_response_iss_parameter_supported'] === true ? 'pass' : 'warn',
      detail:
        asm['authorization_response_iss_parameter_supported'] === true
          ? 'authorization_response_iss_parameter_supported = true'
          : 'authorization_response_iss_parameter_supported not true: clients cannot detect mix-up attacks',
      reference: REF.iss,
    });

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
    add({
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

    const cimd = asm['client_id_metadata_document_supported'] === true;
    add({
      id: 'client-registration',
      title: 'Clients can register (DCR or metadata documents)',
      status: registrationEndpoint !== undefined || cimd ? 'pass' : 'warn',
      detail:
        registrationEndpoint !== undefined || cimd
          ? [
              registrationEndpoint !== undefined ? 'registration_endpoint' : undefined,
              cimd ? 'client_id_metadata_document_supported' : undefined,
            ]
              .filter((x) => x !== undefined)
              .join(' and ')
          : 'neither registration_endpoint nor client_id_metadata_document_supported: only pre-registered clients can connect',
      reference: REF.registration,
    });
  }

  // 4. A client for the authorization-request probes.
  let clientId = options.clientId;
  const redirectUri =
    options.redirectUri ?? (clientId === undefined ? DOCTOR_REDIRECT_URI : undefined);
  const registrationAllowed = options.register !== false;
  if (clientId === undefined && registrationEndpoint !== undefined && registrationAllowed) {
    progress('dynamic client registration');
    const res = await http(registrationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_name: 'mcp-auth doctor probe (safe to delete)',
        redirect_uris: [DOCTOR_REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    });
    const body = res.ok ? parseJsonObject(res.text) : undefined;
    const id = body?.['client_id'];
    if (
      res.ok &&
      (res.status === 201 || res.status === 200) &&
      typeof id === 'string' &&
      id !== ''
    ) {
      clientId = id;
      add({
        id: 'dcr-register',
        title: 'Dynamic client registration works',
        status: res.status === 201 ? 'pass' : 'warn',
        detail:
          res.status === 201
            ? `registered a throwaway public client for ${DOCTOR_REDIRECT_URI}`
            : 'registered, but with 200 instead of 201 Created',
        reference: REF.dcr,
      });
    } else {
      add({
        id: 'dcr-register',
        title: 'Dynamic client registration works',
        status: res.ok && (res.status === 401 || res.status === 403) ? 'warn' : 'fail',
        detail: !res.ok
          ? res.error
          : res.status === 401 || res.status === 403
            ? `HTTP ${res.status}: registration needs an initial access token (use --client-id)`
            : `HTTP ${res.status}${body === undefined ? '' : ' without a client_id'}`,
        reference: REF.dcr,
      });
    }

    progress('registration with an insecure redirect URI');
    const insecure = await http(registrationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_name: 'mcp-auth doctor probe (must be refused)',
        redirect_uris: ['http://doctor.invalid/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      }),
    });
    const insecureBody = insecure.ok ? parseJsonObject(insecure.text) : undefined;
    add({
      id: 'dcr-rejects-insecure-redirect',
      title: 'Registration refuses a non-loopback http redirect URI',
      status: !insecure.ok
        ? 'warn'
        : insecure.status === 400
          ? 'pass'
          : insecure.status >= 200 && insecure.status < 300
            ? 'fail'
            : 'warn',
      detail: !insecure.ok
        ? insecure.error
        : insecure.status === 400
          ? `400 ${typeof insecureBody?.['error'] === 'string' ? sanitize(insecureBody['error'] as string, 40) : ''}`.trim()
          : insecure.status >= 200 && insecure.status < 300
            ? 'http://doctor.invalid/cb was accepted: codes could be sent in clear text'
            : `HTTP ${insecure.status}, expected 400 invalid_redirect_uri`,
      reference: REF.dcrRedirect,
    });
  } else if (clientId === undefined) {
    add({
      id: 'dcr-register',
      title: 'Dynamic client registration works',
      status: 'skip',
      detail:
        registrationEndpoint === undefined
          ? 'no registration_endpoint (pass --client-id and --redirect-uri to run the authorization checks)'
          : 'registration disabled (--no-register)',
      reference: REF.dcr,
    });
  }

  // 5. Authorization-request probes (never completed: nobody logs in).
  const authorizeChecks = ['authorize-valid-request', 'pkce-plain-refused', 'redirect-uri-exact'];
  if (authorizationEndpoint === undefined || clientId === undefined || redirectUri === undefined) {
    for (const id of authorizeChecks) {
      add({
        id,
        title:
          id === 'authorize-valid-request'
            ? 'A valid authorization request is accepted'
            : id === 'pkce-plain-refused'
              ? 'PKCE plain (or no method) is refused'
              : 'Redirect URI must match exactly',
        status: 'skip',
        detail:
          authorizationEndpoint === undefined
            ? 'no authorization endpoint'
            : 'no client to probe with (no registration; pass --client-id and --redirect-uri)',
        reference:
          id === 'pkce-plain-refused'
            ? REF.plain
            : id === 'redirect-uri-exact'
              ? REF.redirect
              : REF.authorize,
      });
    }
  } else {
    const endpoint = authorizationEndpoint;
    const cid = clientId;
    const scope =
      challengeScope ?? (scopesSupported.length > 0 ? scopesSupported.join(' ') : undefined);
    const verifier = generateCodeVerifier();
    const challenge = await computeS256Challenge(verifier);
    const authorize = async (
      params: Record<string, string | undefined>,
    ): Promise<AuthorizeOutcome> => {
      const url = new URL(endpoint);
      const all: Record<string, string | undefined> = {
        response_type: 'code',
        client_id: cid,
        state: generateRandomToken(16),
        resource: mcpUrlInput,
        scope,
        ...params,
      };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
      const res = await http(url, { headers: { accept: 'text/html' } }, false);
      if (!res.ok) return { kind: 'network', error: res.error };
      if (res.status >= 300 && res.status < 400) {
        const loc = res.headers.get('location');
        let location: URL | undefined;
        try {
          location = loc === null ? undefined : new URL(loc, url);
        } catch {
          location = undefined;
        }
        return { kind: 'redirect', status: res.status, location };
      }
      if (res.status >= 200 && res.status < 300) return { kind: 'page', status: res.status };
      return { kind: 'refused', status: res.status };
    };

    progress('authorization request (S256)');
    const control = await authorize({
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const controlAccepted = isAcceptance(control);
    add({
      id: 'authorize-valid-request',
      title: 'A valid authorization request is accepted',
      status: controlAccepted ? 'pass' : 'warn',
      detail: controlAccepted
        ? `S256 request → ${describeOutcome(control, redirectUri)}`
        : `a valid S256 request was not accepted (${describeOutcome(control, redirectUri)}); the refusal checks below prove less`,
      reference: REF.authorize,
    });

    progress('authorization request (plain)');
    const plain = await authorize({
      redirect_uri: redirectUri,
      code_challenge: verifier,
      code_challenge_method: 'plain',
    });
    const noMethod = await authorize({ redirect_uri: redirectUri, code_challenge: verifier });
    const accepted = [plain, noMethod].filter(isAcceptance);
    const bothRefused = isRefusal(plain) && isRefusal(noMethod);
    add({
      id: 'pkce-plain-refused',
      title: 'PKCE plain (or no method) is refused',
      status: accepted.length > 0 ? 'fail' : bothRefused && controlAccepted ? 'pass' : 'warn',
      detail: `method=plain → ${describeOutcome(plain, redirectUri)}; no method (defaults to plain) → ${describeOutcome(noMethod, redirectUri)}${
        accepted.length === 0 && !controlAccepted
          ? '; inconclusive since the valid request was refused too'
          : ''
      }`,
      reference: REF.plain,
      limits:
        'Sees the first response only: a server that accepts plain here and refuses it at the token endpoint would still be reported as failing.',
    });

    progress('authorization request (redirect URI variants)');
    const base = new URL(redirectUri);
    const variants = [
      `${base.origin}${base.pathname}${base.pathname.endsWith('/') ? 'x' : '/'}${base.search}`,
      `${base.href}${base.search === '' ? '?' : '&'}doctor=1`,
      `${base.origin}${base.pathname}.evil${base.search}`,
    ];
    const results: { variant: string; outcome: AuthorizeOutcome }[] = [];
    for (const variant of variants) {
      results.push({
        variant,
        outcome: await authorize({
          redirect_uri: variant,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }),
      });
    }
    const redirected = results.filter(
      (r) =>
        r.outcome.kind === 'redirect' && r.outcome.location?.href.startsWith(r.variant) === true,
    );
    const unclear = results.filter((r) => !redirected.includes(r) && !isRefusal(r.outcome));
    add({
      id: 'redirect-uri-exact',
      title: 'Redirect URI must match exactly',
      status: redirected.length > 0 ? 'fail' : unclear.length > 0 ? 'warn' : 'pass',
      detail:
        redirected.length > 0
          ? `redirected to an unregistered variant: ${redirected.map((r) => sanitize(r.variant, 80)).join(', ')}`
          : unclear.length > 0
            ? `answered like a valid request for ${unclear.map((r) => `${sanitize(r.variant, 80)} (${describeOutcome(r.outcome)})`).join(', ')}: cannot tell without logging in`
            : `trailing slash, added query and path suffix → ${[...new Set(results.map((r) => describeOutcome(r.outcome, redirectUri)))].join(' / ')}`,
      reference: REF.redirect,
      limits:
        'Probes three variants; a server that validates redirect URIs only after login is reported as a warning, not a pass.',
    });
  }

  // 6. Tokens the server must refuse.
  const theirIssuer = issuerValue ?? authorizationServer ?? 'https://doctor.invalid';
  const now = nowSeconds();
  const claims = (iss: string, aud: string) => ({
    iss,
    sub: 'mcp-auth-doctor',
    aud,
    exp: now + 600,
    iat: now,
    jti: generateRandomToken(16),
    client_id: clientId ?? 'mcp-auth-doctor',
    scope:
      challengeScope ?? (scopesSupported.length > 0 ? scopesSupported.join(' ') : 'mcp:tools:read'),
  });
  const forged = `${jwtSegment({ alg: 'HS256', typ: 'at+jwt' })}.${jwtSegment(claims(theirIssuer, mcpUrlInput))}.${base64UrlEncode(randomBytes(32))}`;
  const algNone = `${jwtSegment({ alg: 'none', typ: 'at+jwt' })}.${jwtSegment(claims(theirIssuer, mcpUrlInput))}.`;
  const foreign =
    options.foreignToken ??
    `${jwtSegment({ alg: 'ES256', typ: 'at+jwt', kid: 'doctor' })}.${jwtSegment(claims('https://doctor.invalid', 'https://doctor.invalid/another-resource'))}.${base64UrlEncode(randomBytes(64))}`;

  const tokenCheck = async (
    id: string,
    title: string,
    token: string,
    reference: string,
    what: string,
    limits?: string,
  ) => {
    progress(title);
    const res = await postInitialize(mcpUrl, `Bearer ${token}`);
    if (!res.ok) {
      add({
        id,
        title,
        status: 'warn',
        detail: res.error,
        reference,
        ...(limits ? { limits } : {}),
      });
      return;
    }
    const challenge = findBearerChallenge(res.headers.get('www-authenticate'));
    let status: CheckStatus;
    let detail: string;
    if (res.status === 401) {
      const missing: string[] = [];
      if (challenge?.params['error'] !== 'invalid_token') missing.push('error="invalid_token"');
      if (challenge?.params['resource_metadata'] === undefined) missing.push('resource_metadata');
      status = missing.length === 0 ? 'pass' : 'warn';
      detail =
        missing.length === 0
          ? `${what} → 401 invalid_token`
          : `${what} → 401, but the challenge lacks ${missing.join(' and ')}`;
    } else if (res.status >= 200 && res.status < 400) {
      status = 'fail';
      detail = `${what} → ${res.status}: the token was accepted`;
    } else if (res.status === 403) {
      status = 'fail';
      detail = `${what} → 403: the token was taken as authentic (only scopes were lacking)`;
    } else {
      status = 'warn';
      detail = `${what} → ${res.status}; refused, but invalid tokens must get 401`;
    }
    add({ id, title, status, detail, reference, ...(limits ? { limits } : {}) });
  };

  await tokenCheck(
    'token-forged-signature',
    'Token with a forged signature is refused',
    forged,
    REF.forged,
    'an HS256 at+jwt with this issuer and audience and a random signature',
    'Proves the signature is checked for a token that is otherwise valid; it cannot test keys the doctor does not have.',
  );
  await tokenCheck(
    'token-alg-none',
    'Unsigned token (alg none) is refused',
    algNone,
    REF.none,
    'an alg "none" at+jwt with this issuer and audience',
  );
  await tokenCheck(
    'token-foreign-audience',
    'Token for another audience is refused',
    foreign,
    REF.audience,
    options.foreignToken !== undefined
      ? 'the token from --foreign-token-env (issued for another resource)'
      : 'a foreign-issuer token for https://doctor.invalid/another-resource',
    options.foreignToken !== undefined
      ? undefined
      : 'Without --foreign-token-env the doctor cannot sign a token with the server’s key, so this proves only that an unverifiable token for another audience is refused, not that `aud` is checked on correctly signed tokens.',
  );

  // 7. Tokens in the query string are ignored.
  progress('token in the query string');
  let validAccepted: boolean | undefined;
  if (options.accessToken !== undefined) {
    const res = await postInitialize(mcpUrl, `Bearer ${options.accessToken}`);
    validAccepted = res.ok && res.status >= 200 && res.status < 300;
    add({
      id: 'token-valid-accepted',
      title: 'The given valid token is accepted in the header',
      status: validAccepted ? 'pass' : 'warn',
      detail: validAccepted
        ? `token from --token-env in the Authorization header → ${res.ok ? res.status : ''}`
        : `token from --token-env was not accepted (${res.ok ? `HTTP ${res.status}` : res.error}); the query check is weaker`,
      reference: REF.valid,
    });
  }
  const queryUrl = new URL(mcpUrl);
  queryUrl.searchParams.set('access_token', options.accessToken ?? forged);
  const q = await postInitialize(queryUrl);
  if (!q.ok) {
    add({
      id: 'token-in-query-ignored',
      title: 'Token in ?access_token= is ignored',
      status: 'warn',
      detail: q.error,
      reference: REF.query,
    });
  } else {
    const challenge = findBearerChallenge(q.headers.get('www-authenticate'));
    const baselineHadError = baseline?.params['error'] !== undefined;
    const what =
      options.accessToken !== undefined
        ? 'the valid token from --token-env in ?access_token='
        : 'a forged token in ?access_token=';
    let status: CheckStatus;
    let detail: string;
    if (q.status >= 200 && q.status < 400) {
      status = 'fail';
      detail = `${what} → ${q.status}: the token was read from the URL`;
    } else if (
      q.status === 401 &&
      challenge?.params['error'] === 'invalid_token' &&
      !baselineHadError
    ) {
      status = 'fail';
      detail = `${what} → 401 error="invalid_token": the server read the token from the query (a request without credentials gets no error code)`;
    } else if (q.status === 401 || q.status === 400) {
      const strong = options.accessToken !== undefined && validAccepted === true;
      status = strong || !baselineHadError ? 'pass' : 'warn';
      detail = `${what} → ${q.status}${challenge?.params['error'] === undefined ? ' (treated as no credentials)' : ''}${
        !strong && baselineHadError
          ? '; inconclusive: the server adds an error code even without credentials'
          : ''
      }`;
    } else {
      status = 'warn';
      detail = `${what} → ${q.status}, expected 401`;
    }
    add({
      id: 'token-in-query-ignored',
      title: 'Token in ?access_token= is ignored',
      status,
      detail,
      reference: REF.query,
      ...(options.accessToken === undefined
        ? {
            limits:
              'Without --token-env the doctor only sees whether the server looked at the query token (401 with error="invalid_token" versus a plain challenge).',
          }
        : {}),
    });
  }

  // 8. The 2026-07-28 standard headers must agree with the body.
  progress('Mcp-Method header mismatch');
  if (options.accessToken === undefined) {
    add({
      id: 'header-mismatch-rejected',
      title: 'An Mcp-Method header that disagrees with the body is refused (-32020)',
      status: 'skip',
      detail:
        'needs --token-env: an unauthenticated request is answered 401 before its body is read',
      reference: REF.headerMismatch,
    });
  } else {
    const mismatch = await http(
      mcpUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${options.accessToken}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/list',
          'mcp-name': 'mcp-auth-doctor-probe',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'mcp-auth-doctor-probe', arguments: {} },
        }),
      },
      true,
    );
    const code = mismatch.ok
      ? (parseJsonObject(mismatch.text)?.['error'] as { code?: unknown } | undefined)?.code
      : undefined;
    add({
      id: 'header-mismatch-rejected',
      title: 'An Mcp-Method header that disagrees with the body is refused (-32020)',
      status: mismatch.ok && mismatch.status === 400 && code === -32020 ? 'pass' : 'fail',
      detail: !mismatch.ok
        ? mismatch.error
        : `tools/call body with Mcp-Method: tools/list → HTTP ${mismatch.status}${
            typeof code === 'number' ? `, JSON-RPC ${code}` : ''
          }${mismatch.status === 400 && code === -32020 ? '' : ' (expected 400 with -32020)'}`,
      reference: REF.headerMismatch,
    });
  }
  return finish();
}
