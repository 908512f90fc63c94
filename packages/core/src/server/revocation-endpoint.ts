import { InvalidRequestError, MethodNotAllowedError } from '../errors/oauth-error.js';
import type { TokenService } from '../tokens/types.js';
import { authenticateClient } from './client-auth.js';
import { parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { errorResponse, NO_STORE_HEADERS } from '../http/responses.js';
import type { ClientRegistry } from './types.js';

/** Dependencies of {@link handleRevocationRequest}. */
export interface RevocationEndpointDeps {
  tokens: TokenService;
  clients: ClientRegistry;
}

/**
 * The RFC 7009 revocation endpoint. The client authenticates as at the token endpoint; a
 * refresh token revokes its whole grant (its access tokens become inactive), an access token
 * its `jti`. Unknown, garbage or foreign tokens still get 200 (RFC 7009 §2.2, SECURITY-CASES
 * 18). A store failure gives 503 so the client retries.
 */
export async function handleRevocationRequest(
  request: HttpRequest,
  deps: RevocationEndpointDeps,
): Promise<HttpResponse> {
  try {
    if (request.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    const form = parseFormBody(request);
    const client = await authenticateClient(request, form, deps.clients);
    const token = form.get('token');
    if (token === undefined || token.length === 0) {
      throw new InvalidRequestError('The token parameter is required');
    }
    const hint = form.get('token_type_hint');
    await deps.tokens.revoke({
      token,
      clientId: client.clientId,
      ...(hint === undefined ? {} : { tokenTypeHint: hint }),
    });
    return { status: 200, headers: { ...NO_STORE_HEADERS } };
  } catch (error) {
    return errorResponse(error);
  }
}
