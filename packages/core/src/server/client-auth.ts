import { timingSafeEqual } from '../encoding/constant-time.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { InvalidClientError, InvalidRequestError } from '../errors/oauth-error.js';
import { storeCall } from '../store/store.js';
import { decodeJwt } from '../jwt/decode.js';
import { JWT_BEARER_CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import type { FormParams } from '../http/form.js';
import type { HttpRequest } from '../http/messages.js';
import type {
  ClientAssertionVerifier,
  ClientRecord,
  ClientRegistry,
  TokenEndpointAuthMethod,
} from './types.js';

/** Options of {@link authenticateClient}. */
export interface AuthenticateClientOptions {
  /** Refuse public clients (`none`): introspection needs a confidential caller. Default `false`. */
  requireSecret?: boolean;
  /** Clock in milliseconds, for secret expiry. Default `Date.now`. */
  now?: () => number;
  /** Verifies `private_key_jwt` assertions. Default: the registry's `assertions`. */
  assertions?: ClientAssertionVerifier;
}

// Client ids and secrets we accept at all; anything longer is refused before any lookup.
const MAX_CREDENTIAL_LENGTH = 2048;
// The longest client assertion read at all (RFC 7523 JWTs are well under this).
const MAX_ASSERTION_LENGTH = 8192;

function decodeFormComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The client id and secret of an HTTP Basic `Authorization` header (RFC 6749 §2.3.1), and the
 * secret as sent when form-decoding changed it (`rawSecret`): the official MCP SDK clients and
 * `curl -u` send secrets unencoded, so a `+` or `%` in one would otherwise never match.
 */
function parseBasic(
  header: string,
): { clientId: string; secret: string; rawSecret: string | undefined } | undefined {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (!match) return undefined;
  let decoded: string;
  try {
    const binary = atob(match[1]!);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined with a colon.
  const clientId = decodeFormComponent(decoded.slice(0, colon));
  const sent = decoded.slice(colon + 1);
  const secret = decodeFormComponent(sent);
  if (clientId === undefined || clientId.length === 0) return undefined;
  // A secret that is not valid form encoding (a lone `%`) can only have been sent unencoded.
  if (secret === undefined) return { clientId, secret: sent, rawSecret: undefined };
  return { clientId, secret, rawSecret: sent === secret ? undefined : sent };
}

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3,
 * OAuth 2.1 §2.4) with exactly one method: `client_secret_basic` (an `Authorization: Basic`
 * header), `client_secret_post` (`client_id` + `client_secret` in the form), `private_key_jwt`
 * (`client_assertion` + `client_assertion_type`, RFC 7523 §2.2; the client is the assertion's
 * `sub`, and a `client_id` sent too must equal it) or `none` (a public client sending only
 * `client_id`). The method used must be the one the client registered.
 *
 * Rejects with `InvalidClientError` (401; with `WWW-Authenticate: Basic` when Basic was tried,
 * SECURITY-CASES 13), `InvalidRequestError` when several methods are mixed, or
 * `TemporarilyUnavailableError` (503) when the client registry fails.
 */
export async function authenticateClient(
  request: HttpRequest,
  form: FormParams,
  clients: ClientRegistry,
  options: AuthenticateClientOptions = {},
): Promise<ClientRecord> {
  const header = request.headers['authorization'];
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  const assertionType = form.get('client_assertion_type');
  if (assertion !== undefined || assertionType !== undefined) {
    return authenticateWithAssertion(request, form, clients, options);
  }

  let method: TokenEndpointAuthMethod;
  let clientId: string;
  let secret: string | undefined;
  let rawSecret: string | undefined;
  const basic = header !== undefined && /^basic(\s|$)/i.test(header.trimStart());
  if (basic) {
    if (formSecret !== undefined) {
      throw new InvalidRequestError('Use exactly one client authentication method');
    }
    const parsed = parseBasic(header!.trim());
    if (!parsed) throw new InvalidClientError('Malformed Basic credentials', { basic: true });
    if (formId !== undefined && formId !== parsed.clientId) {
      throw new InvalidRequestError('client_id differs from the authenticated client');
    }
    method = 'client_secret_basic';
    clientId = parsed.clientId;
    secret = parsed.secret;
    rawSecret = parsed.rawSecret;
  } else if (formSecret !== undefined) {
    if (formId === undefined) throw new InvalidClientError('client_id is required');
    method = 'client_secret_post';
    clientId = formId;
    secret = formSecret;
  } else {
    if (formId === undefined || formId.length === 0) {
      throw new InvalidClientError('Client authentication is required', {
        basic: options.requireSecret === true,
      });
    }
    method = 'none';
    clientId = formId;
  }
  if (clientId.length > MAX_CREDENTIAL_LENGTH || (secret?.length ?? 0) > MAX_CREDENTIAL_LENGTH) {
    throw new InvalidClientError(undefined, { basic });
  }

  const client = await storeCall(clients.getClient(clientId));
  // Hash even for an unknown client, so timing does not tell registered ids apart.
  const presentedHash = secret === undefined ? undefined : await sha256Base64Url(secret);
  if (client === undefined) throw new InvalidClientError(undefined, { basic });

  if (method === 'none') {
    if (client.tokenEndpointAuthMethod !== 'none' || options.requireSecret) {
      throw new InvalidClientError('This client must authenticate', {
        basic:
          options.requireSecret === true ||
          client.tokenEndpointAuthMethod === 'client_secret_basic',
      });
    }
    return client;
  }
  if (client.tokenEndpointAuthMethod !== method || client.clientSecretHash === undefined) {
    throw new InvalidClientError(undefined, { basic });
  }
  const matches =
    timingSafeEqual(presentedHash!, client.clientSecretHash) ||
    (rawSecret !== undefined &&
      timingSafeEqual(await sha256Base64Url(rawSecret), client.clientSecretHash));
  if (!matches) throw new InvalidClientError(undefined, { basic });
  const expiresAt = client.clientSecretExpiresAt ?? 0;
  if (expiresAt !== 0 && expiresAt * 1000 <= (options.now ?? Date.now)()) {
    throw new InvalidClientError('The client secret has expired', { basic });
  }
  return client;
}

/**
 * `private_key_jwt` (RFC 7523 §2.2, RFC 7521 §4.2): the assertion alone, no other method; the
 * client named by its `sub` (or `client_id`, which must then agree) must have registered this
 * method; the registry's verifier checks the signature, claims and single use.
 */
async function authenticateWithAssertion(
  request: HttpRequest,
  form: FormParams,
  clients: ClientRegistry,
  options: AuthenticateClientOptions,
): Promise<ClientRecord> {
  const assertion = form.get('client_assertion');
  const assertionType = form.get('client_assertion_type');
  const header = request.headers['authorization'];
  if (header !== undefined || form.get('client_secret') !== undefined) {
    throw new InvalidRequestError('Use exactly one client authentication method');
  }
  if (assertion === undefined || assertionType === undefined) {
    throw new InvalidRequestError('client_assertion and client_assertion_type go together');
  }
  if (assertionType !== JWT_BEARER_CLIENT_ASSERTION_TYPE) {
    throw new InvalidClientError('Unsupported client_assertion_type');
  }
  if (assertion.length > MAX_ASSERTION_LENGTH) throw new InvalidClientError();
  let subject: unknown;
  try {
    subject = decodeJwt(assertion, { maxTokenLength: MAX_ASSERTION_LENGTH }).payload.sub;
  } catch {
    throw new InvalidClientError('The client assertion is malformed');
  }
  const formId = form.get('client_id');
  if (
    typeof subject !== 'string' ||
    subject.length === 0 ||
    subject.length > MAX_CREDENTIAL_LENGTH
  ) {
    throw new InvalidClientError('The client assertion names no client (sub)');
  }
  if (formId !== undefined && formId !== subject) {
    throw new InvalidClientError('client_id differs from the client assertion');
  }
  const verifier = options.assertions ?? clients.assertions;
  const client = await storeCall(clients.getClient(subject));
  if (client === undefined || verifier === undefined) throw new InvalidClientError();
  // A confidential method, so `requireSecret` (introspection) is satisfied.
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt') throw new InvalidClientError();
  await verifier.verify(assertion, client);
  return client;
}
