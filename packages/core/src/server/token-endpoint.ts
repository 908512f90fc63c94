import {
  MethodNotAllowedError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../errors/oauth-error.js';
import { parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import type { TokenService } from '../tokens/types.js';
import { authenticateClient } from './client-auth.js';
import { authorizationCodeGrant } from './grants/authorization-code.js';
import { requiredParam } from './grants/params.js';
import { refreshTokenGrant } from './grants/refresh-token.js';
import type { GrantHandlers } from './grants/types.js';
import { observeIssuance } from './issuance-telemetry.js';
import type { AuditRecorder } from '../observability/audit.js';
import type { Instrumentation } from '../observability/instrumentation.js';
import {
  assertBound,
  nonceHeaders,
  proveTokenRequestKey,
  type TokenEndpointDpop,
} from './token-dpop.js';
import type { ClientRegistry } from './types.js';

/** Dependencies of {@link handleTokenRequest}. */
export interface TokenEndpointDeps {
  tokens: TokenService;
  clients: ClientRegistry;
  /**
   * The grant types served, by `grant_type`. Default: {@link defaultGrants} of `tokens`
   * (`authorization_code` and `refresh_token`).
   */
  grants?: GrantHandlers;
  /**
   * DPoP (RFC 9449 §5): a `DPoP` proof is verified once, before the grant runs, and the tokens
   * are bound to its key. Without it a `DPoP` header is ignored and tokens are Bearer.
   */
  dpop?: TokenEndpointDpop;
  /** Tracing and metrics of issuance (`mcp_auth.token.issue`, `mcp_auth.tokens.issued`). */
  instrumentation?: Instrumentation | undefined;
  /** Receives `token.issued` / `token.refreshed` audit events. */
  audit?: AuditRecorder | undefined;
}

/** The grants every authorization server serves: `authorization_code` and `refresh_token`. */
export function defaultGrants(tokens: TokenService): GrantHandlers {
  return {
    authorization_code: authorizationCodeGrant(tokens),
    refresh_token: refreshTokenGrant(tokens),
  };
}

/**
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1 §3.2): parses the form, refuses an unknown
 * `grant_type` before touching the client registry, authenticates the client, checks it is
 * registered for the grant, and hands the request to that grant's handler. POST with a form
 * body only; every response carries `Cache-Control: no-store` (SECURITY-CASES 8–17). Errors
 * become RFC 6749 §5.2 JSON bodies.
 */
export async function handleTokenRequest(
  request: HttpRequest,
  deps: TokenEndpointDeps,
): Promise<HttpResponse> {
  try {
    if (request.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    const form = parseFormBody(request);
    const grantType = requiredParam(form, 'grant_type');
    const grants = deps.grants ?? defaultGrants(deps.tokens);
    const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
    if (grant === undefined) throw new UnsupportedGrantTypeError();
    const client = await authenticateClient(request, form, deps.clients);
    if (!client.grantTypes.includes(grantType)) {
      throw new UnauthorizedClientError('The client is not registered for this grant type');
    }
    const dpop = await proveTokenRequestKey(request, deps.dpop, client);
    const body = await observeIssuance(deps, grantType, client.clientId, () =>
      grant({ request, form, client, resource: form.get('resource'), dpop }),
    );
    assertBound(body, dpop);
    return jsonResponse(200, body, await nonceHeaders(deps.dpop));
  } catch (error) {
    return errorResponse(error);
  }
}
