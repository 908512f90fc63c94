import {
  InvalidRequestError,
  InvalidScopeError,
  MethodNotAllowedError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../errors/oauth-error.js';
import { isValidCodeVerifier } from '../pkce.js';
import { isValidScopeParameter } from '../policy/scopes.js';
import type { TokenService } from '../tokens/types.js';
import { authenticateClient } from './client-auth.js';
import { type FormParams, parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import type { ClientRecord, ClientRegistry } from './types.js';

/** Dependencies of {@link handleTokenRequest}. */
export interface TokenEndpointDeps {
  tokens: TokenService;
  clients: ClientRegistry;
}

const SUPPORTED_GRANTS = new Set(['authorization_code', 'refresh_token']);

function required(form: FormParams, name: string): string {
  const value = form.get(name);
  if (value === undefined || value.length === 0) {
    throw new InvalidRequestError(`The ${name} parameter is required`);
  }
  return value;
}

function assertGrantAllowed(client: ClientRecord, grantType: string): void {
  if (!client.grantTypes.includes(grantType)) {
    throw new UnauthorizedClientError('The client is not registered for this grant type');
  }
}

/**
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1 §3.2): `authorization_code` with PKCE and
 * `refresh_token` with rotation, client authentication `none`, `client_secret_basic` or
 * `client_secret_post`. POST with a form body only; every response carries
 * `Cache-Control: no-store` (SECURITY-CASES 8–17). Errors become RFC 6749 §5.2 JSON bodies.
 */
export async function handleTokenRequest(
  request: HttpRequest,
  deps: TokenEndpointDeps,
): Promise<HttpResponse> {
  try {
    if (request.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    const form = parseFormBody(request);
    const grantType = required(form, 'grant_type');
    if (!SUPPORTED_GRANTS.has(grantType)) throw new UnsupportedGrantTypeError();
    const client = await authenticateClient(request, form, deps.clients);
    assertGrantAllowed(client, grantType);
    const resource = form.get('resource');

    if (grantType === 'authorization_code') {
      const code = required(form, 'code');
      const codeVerifier = form.get('code_verifier');
      if (!isValidCodeVerifier(codeVerifier)) {
        // RFC 7636 §4.1 / §4.5 (SECURITY-CASES 11).
        throw new InvalidRequestError('code_verifier is missing or malformed');
      }
      const body = await deps.tokens.redeemAuthorizationCode({
        code,
        clientId: client.clientId,
        redirectUri: form.get('redirect_uri'),
        codeVerifier,
        ...(resource === undefined ? {} : { resource }),
        issueRefreshToken: client.grantTypes.includes('refresh_token'),
      });
      return jsonResponse(200, body);
    }

    const refreshToken = required(form, 'refresh_token');
    const scope = form.get('scope');
    let scopes: string[] | undefined;
    if (scope !== undefined && scope.length > 0) {
      if (!isValidScopeParameter(scope))
        throw new InvalidScopeError('The scope parameter is malformed');
      scopes = scope.split(' ');
    }
    const body = await deps.tokens.refresh({
      refreshToken,
      clientId: client.clientId,
      ...(scopes === undefined ? {} : { scopes }),
      ...(resource === undefined ? {} : { resource }),
    });
    return jsonResponse(200, body);
  } catch (error) {
    return errorResponse(error);
  }
}
