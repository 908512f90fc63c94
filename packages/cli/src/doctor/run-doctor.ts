import { checkAsMetadata } from './check-as-metadata.js';
import { checkAuthorize } from './check-authorize.js';
import { checkChallenge, checkMcpUrl } from './check-challenge.js';
import { checkHeaderMismatch } from './check-headers.js';
import { checkRegistration } from './check-registration.js';
import { checkResourceMetadata } from './check-resource-metadata.js';
import { checkTokens } from './check-tokens.js';
import { createHttp, type DoctorContext, postInitializeWith } from './context.js';
import type { DoctorCheck, DoctorOptions, DoctorReport } from './types.js';

/**
 * Checks a running MCP server's authorization surface from the outside, against the MCP
 * authorization spec (2025-06-18 and 2025-11-25) and the RFCs it builds on. It sends real
 * requests: an unauthenticated `initialize`, metadata fetches, (unless disabled) a dynamic
 * client registration of a throwaway client with redirect URI {@link DOCTOR_REDIRECT_URI},
 * authorization requests that are never completed, and requests carrying forged tokens.
 * No token, secret or code is ever put in the report.
 *
 * The groups of checks run in this order, each in its own module; later groups use what
 * earlier ones found (the challenge's scope, the metadata's endpoints, the probe client).
 */
export async function runDoctor(
  mcpUrlInput: string,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
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

  const mcpUrl = checkMcpUrl(mcpUrlInput, add);
  if (mcpUrl === undefined) return finish();
  const http = createHttp(options.fetch ?? fetch, options.timeoutMs ?? 10_000);
  const ctx: DoctorContext = {
    input: mcpUrlInput,
    mcpUrl,
    options,
    add,
    progress: options.onProgress ?? (() => {}),
    http,
    postInitialize: postInitializeWith(http),
  };

  // 1. The 401 challenge.
  const challenge = await checkChallenge(ctx);
  if (challenge === undefined) return finish();
  // 2. Protected-resource metadata (RFC 9728).
  const prm = await checkResourceMetadata(ctx, challenge.metadataUrl);
  // 3. Authorization-server metadata (RFC 8414).
  const as = await checkAsMetadata(ctx, prm.authorizationServer);
  // 4. A client for the authorization-request probes.
  const client = await checkRegistration(ctx, as.registrationEndpoint);
  // 5. Authorization-request probes (never completed: nobody logs in).
  const advertised = prm.scopesSupported.length > 0 ? prm.scopesSupported.join(' ') : undefined;
  await checkAuthorize(ctx, {
    authorizationEndpoint: as.authorizationEndpoint,
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    scope: challenge.challengeScope ?? advertised,
  });
  // 6–7. Tokens the server must refuse; tokens in the query string are ignored.
  await checkTokens(ctx, {
    issuer: as.issuer ?? prm.authorizationServer ?? 'https://doctor.invalid',
    clientId: client.clientId,
    scope: challenge.challengeScope ?? advertised ?? 'mcp:tools:read',
    baseline: challenge.baseline,
  });
  // 8. The 2026-07-28 standard headers must agree with the body.
  await checkHeaderMismatch(ctx);
  return finish();
}
