import { generateRandomToken } from '@mcp-auth/core/internal';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { sanitize } from '../io.js';
import type { DoctorContext } from './context.js';
import { REF } from './references.js';

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

const AUTHORIZE_CHECKS = [
  {
    id: 'authorize-valid-request',
    title: 'A valid authorization request is accepted',
    ref: REF.authorize,
  },
  { id: 'pkce-plain-refused', title: 'PKCE plain (or no method) is refused', ref: REF.plain },
  { id: 'redirect-uri-exact', title: 'Redirect URI must match exactly', ref: REF.redirect },
] as const;

/** What the probes need: where to send them, as which client, and the scope to ask for. */
export interface AuthorizeProbeTarget {
  readonly authorizationEndpoint: URL | undefined;
  readonly clientId: string | undefined;
  readonly redirectUri: string | undefined;
  readonly scope: string | undefined;
}

/** Sends one authorization request (never completed: nobody logs in). */
type Authorize = (params: Record<string, string | undefined>) => Promise<AuthorizeOutcome>;

function authorizeWith(ctx: DoctorContext, endpoint: URL, clientId: string, scope?: string) {
  const authorize: Authorize = async (params) => {
    const url = new URL(endpoint);
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: clientId,
      state: generateRandomToken(16),
      resource: ctx.input,
      scope,
      ...params,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
    const res = await ctx.http(url, { headers: { accept: 'text/html' } }, false);
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
  return authorize;
}

/**
 * Authorization-request probes: checks `authorize-valid-request`, `pkce-plain-refused` and
 * `redirect-uri-exact` (all skipped without an endpoint and a client).
 */
export async function checkAuthorize(ctx: DoctorContext, target: AuthorizeProbeTarget) {
  const { authorizationEndpoint, clientId, redirectUri } = target;
  if (authorizationEndpoint === undefined || clientId === undefined || redirectUri === undefined) {
    for (const check of AUTHORIZE_CHECKS) {
      ctx.add({
        id: check.id,
        title: check.title,
        status: 'skip',
        detail:
          authorizationEndpoint === undefined
            ? 'no authorization endpoint'
            : 'no client to probe with (no registration; pass --client-id and --redirect-uri)',
        reference: check.ref,
      });
    }
    return;
  }
  const authorize = authorizeWith(ctx, authorizationEndpoint, clientId, target.scope);
  const verifier = generateCodeVerifier();
  const challenge = await computeS256Challenge(verifier);
  const controlAccepted = await checkValidRequest(ctx, authorize, redirectUri, challenge);
  await checkPlainRefused(ctx, authorize, redirectUri, verifier, controlAccepted);
  await checkRedirectExact(ctx, authorize, redirectUri, challenge);
}

/** Checks `authorize-valid-request`; returns whether the valid request was accepted. */
async function checkValidRequest(
  ctx: DoctorContext,
  authorize: Authorize,
  redirectUri: string,
  challenge: string,
): Promise<boolean> {
  ctx.progress('authorization request (S256)');
  const control = await authorize({
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const controlAccepted = isAcceptance(control);
  ctx.add({
    id: 'authorize-valid-request',
    title: 'A valid authorization request is accepted',
    status: controlAccepted ? 'pass' : 'warn',
    detail: controlAccepted
      ? `S256 request → ${describeOutcome(control, redirectUri)}`
      : `a valid S256 request was not accepted (${describeOutcome(control, redirectUri)}); the refusal checks below prove less`,
    reference: REF.authorize,
  });
  return controlAccepted;
}

async function checkPlainRefused(
  ctx: DoctorContext,
  authorize: Authorize,
  redirectUri: string,
  verifier: string,
  controlAccepted: boolean,
): Promise<void> {
  ctx.progress('authorization request (plain)');
  const plain = await authorize({
    redirect_uri: redirectUri,
    code_challenge: verifier,
    code_challenge_method: 'plain',
  });
  const noMethod = await authorize({ redirect_uri: redirectUri, code_challenge: verifier });
  const accepted = [plain, noMethod].filter(isAcceptance);
  const bothRefused = isRefusal(plain) && isRefusal(noMethod);
  ctx.add({
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
}

async function checkRedirectExact(
  ctx: DoctorContext,
  authorize: Authorize,
  redirectUri: string,
  challenge: string,
): Promise<void> {
  ctx.progress('authorization request (redirect URI variants)');
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
    (r) => r.outcome.kind === 'redirect' && r.outcome.location?.href.startsWith(r.variant) === true,
  );
  const unclear = results.filter((r) => !redirected.includes(r) && !isRefusal(r.outcome));
  ctx.add({
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
