import { JwtError } from '../errors/jwt-error.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type ParsedJws, parseCompactJws } from './decode.js';
import { getKeyRecord } from './keys.js';
import { verifySignature } from './signature.js';
import type { JwtHeader, JwtKey, JwtPayload } from './types.js';

/**
 * Where verification keys come from: a local or remote JWKS. `resolveKey` picks the key for
 * a token's (unverified) header, or rejects with a `JwtError` (`ERR_JWT_KEY_NOT_FOUND`, …).
 */
export interface KeySet {
  resolveKey(header: JwtHeader): Promise<JwtKey>;
  /**
   * Optional: changes whenever the keys change (a key ring reloaded, a JWKS refetched). A
   * caching verifier drops what it cached when it changes, so a removed key's tokens are
   * verified again (and refused).
   */
  readonly generation?: number;
}

/** Options of {@link verifyJwt}. */
export interface VerifyJwtOptions {
  /** Required `typ` header (compared case-insensitively, `application/` optional; RFC 8725 §3.11). */
  typ?: string;
  /** Accepted `iss` value(s), compared exactly. */
  issuer?: string | readonly string[];
  /** Accepted `aud` value(s): the token must name at least one, compared exactly. */
  audience?: string | readonly string[];
  /** Seconds of clock skew tolerated for `exp`, `nbf` and `iat`. Default 0. */
  clockTolerance?: number;
  /** "Now", for tests. Default: the current time. */
  currentDate?: Date;
  /** A clock in milliseconds (a moving "now", e.g. a test clock); `currentDate` wins. */
  now?: () => number;
  /** Maximum age in seconds since `iat` (which then is required). */
  maxTokenAge?: number;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** Refuse tokens without `exp`. Default `true`. */
  requireExp?: boolean;
  /** Longest token accepted, checked before decoding. Default 8192 characters. */
  maxTokenLength?: number;
}

/** A verified token. */
export interface VerifiedJwt {
  header: JwtHeader;
  payload: JwtPayload;
}

/** Options checked once and normalized. @internal */
export interface CompiledVerifyOptions {
  readonly typ: string | undefined;
  readonly issuers: readonly string[] | undefined;
  readonly audiences: readonly string[] | undefined;
  readonly clockTolerance: number;
  readonly currentDate: Date | undefined;
  readonly now: () => number;
  readonly maxTokenAge: number | undefined;
  readonly requiredClaims: readonly string[];
  readonly requireExp: boolean;
  readonly maxTokenLength: number;
}

function stringList(value: unknown, name: string, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((v) => typeof v === 'string' && v.length > 0)
  ) {
    throw new TypeError(`${where}: ${name} must be a non-empty string or array of strings`);
  }
  return Object.freeze([...list]);
}

