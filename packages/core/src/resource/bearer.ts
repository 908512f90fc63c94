import { InvalidTokenError, type BearerErrorOptions } from '../errors/oauth-error.js';

/** Largest `Authorization` header accepted, in characters (SECURITY-CASES 33). */
export const MAX_AUTHORIZATION_HEADER_LENGTH = 8192;

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT /
// "-" / "." / "_" / "~" / "+" / "/" ) *"=". The scheme is case-insensitive (RFC 7235 §2.1).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: |$)/;

/**
 * The request carried no bearer credentials at all (no `Authorization` header, or another
 * scheme such as `Basic`). Still a 401 `invalid_token`, but per RFC 6750 §3.1 its challenge
 * carries no `error` parameter.
 */
export class MissingBearerTokenError extends InvalidTokenError {
  constructor(
    description = 'No bearer token in the Authorization header',
    options: BearerErrorOptions = {},
  ) {
    super(description, options);
  }
}

/**
 * Takes the access token out of an `Authorization: Bearer <token>` header value (RFC 6750
 * §2.1). The header is the only place a token is read from: never the query string
 * (`?access_token=` is ignored, SECURITY-CASES 37) nor the body.
 *
 * Throws {@link MissingBearerTokenError} (401) when there is no header or it uses another
 * scheme (`Basic x`), and `InvalidTokenError` (401) for a header over 8 KiB (checked before
 * anything else, SECURITY-CASES 33), `Bearer` without a token, or a token with characters
 * outside RFC 6750 `b64token`. Messages never contain the header or the token.
 */
export function extractBearerToken(authorizationHeader: string | undefined): string {
  // The common spelling (`Bearer <token>`, one space, nothing around) without a regex.
  if (typeof authorizationHeader === 'string') {
    const token = plainBearerToken(authorizationHeader);
    if (token !== undefined) return token;
  }
  if (authorizationHeader === undefined || authorizationHeader === null)
    throw new MissingBearerTokenError();
  if (typeof authorizationHeader !== 'string')
    throw new InvalidTokenError('The Authorization header is malformed');
  if (authorizationHeader.length > MAX_AUTHORIZATION_HEADER_LENGTH)
    throw new InvalidTokenError('The Authorization header is too large');
  const value = authorizationHeader.trim();
  if (value.length === 0) throw new MissingBearerTokenError();
  const scheme = SCHEME.exec(value);
  if (scheme === null) throw new InvalidTokenError('The Authorization header is malformed');
  if (scheme[1]!.toLowerCase() !== 'bearer')
    throw new MissingBearerTokenError('The Authorization header does not use the Bearer scheme');
  const match = BEARER.exec(value);
  if (match === null) {
    if (/^bearer *$/i.test(value))
      throw new InvalidTokenError('The Bearer credentials hold no token');
    throw new InvalidTokenError('The bearer token is malformed');
  }
  return match[1]!;
}

// `Bearer <b64token>` spelled exactly so: what BEARER accepts for that spelling.
const PLAIN_BEARER = /^Bearer [A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of `Bearer <b64token>` spelled exactly so (scheme `Bearer`, one space, no
 * surrounding whitespace), or undefined for anything else — which {@link extractBearerToken}
 * then reads with the full grammar. Accepts exactly what `BEARER` accepts for that spelling.
 * A regular expression: V8 runs it as native code, several times faster over a 500-character
 * token than a loop over `charCodeAt` on the header strings Node's parser makes.
 */
function plainBearerToken(header: string): string | undefined {
  if (header.length > MAX_AUTHORIZATION_HEADER_LENGTH || !PLAIN_BEARER.test(header)) return;
  return header.slice(7);
}

/**
 * The credentials of an `Authorization` header (`Bearer` or `DPoP`) that authentication has
 * just accepted: the value after the scheme and its spaces, without checking the grammar again.
 * Only for a header the same request's authentication accepted.
 * @internal
 */
export function acceptedCredentials(authorizationHeader: string): string {
  const value = authorizationHeader.trim();
  let start = value.indexOf(' ') + 1;
  while (value.charCodeAt(start) === 0x20) start++;
  return value.slice(start);
}
