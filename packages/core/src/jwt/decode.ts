import { base64UrlDecode } from '../encoding/base64url.js';
import { utf8DecodeStrict } from '../encoding/utf8.js';
import { JwtError } from '../errors/jwt-error.js';
import { getJwsBackend } from '../runtime/backend.js';
import { deepFreeze } from './freeze.js';
import { parseJsonObjectStrict } from './json.js';
import type { JwtHeader, JwtPayload } from './types.js';

/** Default cap on a token's length, checked before anything is decoded (SECURITY-CASES 33). */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/** A compact JWS split and decoded, not verified. @internal */
export interface ParsedJws {
  readonly header: JwtHeader;
  readonly payload: JwtPayload;
  /** Index of the second `.`: `token.slice(0, dot2)` is the JWS signing input. */
  readonly dot2: number;
}

function malformed(message: string): JwtError {
  return new JwtError('ERR_JWT_MALFORMED', message);
}

function decodeJsonSegment(segment: string, what: 'header' | 'payload'): Record<string, unknown> {
  let text: string | undefined;
  const backend = getJwsBackend();
  if (backend?.decodeSegment) {
    text = backend.decodeSegment(segment);
    if (text === undefined) throw malformed(`The JWT ${what} is not base64url of UTF-8`);
  } else {
    const bytes = base64UrlDecode(segment);
    if (bytes === undefined) throw malformed(`The JWT ${what} is not canonical base64url`);
    text = utf8DecodeStrict(bytes);
    if (text === undefined) throw malformed(`The JWT ${what} is not valid UTF-8`);
  }
  const value = parseJsonObjectStrict(text);
  if (value === undefined) {
    throw malformed(`The JWT ${what} is not a JSON object with unique member names`);
  }
  return value;
}

// Tokens from one issuer share a handful of headers: parse each distinct one once.
const HEADER_CACHE_MAX = 256;
const HEADER_CACHE_MAX_SEGMENT = 1024;
const headerCache = new Map<string, JwtHeader>();
// The last header found: most tokens repeat it, and comparing strings costs less than
// hashing the fresh segment for the Map.
let lastSegment = '';
let lastHeader: JwtHeader | undefined;

function decodeHeader(segment: string): JwtHeader {
  if (segment === lastSegment && lastHeader !== undefined) return lastHeader;
  const cached = headerCache.get(segment);
  if (cached !== undefined) {
    lastSegment = segment;
    lastHeader = cached;
    return cached;
  }
  const value = decodeJsonSegment(segment, 'header');
  if (typeof value.alg !== 'string') {
    throw new JwtError('ERR_JWT_ALG_NOT_ALLOWED', 'The JWT header has no alg', { claim: 'alg' });
  }
  for (const name of ['typ', 'kid', 'cty'] as const) {
    if (value[name] !== undefined && typeof value[name] !== 'string') {
      throw new JwtError('ERR_JWT_MALFORMED', `The JWT header parameter ${name} is not a string`, {
        claim: name,
      });
    }
  }
  const header = deepFreeze(value) as JwtHeader;
  if (segment.length <= HEADER_CACHE_MAX_SEGMENT) {
    if (headerCache.size >= HEADER_CACHE_MAX) headerCache.clear();
    headerCache.set(segment, header);
    lastSegment = segment;
    lastHeader = header;
  }
  return header;
}

/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1) strictly: exactly three non-empty
 * segments, canonical base64url, fatal UTF-8, JSON objects without duplicate names.
 * The length is checked first, before any decoding. @internal
 */
export function parseCompactJws(token: unknown, maxTokenLength: number): ParsedJws {
  if (typeof token !== 'string') throw malformed('The JWT must be a string');
  if (token.length > maxTokenLength) {
    throw new JwtError('ERR_JWT_TOO_LARGE', 'The JWT is longer than the allowed maximum');
  }
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) {
    throw malformed('The JWT must have three segments');
  }
  if (dot1 === 0 || dot2 === dot1 + 1 || dot2 === token.length - 1) {
    throw malformed('A JWT segment is empty');
  }
  const header = decodeHeader(token.slice(0, dot1));
  const payload = decodeJsonSegment(token.slice(dot1 + 1, dot2), 'payload') as JwtPayload;
  return { header, payload, dot2 };
}

/** Options of {@link decodeJwt}. */
export interface DecodeJwtOptions {
  /** Default 8192 characters. */
  maxTokenLength?: number;
}

/**
 * Decodes a JWT WITHOUT verifying it (for inspection, e.g. the CLI). Parsing is as strict
 * as {@link verifyJwt}'s; anything malformed throws a `JwtError`. Never trust the result.
 */
export function decodeJwt(
  token: string,
  options: DecodeJwtOptions = {},
): { header: JwtHeader; payload: JwtPayload } {
  const max = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isInteger(max) || max <= 0) {
    throw new TypeError('decodeJwt: maxTokenLength must be a positive integer');
  }
  const { header, payload } = parseCompactJws(token, max);
  return { header: { ...header }, payload };
}
