import { timingSafeEqual } from '../encoding/constant-time.js';
import {
  InvalidClientError,
  InvalidRequestError,
  isOAuthError,
  MethodNotAllowedError,
} from '../errors/oauth-error.js';
import { isJwtError } from '../errors/jwt-error.js';
import type { ActiveIntrospectionResponse, TokenService } from '../tokens/types.js';
import { authenticateClient } from './client-auth.js';
import { parseFormBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
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
  /**
   * Who else may introspect. `'resource-servers'` (default): only configured clients marked
   * `resourceServer`; any other client → 401 `invalid_client`. `'own-tokens'`: any
   * confidential client too, but a token issued to another client is `{"active": false}`
   * for it.
   */
  callers?: 'resource-servers' | 'own-tokens';
  /**
   * The downstream audiences of token exchange (absolute URLs): a token exchanged for one of
   * them is introspected too, so the downstream API can see it revoked.
   */
  exchangeAudiences?: readonly string[];
}

// A token exchanged for a downstream audience (RFC 8693): verified — signature, issuer, that
// audience, expiry, revocation of its jti and grant — by that audience's verifier.
async function introspectExchanged(
  tokens: TokenService,
  audiences: readonly string[],
  token: string,
): Promise<ActiveIntrospectionResponse | undefined> {
  if (audiences.length === 0 || token.split('.').length !== 3) return undefined;
  for (const audience of audiences) {
    try {
      const context = await tokens.createAccessTokenVerifier(audience).verify(token);
      const cnf = context.claims.cnf;
      const bound = typeof cnf === 'object' && cnf !== null && 'jkt' in cnf;
      return { ...context.claims, active: true, token_type: bound ? 'DPoP' : 'Bearer' };
    } catch (error) {
      if ((isOAuthError(error) && error.code === 'invalid_token') || isJwtError(error)) continue;
      throw error;
    }
  }
  return undefined;
}

/**
 * The RFC 7662 introspection endpoint, for resource servers only (RFC 7662 §2.1, §4: the
 * endpoint tells whether a token is live, so an open one lets a thief test a stolen refresh
 * token without using it and without tripping reuse detection). The caller is a resource
 * server presenting the shared `resourceServerSecret` as a Bearer token, or a configured
 * confidential client marked `resourceServer`; anyone else → 401 `invalid_client`
 * (SECURITY-CASES 19, issue 12 §3). Expired, revoked, foreign or garbage tokens give exactly
 * `{"active": false}`.
 */
export async function handleIntrospectionRequest(
  request: HttpRequest,
  deps: IntrospectionEndpointDeps,
): Promise<HttpResponse> {
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
    // Set for a caller that may only see its own tokens.
    let ownerOnly: string | undefined;
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
      const client = await authenticateClient(request, form, deps.clients, {
        requireSecret: true,
      });
      const resourceServer = client.resourceServer === true && client.source === 'static';
      if (!resourceServer) {
        if ((deps.callers ?? 'resource-servers') !== 'own-tokens') {
          throw new InvalidClientError('This client may not introspect tokens', {
            basic: /^basic/i.test(authorization?.trimStart() ?? ''),
          });
        }
        ownerOnly = client.clientId;
      }
    }
    const token = form.get('token');
    if (token === undefined || token.length === 0) {
      throw new InvalidRequestError('The token parameter is required');
    }
    const answer = await deps.tokens.introspect(token);
    const exchanged = answer.active
      ? undefined
      : await introspectExchanged(deps.tokens, deps.exchangeAudiences ?? [], token);
    if (exchanged !== undefined) {
      if (ownerOnly !== undefined && exchanged.client_id !== ownerOnly) {
        return jsonResponse(200, { active: false });
      }
      return jsonResponse(200, exchanged);
    }
    if (ownerOnly !== undefined && answer.active && answer.client_id !== ownerOnly) {
      return jsonResponse(200, { active: false });
    }
    return jsonResponse(200, answer);
  } catch (error) {
    return errorResponse(error);
  }
}
