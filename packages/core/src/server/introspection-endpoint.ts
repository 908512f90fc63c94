import { timingSafeEqual } from '../encoding/constant-time.js';
import {
  InvalidClientError,
  InvalidRequestError,
  MethodNotAllowedError,
} from '../errors/oauth-error.js';
import type { TokenService } from '../tokens/types.js';
import { authenticateClient } from './client-auth.js';
import { parseFormBody } from './form.js';
import type { AuthRequest, AuthResponse } from './http.js';
import { errorResponse, jsonResponse } from './responses.js';
import type { ClientRegistry } from './types.js';

/** Dependencies of {@link handleIntrospectionRequest}. */
export interface IntrospectionEndpointDeps {
  tokens: TokenService;
  clients: ClientRegistry;
  /**
   * A shared secret resource servers present as `Authorization: Bearer <secret>` instead of
   * client credentials. At least 32 characters.
   */
  resourceServerSecret?: string;
}

/**
 * The RFC 7662 introspection endpoint. The caller must authenticate (RFC 7662 §2.1): a
 * confidential client (`client_secret_basic` / `client_secret_post`) or a resource server with
 * the shared `resourceServerSecret` as a Bearer token; otherwise 401 (SECURITY-CASES 19).
 * Expired, revoked, foreign or garbage tokens give exactly `{"active": false}`.
 */
export async function handleIntrospectionRequest(
  request: AuthRequest,
  deps: IntrospectionEndpointDeps,
): Promise<AuthResponse> {
  if (
    deps.resourceServerSecret !== undefined &&
    (typeof deps.resourceServerSecret !== 'string' || deps.resourceServerSecret.length < 32)
  ) {
    throw new TypeError(
      'handleIntrospectionRequest: resourceServerSecret must be at least 32 characters',
    );
  }
  try {
    if (request.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    const form = parseFormBody(request);
    const authorization = request.headers['authorization'];
    const bearer =
      authorization === undefined ? undefined : /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
    if (bearer) {
      if (
        deps.resourceServerSecret === undefined ||
        !timingSafeEqual(bearer[1]!, deps.resourceServerSecret)
      ) {
        throw new InvalidClientError('Caller authentication failed', { basic: true });
      }
    } else {
      await authenticateClient(request, form, deps.clients, { requireSecret: true });
    }
    const token = form.get('token');
    if (token === undefined || token.length === 0) {
      throw new InvalidRequestError('The token parameter is required');
    }
    return jsonResponse(200, await deps.tokens.introspect(token));
  } catch (error) {
    return errorResponse(error);
  }
}
