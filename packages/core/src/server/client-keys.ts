/**
 * The key metadata of a `private_key_jwt` client (RFC 7591 §2: `jwks`, `jwks_uri`,
 * `token_endpoint_auth_signing_alg`), checked wherever client metadata is accepted:
 * registration, Client ID Metadata Documents and clients configured in code.
 */
import { InvalidClientMetadataError } from '../errors/oauth-error.js';
import { DEFAULT_ASSERTION_ALGORITHMS } from '../jwt/assertion.js';
import type { Jwk, Jwks } from '../jwt/keys.js';
import type { JwsAlgorithm } from '../jwt/types.js';
import { checkOutboundUrl } from '../net/host.js';
import type { TokenEndpointAuthMethod } from './types.js';

/** The validated key metadata of a client. */
export interface ClientKeyMetadata {
  readonly jwks?: Jwks;
  readonly jwksUri?: string;
  readonly tokenEndpointAuthSigningAlg?: JwsAlgorithm;
}

/** Options of {@link validateClientKeys}. */
export interface ClientKeyRules {
  /** Allow an `http://` loopback `jwks_uri` (development and tests). Default `false`. */
  readonly allowInsecureLoopback?: boolean;
}

// Caps: a client's key set is small; anything larger is refused, not truncated.
const MAX_KEYS = 10;
const MAX_JWKS_BYTES = 16 * 1024;
const KEY_TYPES = ['RSA', 'EC', 'OKP'];
// Members of a JWK that are private key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `jwks` as registered: an object with a `keys` array of 1–10 public signing keys (`kty` RSA,
 * EC or OKP; no private member such as `d`, no symmetric `oct` key; `use`, when present,
 * `sig`), at most 16 KiB as JSON. Returns a plain copy.
 */
function checkJwks(value: unknown): Jwks {
  if (!isPlainObject(value) || !Array.isArray(value['keys'])) {
    throw new InvalidClientMetadataError('jwks must be a JWK Set: an object with a keys array');
  }
  const keys = value['keys'] as unknown[];
  if (keys.length === 0 || keys.length > MAX_KEYS) {
    throw new InvalidClientMetadataError(`jwks must hold 1 to ${MAX_KEYS} keys`);
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new InvalidClientMetadataError('jwks must be JSON');
  }
  if (text.length > MAX_JWKS_BYTES) {
    throw new InvalidClientMetadataError('jwks is too large');
  }
  for (const key of keys) {
    if (!isPlainObject(key) || typeof key['kty'] !== 'string') {
      throw new InvalidClientMetadataError('each jwks key must be a JWK object with a kty');
    }
    if (!KEY_TYPES.includes(key['kty'])) {
      throw new InvalidClientMetadataError('jwks keys must be public RSA, EC or OKP keys');
    }
    if (PRIVATE_MEMBERS.some((member) => member in key)) {
      throw new InvalidClientMetadataError('jwks must hold public keys only (no private members)');
    }
    if (key['use'] !== undefined && key['use'] !== 'sig') {
      throw new InvalidClientMetadataError('jwks keys must be signing keys (use "sig")');
    }
  }
  const copy = JSON.parse(text) as { keys: Jwk[] };
  return { keys: copy.keys };
}

function checkJwksUri(value: unknown, rules: ClientKeyRules): string {
  if (typeof value !== 'string' || value.length > 2000) {
    throw new InvalidClientMetadataError('jwks_uri must be an https URL');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidClientMetadataError('jwks_uri must be an https URL');
  }
  const problem = checkOutboundUrl(url, {
    allowInsecureLoopback: rules.allowInsecureLoopback === true,
  });
  if (problem !== undefined || url.hash !== '') {
    throw new InvalidClientMetadataError(`jwks_uri ${problem ?? 'must not have a fragment'}`);
  }
  return value;
}

/**
 * The key metadata of a client. With `private_key_jwt`, exactly one of `jwks` (public keys
 * only, see above) and `jwks_uri` (an https URL passing the outbound rules of Client ID
 * Metadata Documents: no private, loopback or local host) is required, and
 * `token_endpoint_auth_signing_alg`, when given, must be an asymmetric algorithm this server
 * verifies (never `none` or `HS*`). With any other method the three are refused: keys that
 * nothing uses are not kept. Problems → `InvalidClientMetadataError`.
 */
export function validateClientKeys(
  raw: Record<string, unknown>,
  method: TokenEndpointAuthMethod,
  rules: ClientKeyRules = {},
): ClientKeyMetadata {
  const jwks = raw['jwks'] ?? undefined;
  const jwksUri = raw['jwks_uri'] ?? undefined;
  const alg = raw['token_endpoint_auth_signing_alg'] ?? undefined;
  if (method !== 'private_key_jwt') {
    if (jwks !== undefined || jwksUri !== undefined || alg !== undefined) {
      throw new InvalidClientMetadataError(
        'jwks, jwks_uri and token_endpoint_auth_signing_alg go with private_key_jwt only',
      );
    }
    return {};
  }
  if ((jwks === undefined) === (jwksUri === undefined)) {
    throw new InvalidClientMetadataError('private_key_jwt needs exactly one of jwks and jwks_uri');
  }
  const out: { -readonly [K in keyof ClientKeyMetadata]: ClientKeyMetadata[K] } = {};
  if (jwks !== undefined) out.jwks = checkJwks(jwks);
  else out.jwksUri = checkJwksUri(jwksUri, rules);
  if (alg !== undefined) {
    if (!(DEFAULT_ASSERTION_ALGORITHMS as readonly unknown[]).includes(alg)) {
      throw new InvalidClientMetadataError(
        `token_endpoint_auth_signing_alg must be one of ${DEFAULT_ASSERTION_ALGORITHMS.join(', ')}`,
      );
    }
    out.tokenEndpointAuthSigningAlg = alg as JwsAlgorithm;
  }
  return out;
}
