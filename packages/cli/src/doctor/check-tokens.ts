import { base64UrlEncode, generateRandomToken, randomBytes } from '@mcp-auth/core/internal';
import type { AuthChallenge } from '../www-authenticate.js';
import { findBearerChallenge } from '../www-authenticate.js';
import type { DoctorContext } from './context.js';
import { REF } from './references.js';
import type { CheckStatus } from './types.js';

/** What the forged tokens are made of. */
export interface TokenProbeInput {
  /** The issuer to put in forged tokens (the metadata's, else the server's, else a dummy). */
  readonly issuer: string;
  readonly clientId: string | undefined;
  /** The scope to put in forged tokens. */
  readonly scope: string;
  /** The unauthenticated request's Bearer challenge (for the query-token comparison). */
  readonly baseline: AuthChallenge | undefined;
}

function jwtSegment(value: unknown): string {
  return base64UrlEncode(JSON.stringify(value));
}

/**
 * Tokens the server must refuse (`token-forged-signature`, `token-alg-none`,
 * `token-foreign-audience`), then the token in the query string (`token-valid-accepted` with
 * a given token, `token-in-query-ignored`).
 */
export async function checkTokens(ctx: DoctorContext, input: TokenProbeInput): Promise<void> {
  const { options } = ctx;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const claims = (iss: string, aud: string) => ({
    iss,
    sub: 'mcp-auth-doctor',
    aud,
    exp: now + 600,
    iat: now,
    jti: generateRandomToken(16),
    client_id: input.clientId ?? 'mcp-auth-doctor',
    scope: input.scope,
  });
  const forged = `${jwtSegment({ alg: 'HS256', typ: 'at+jwt' })}.${jwtSegment(claims(input.issuer, ctx.input))}.${base64UrlEncode(randomBytes(32))}`;
  const algNone = `${jwtSegment({ alg: 'none', typ: 'at+jwt' })}.${jwtSegment(claims(input.issuer, ctx.input))}.`;
  const foreign =
    options.foreignToken ??
    `${jwtSegment({ alg: 'ES256', typ: 'at+jwt', kid: 'doctor' })}.${jwtSegment(claims('https://doctor.invalid', 'https://doctor.invalid/another-resource'))}.${base64UrlEncode(randomBytes(64))}`;

  await tokenCheck(
    ctx,
    'token-forged-signature',
    'Token with a forged signature is refused',
    forged,
    REF.forged,
    'an HS256 at+jwt with this issuer and audience and a random signature',
    'Proves the signature is checked for a token that is otherwise valid; it cannot test keys the doctor does not have.',
  );
  await tokenCheck(
    ctx,
    'token-alg-none',
    'Unsigned token (alg none) is refused',
    algNone,
    REF.none,
    'an alg "none" at+jwt with this issuer and audience',
  );
  await tokenCheck(
    ctx,
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
  await checkQueryToken(ctx, forged, input.baseline);
}

/** Sends `token` in the header; it must get 401 with `error="invalid_token"`. */
async function tokenCheck(
  ctx: DoctorContext,
  id: string,
  title: string,
  token: string,
  reference: string,
  what: string,
  limits?: string,
): Promise<void> {
  ctx.progress(title);
  const res = await ctx.postInitialize(ctx.mcpUrl, `Bearer ${token}`);
  if (!res.ok) {
    ctx.add({
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
  ctx.add({ id, title, status, detail, reference, ...(limits ? { limits } : {}) });
}

/** Checks `token-valid-accepted` (with a given token) and `token-in-query-ignored`. */
async function checkQueryToken(
  ctx: DoctorContext,
  forged: string,
  baseline: AuthChallenge | undefined,
): Promise<void> {
  const { options } = ctx;
  ctx.progress('token in the query string');
  let validAccepted: boolean | undefined;
  if (options.accessToken !== undefined) {
    const res = await ctx.postInitialize(ctx.mcpUrl, `Bearer ${options.accessToken}`);
    validAccepted = res.ok && res.status >= 200 && res.status < 300;
    ctx.add({
      id: 'token-valid-accepted',
      title: 'The given valid token is accepted in the header',
      status: validAccepted ? 'pass' : 'warn',
      detail: validAccepted
        ? `token from --token-env in the Authorization header → ${res.ok ? res.status : ''}`
        : `token from --token-env was not accepted (${res.ok ? `HTTP ${res.status}` : res.error}); the query check is weaker`,
      reference: REF.valid,
    });
  }
  const queryUrl = new URL(ctx.mcpUrl);
  queryUrl.searchParams.set('access_token', options.accessToken ?? forged);
  const q = await ctx.postInitialize(queryUrl);
  if (!q.ok) {
    ctx.add({
      id: 'token-in-query-ignored',
      title: 'Token in ?access_token= is ignored',
      status: 'warn',
      detail: q.error,
      reference: REF.query,
    });
    return;
  }
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
  ctx.add({
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
