import {
  AccessDeniedError,
  InvalidClientMetadataError,
  TooManyRequestsError,
} from '../errors/oauth-error.js';
import type { ClientMetadata } from './client-metadata.js';
import { CONFIGURED_ONLY_GRANT_TYPES, validateClientMetadata } from './client-metadata.js';
import type { ServerClientRegistry } from './client-registry.js';
import { parseJsonBody } from '../http/form.js';
import type { HttpRequest, HttpResponse } from '../http/messages.js';
import type { StoreRateLimiter } from './rate-limit.js';
import { jsonResponse } from '../http/responses.js';

/** Decides whether a registration may proceed: `false` refuses it (403 `access_denied`). */
export type RegistrationHook = (
  metadata: ClientMetadata,
  request: HttpRequest,
) => boolean | Promise<boolean>;

/** Dependencies of {@link handleRegistrationRequest}. */
export interface RegistrationDeps {
  readonly clients: ServerClientRegistry;
  readonly scopesSupported: () => readonly string[];
  readonly onRegister?: RegistrationHook | undefined;
  /**
   * Registrations may list `client_credentials` (the server set
   * `clientCredentials.allowDynamicClients`, which still decides at each token request).
   * Default `false`: such a registration is refused with `invalid_client_metadata`.
   */
  readonly allowClientCredentials?: boolean | undefined;
  /** Counts registrations per caller (`rateLimitKey`, default the caller's address). */
  readonly limiter?: StoreRateLimiter | undefined;
  /** The per-caller bucket; `undefined` puts the request in one shared `unknown` bucket. */
  readonly rateLimitKey?: ((request: HttpRequest) => string | undefined) | undefined;
  /** The last-resort cap on all registrations together. */
  readonly globalLimiter?: StoreRateLimiter | undefined;
}

/**
 * RFC 7591 dynamic client registration: validates the metadata (SECURITY-CASES 20: bad
 * redirect URIs → 400 `invalid_redirect_uri`, > 64 KiB → 413, flood → 429 per caller address,
 * then a global cap), asks the hook,
 * stores the client (its secret only as a hash) and answers 201 with the registered
 * metadata and, for confidential clients, the secret.
 */
export async function handleRegistrationRequest(
  request: HttpRequest,
  deps: RegistrationDeps,
): Promise<HttpResponse> {
  if (deps.limiter) {
    const wait = await deps.limiter.hit(deps.rateLimitKey?.(request) ?? 'unknown');
    if (wait !== undefined) throw new TooManyRequestsError(wait, 'Too many registrations');
  }
  if (deps.globalLimiter) {
    const wait = await deps.globalLimiter.hit('all');
    if (wait !== undefined) throw new TooManyRequestsError(wait, 'Too many registrations');
  }
  const raw = parseJsonBody(request);
  const metadata = validateClientMetadata(raw, 'registration', deps.scopesSupported());
  if (metadata.grantTypes.some((g) => CONFIGURED_ONLY_GRANT_TYPES.includes(g))) {
    throw new InvalidClientMetadataError(
      'jwt-bearer and token-exchange are for clients configured on the server, not registered',
    );
  }
  if (metadata.grantTypes.includes('client_credentials') && deps.allowClientCredentials !== true) {
    // An anonymous registration never yields a machine token (docs/client-credentials.md).
    throw new InvalidClientMetadataError(
      'This server does not let registered clients use client_credentials',
    );
  }
  if (deps.onRegister && !(await deps.onRegister(metadata, request))) {
    throw new AccessDeniedError('The registration was refused');
  }
  const { client, clientSecret } = await deps.clients.register(metadata);
  const body: Record<string, unknown> = {
    client_id: client.clientId,
    client_id_issued_at: client.clientIdIssuedAt,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
  };
  if (clientSecret !== undefined) {
    body['client_secret'] = clientSecret;
    body['client_secret_expires_at'] = 0;
  }
  if (client.clientName !== undefined) body['client_name'] = client.clientName;
  if (client.clientUri !== undefined) body['client_uri'] = client.clientUri;
  if (client.logoUri !== undefined) body['logo_uri'] = client.logoUri;
  if (client.scope !== undefined) body['scope'] = client.scope;
  if (client.jwks !== undefined) body['jwks'] = client.jwks;
  if (client.jwksUri !== undefined) body['jwks_uri'] = client.jwksUri;
  if (client.tokenEndpointAuthSigningAlg !== undefined) {
    body['token_endpoint_auth_signing_alg'] = client.tokenEndpointAuthSigningAlg;
  }
  if (client.applicationType !== undefined) body['application_type'] = client.applicationType;
  return jsonResponse(201, body);
}
