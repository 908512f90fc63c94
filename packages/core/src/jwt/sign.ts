import { base64UrlEncode } from '../encoding/base64url.js';
import { getKeyRecord } from './keys.js';
import { createSignature } from './signature.js';
import type { JwtKey, JwtPayload } from './types.js';

/** Options of {@link signJwt}. */
export interface SignJwtOptions {
  /** The `typ` header, e.g. `at+jwt` for access tokens (RFC 9068). Default `JWT`. */
  typ?: string;
  /** Extra header parameters; `alg`, `kid`, `crit` and `b64` cannot be set here. */
  header?: Record<string, unknown>;
}

const RESERVED_HEADER = ['alg', 'kid', 'crit', 'b64', 'typ'];

function encodeJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`signJwt: the ${what} is not JSON-serializable`, { cause });
  }
  if (json === undefined) throw new TypeError(`signJwt: the ${what} is not JSON-serializable`);
  return base64UrlEncode(json);
}

/**
 * Signs `payload` as a compact JWS with the key's algorithm and `kid`. The payload must be
 * a JSON object; `exp`, `nbf` and `iat`, when present, must be numbers.
 */
export async function signJwt(
  payload: JwtPayload,
  key: JwtKey,
  options: SignJwtOptions = {},
): Promise<string> {
  const record = getKeyRecord(key, 'signJwt');
  if (!record.signKey || key.type === 'public') {
    throw new TypeError('signJwt: a public key cannot sign; use the private key or a secret');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError('signJwt: payload must be a JSON object');
  }
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new TypeError(`signJwt: ${claim} must be a number of seconds since the epoch`);
    }
  }
  const typ = options.typ ?? 'JWT';
  if (typeof typ !== 'string' || typ.length === 0) {
    throw new TypeError('signJwt: typ must be a non-empty string');
  }
  const extra = options.header ?? {};
  for (const name of RESERVED_HEADER) {
    if (Object.hasOwn(extra, name)) {
      throw new TypeError(`signJwt: the ${name} header comes from the key or options, not header`);
    }
  }
  const header: Record<string, unknown> = { alg: key.alg, typ };
  if (key.kid !== undefined) header.kid = key.kid;
  for (const [name, value] of Object.entries(extra)) {
    Object.defineProperty(header, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const signingInput = `${encodeJson(header, 'header')}.${encodeJson(payload, 'payload')}`;
  return `${signingInput}.${await createSignature(key.alg, record.signKey, signingInput)}`;
}
