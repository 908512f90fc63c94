import { sanitize } from '../io.js';
import { parseJsonObject } from '../json.js';
import type { DoctorContext, HttpResult } from './context.js';
import { REF } from './references.js';
import { DOCTOR_REDIRECT_URI } from './types.js';

/** The client the authorization-request probes use (none when there is no way to get one). */
export interface ProbeClient {
  readonly clientId: string | undefined;
  readonly redirectUri: string | undefined;
}

/** Registers a throwaway public client for `redirectUri` (RFC 7591). */
function register(
  ctx: DoctorContext,
  endpoint: URL,
  clientName: string,
  redirectUri: string,
): Promise<HttpResult> {
  return ctx.http(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      client_name: clientName,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
}

/**
 * Finds the client for the authorization-request probes: the one given in the options, or one
 * registered dynamically. Checks `dcr-register` and `dcr-rejects-insecure-redirect` (or skips
 * `dcr-register` when registration is unavailable or disabled).
 */
export async function checkRegistration(
  ctx: DoctorContext,
  registrationEndpoint: URL | undefined,
): Promise<ProbeClient> {
  const { options } = ctx;
  let clientId = options.clientId;
  const redirectUri =
    options.redirectUri ?? (clientId === undefined ? DOCTOR_REDIRECT_URI : undefined);
  const registrationAllowed = options.register !== false;
  if (clientId === undefined && registrationEndpoint !== undefined && registrationAllowed) {
    clientId = await checkDynamicRegistration(ctx, registrationEndpoint);
    await checkInsecureRedirectRefused(ctx, registrationEndpoint);
  } else if (clientId === undefined) {
    ctx.add({
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
  return { clientId, redirectUri };
}

/** Checks `dcr-register`; returns the registered client's id. */
async function checkDynamicRegistration(
  ctx: DoctorContext,
  endpoint: URL,
): Promise<string | undefined> {
  ctx.progress('dynamic client registration');
  const res = await register(
    ctx,
    endpoint,
    'mcp-auth doctor probe (safe to delete)',
    DOCTOR_REDIRECT_URI,
  );
  const body = res.ok ? parseJsonObject(res.text) : undefined;
  const id = body?.['client_id'];
  if (res.ok && (res.status === 201 || res.status === 200) && typeof id === 'string' && id !== '') {
    ctx.add({
      id: 'dcr-register',
      title: 'Dynamic client registration works',
      status: res.status === 201 ? 'pass' : 'warn',
      detail:
        res.status === 201
          ? `registered a throwaway public client for ${DOCTOR_REDIRECT_URI}`
          : 'registered, but with 200 instead of 201 Created',
      reference: REF.dcr,
    });
    return id;
  }
  ctx.add({
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
  return undefined;
}

/** Checks `dcr-rejects-insecure-redirect`. */
async function checkInsecureRedirectRefused(ctx: DoctorContext, endpoint: URL): Promise<void> {
  ctx.progress('registration with an insecure redirect URI');
  const insecure = await register(
    ctx,
    endpoint,
    'mcp-auth doctor probe (must be refused)',
    'http://doctor.invalid/cb',
  );
  const insecureBody = insecure.ok ? parseJsonObject(insecure.text) : undefined;
  ctx.add({
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
}