/** Normalizes `typ` per RFC 8725 §3.11 / RFC 6838: case-insensitive, `application/` optional. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Validates options once (a `TypeError` says what to fix). @internal */
export function compileVerifyOptions(
  options: VerifyJwtOptions = {},
  where = 'verifyJwt',
): CompiledVerifyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object`);
  }
  const {
    typ,
    clockTolerance = 0,
    currentDate,
    maxTokenAge,
    requiredClaims = [],
    requireExp = true,
    maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH,
  } = options;
  if (typ !== undefined && (typeof typ !== 'string' || typ.length === 0)) {
    throw new TypeError(`${where}: typ must be a non-empty string`);
  }
  if (
    typeof clockTolerance !== 'number' ||
    !Number.isFinite(clockTolerance) ||
    clockTolerance < 0
  ) {
    throw new TypeError(`${where}: clockTolerance must be a number of seconds >= 0`);
  }
  if (
    currentDate !== undefined &&
    !(currentDate instanceof Date && Number.isFinite(currentDate.getTime()))
  ) {
    throw new TypeError(`${where}: currentDate must be a valid Date`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new TypeError(`${where}: now must be a function returning milliseconds`);
  }
  if (
    maxTokenAge !== undefined &&
    (typeof maxTokenAge !== 'number' || !Number.isFinite(maxTokenAge) || maxTokenAge <= 0)
  ) {
    throw new TypeError(`${where}: maxTokenAge must be a positive number of seconds`);
  }
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string')) {
    throw new TypeError(`${where}: requiredClaims must be an array of claim names`);
  }
  if (typeof requireExp !== 'boolean') {
    throw new TypeError(`${where}: requireExp must be a boolean`);
  }
  if (!Number.isInteger(maxTokenLength) || maxTokenLength <= 0) {
    throw new TypeError(`${where}: maxTokenLength must be a positive integer`);
  }
  return Object.freeze({
    typ: typ === undefined ? undefined : normalizeTyp(typ),
    issuers: stringList(options.issuer, 'issuer', where),
    audiences: stringList(options.audience, 'audience', where),
    clockTolerance,
    currentDate,
    now: options.now ?? Date.now,
    maxTokenAge,
    requiredClaims: Object.freeze([...requiredClaims]),
    requireExp,
    maxTokenLength,
  });
}

function claimError(
  code: 'ERR_JWT_CLAIM_INVALID' | 'ERR_JWT_EXPIRED' | 'ERR_JWT_NOT_YET_VALID',
  claim: string,
  message: string,
): JwtError {
  return new JwtError(code, message, { claim });
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** "Now" in seconds since the epoch. @internal */
export function nowSeconds(options: CompiledVerifyOptions): number {
  return Math.floor((options.currentDate?.getTime() ?? options.now()) / 1000);
}

/**
 * The time-dependent checks (RFC 7519 §4.1.4–4.1.6; SECURITY-CASES 29): re-run on every
 * cache hit. @internal
 */
export function checkTimeClaims(
  payload: JwtPayload,
  options: CompiledVerifyOptions,
  now: number,
): void {
  const tolerance = options.clockTolerance;
  const { exp, nbf, iat } = payload;
  if (exp === undefined) {
    if (options.requireExp) throw claimError('ERR_JWT_EXPIRED', 'exp', 'The JWT has no exp');
  } else if (!isNumericDate(exp)) {
    throw claimError('ERR_JWT_CLAIM_INVALID', 'exp', 'The JWT exp is not a number');
  } else if (now - tolerance >= exp) {
    throw claimError('ERR_JWT_EXPIRED', 'exp', 'The JWT has expired');
  }
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) {
      throw claimError('ERR_JWT_CLAIM_INVALID', 'nbf', 'The JWT nbf is not a number');
    }
    if (nbf > now + tolerance) {
      throw claimError('ERR_JWT_NOT_YET_VALID', 'nbf', 'The JWT is not valid yet (nbf)');
    }
  }
  if (iat !== undefined) {
    if (!isNumericDate(iat)) {
      throw claimError('ERR_JWT_CLAIM_INVALID', 'iat', 'The JWT iat is not a number');
    }
    if (iat > now + tolerance) {
      throw claimError('ERR_JWT_NOT_YET_VALID', 'iat', 'The JWT was issued in the future (iat)');
    }
  }
  if (options.maxTokenAge !== undefined) {
    if (iat === undefined) throw claimError('ERR_JWT_CLAIM_INVALID', 'iat', 'The JWT has no iat');
    if (now - iat > options.maxTokenAge + tolerance) {
      throw claimError('ERR_JWT_CLAIM_INVALID', 'iat', 'The JWT is older than maxTokenAge');
    }
  }
}

const STRING_CLAIMS = ['iss', 'sub', 'jti'] as const;

/** Header and claim checks, run only after the signature verified (SECURITY-CASES 36). @internal */
export function checkClaims(
  header: JwtHeader,
  payload: JwtPayload,
  options: CompiledVerifyOptions,
  now: number,
): void {
  if (options.typ !== undefined) {
    // SECURITY-CASES 28: a missing or different typ is refused.
    const typ = header.typ;
    if (typeof typ !== 'string' || (typ !== options.typ && normalizeTyp(typ) !== options.typ)) {
      throw claimError('ERR_JWT_CLAIM_INVALID', 'typ', 'The JWT typ is not the expected one');
    }
  }
  const { iss, sub, jti, aud } = payload;
  if (
    (iss !== undefined && typeof iss !== 'string') ||
    (sub !== undefined && typeof sub !== 'string') ||
    (jti !== undefined && typeof jti !== 'string')
  ) {
    for (const name of STRING_CLAIMS) {
      if (payload[name] !== undefined && typeof payload[name] !== 'string') {
        throw claimError('ERR_JWT_CLAIM_INVALID', name, `The JWT ${name} is not a string`);
      }
    }
  }
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  ) {
    throw claimError('ERR_JWT_CLAIM_INVALID', 'aud', 'The JWT aud is not a string or string array');
  }
  checkTimeClaims(payload, options, now);
  if (options.issuers !== undefined) {
    if (typeof iss !== 'string' || !options.issuers.includes(iss)) {
      throw claimError('ERR_JWT_CLAIM_INVALID', 'iss', 'The JWT iss is not the expected issuer');
    }
  }
  if (options.audiences !== undefined) {
    // SECURITY-CASES 30: exact match only, no normalization of trailing slashes.
    const ok =
      typeof aud === 'string'
        ? options.audiences.includes(aud)
        : Array.isArray(aud) && aud.some((a) => options.audiences!.includes(a));
    if (!ok) {
      throw claimError(
        'ERR_JWT_CLAIM_INVALID',
        'aud',
        'The JWT aud does not include this audience',
      );
    }
  }
  for (const name of options.requiredClaims) {
    if (payload[name] === undefined) {
      throw claimError('ERR_JWT_CLAIM_INVALID', name, `The JWT has no ${name} claim`);
    }
  }
}

function isKeySet(key: JwtKey | KeySet): key is KeySet {
  return typeof (key as Partial<KeySet>).resolveKey === 'function';
}

/**
 * Header checks that make a token unverifiable whatever the key: `alg: none` or missing
 * (SECURITY-CASES 24), any `crit` (we understand no extension) and `b64: false` (27).
 */
function checkHeaderForVerify(header: JwtHeader): void {
  if (header.alg.length === 4 && header.alg.toLowerCase() === 'none') {
    throw new JwtError('ERR_JWT_ALG_NOT_ALLOWED', 'Unsecured JWTs (alg none) are refused', {
      claim: 'alg',
    });
  }
  if (header.crit !== undefined) {
    throw new JwtError(
      'ERR_JWT_UNSUPPORTED',
      'The JWT has a crit extension this library does not understand',
      {
        claim: 'crit',
      },
    );
  }
  if (header.b64 !== undefined && header.b64 !== true) {
    throw new JwtError('ERR_JWT_UNSUPPORTED', 'Unencoded JWS payloads (b64) are refused', {
      claim: 'b64',
    });
  }
}

/** True for a thenable (what the `…Sync` verifiers return when they had to wait). @internal */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>>).then === 'function';
}

/**
 * Verification with compiled options; the shared core of every verifier. Synchronous when
 * nothing asynchronous is needed (HMAC on the Node backend), a promise otherwise; it may
 * also throw synchronously. @internal
 */
export function verifyCompiledSync(
  token: string,
  keyOrSet: JwtKey | KeySet,
  options: CompiledVerifyOptions,
): VerifiedJwt | PromiseLike<VerifiedJwt> {
  const { header, payload, dot2 } = parseForVerify(token, options);
  if (isKeySet(keyOrSet)) {
    return keyOrSet
      .resolveKey(header)
      .then((key) => verifyWithKey(token, header, payload, dot2, key, options));
  }
  return verifyWithKey(token, header, payload, dot2, keyOrSet, options);
}

/**
 * The first steps of {@link verifyCompiledSync}: the length cap, strict decoding and the header
 * checks that hold whatever the key (for a caller that resolves the key itself). @internal
 */
export function parseForVerify(token: string, options: CompiledVerifyOptions): ParsedJws {
  const parsed = parseCompactJws(token, options.maxTokenLength);
  checkHeaderForVerify(parsed.header);
  return parsed;
}

/**
 * The rest of {@link verifyCompiledSync} for a token from {@link parseForVerify} and the key the
 * caller resolved from its header: the signature with `key`, then the claims. Synchronous when
 * the signature check is. @internal
 */
export function verifyParsedSync(
  token: string,
  parsed: ParsedJws,
  key: JwtKey,
  options: CompiledVerifyOptions,
): VerifiedJwt | PromiseLike<VerifiedJwt> {
  return verifyWithKey(token, parsed.header, parsed.payload, parsed.dot2, key, options);
}

function verifyWithKey(
  token: string,
  header: JwtHeader,
  payload: JwtPayload,
  dot2: number,
  key: JwtKey,
  options: CompiledVerifyOptions,
): VerifiedJwt | PromiseLike<VerifiedJwt> {
  const record = getKeyRecord(key, 'verifyJwt');
  // SECURITY-CASES 25: the key decides the algorithm; the header must agree with it.
  if (header.alg !== key.alg) {
    throw new JwtError('ERR_JWT_ALG_NOT_ALLOWED', "The JWT alg is not the key's algorithm", {
      claim: 'alg',
    });
  }
  const valid = verifySignature(
    key.alg,
    record.verifyKey,
    token.slice(0, dot2),
    token.slice(dot2 + 1),
  );
  if (isPromiseLike(valid)) return valid.then((ok) => afterSignature(ok, header, payload, options));
  return afterSignature(valid, header, payload, options);
}

function afterSignature(
  valid: boolean,
  header: JwtHeader,
  payload: JwtPayload,
  options: CompiledVerifyOptions,
): VerifiedJwt {
  if (!valid) throw new JwtError('ERR_JWT_SIGNATURE_INVALID', 'The JWT signature is invalid');
  checkClaims(header, payload, options, nowSeconds(options));
  return { header, payload };
}

/** {@link verifyCompiledSync} as a promise. @internal */
export function verifyCompiled(
  token: string,
  keyOrSet: JwtKey | KeySet,
  options: CompiledVerifyOptions,
): Promise<VerifiedJwt> {
  try {
    return Promise.resolve(verifyCompiledSync(token, keyOrSet, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Verifies a compact JWS/JWT: length cap, strict decoding, header checks, key resolution,
 * the signature (with the key's algorithm), then the claims. Rejects with a `JwtError`
 * for a bad token, a `TypeError` for bad options or a foreign key object.
 */
export function verifyJwt(
  token: string,
  key: JwtKey | KeySet,
  options?: VerifyJwtOptions,
): Promise<VerifiedJwt> {
  try {
    return verifyCompiled(token, key, compileVerifyOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
}
