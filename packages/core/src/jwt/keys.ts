import { base64UrlDecode, base64UrlEncode } from '../encoding/base64url.js';
import { randomBytes } from '../encoding/random.js';
import { utf8Encode } from '../encoding/utf8.js';
import { ALGORITHMS, isJwsAlgorithm, type KeyFamily, MIN_RSA_BITS } from './algorithms.js';
import type { JwsAlgorithm, JwtKey } from './types.js';

/** A JSON Web Key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2). Wire names stay snake_case. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  ext?: boolean;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  x5c?: string[];
  x5t?: string;
  'x5t#S256'?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set (RFC 7517 §5), as served at `/jwks.json`. */
export interface Jwks {
  keys: Jwk[];
}

/** The HMAC algorithms. */
export type HmacJwsAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Algorithms {@link generateKeyPair} can generate. */
export type AsymmetricJwsAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

/** Options of {@link createSecretKey}. */
export interface CreateSecretKeyOptions {
  /** Default `HS256`. */
  alg?: HmacJwsAlgorithm;
  kid?: string;
  /** Allow {@link exportJwk} to export the secret. Default `false`. */
  extractable?: boolean;
}

/** Options of {@link importJwk}. */
export interface ImportJwkOptions {
  /** The algorithm to bind; required when the JWK has no `alg` and it cannot be inferred. */
  alg?: JwsAlgorithm;
  /** Overrides the JWK's `kid`. */
  kid?: string;
  /** Allow {@link exportJwk} to export private material. Default `false`. */
  extractable?: boolean;
}

/** Options of {@link importPem}. */
export interface ImportPemOptions {
  kid?: string;
  /** Allow {@link exportJwk} to export private material. Default `false`. */
  extractable?: boolean;
}

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /** Default: the RFC 7638 thumbprint of the public key. */
  kid?: string;
  /** Allow {@link exportJwk} to export the private key. Default `false`. */
  extractable?: boolean;
}

/** What a {@link JwtKey} holds; kept out of reach of callers. @internal */
export interface KeyRecord {
  readonly signKey: CryptoKey | undefined;
  readonly verifyKey: CryptoKey;
  /** Public members only (no kid/alg/use), for asymmetric keys. */
  readonly publicJwk: Jwk | undefined;
  readonly extractable: boolean;
}

const registry = new WeakMap<JwtKey, KeyRecord>();

/** The record behind a key made by this module, or a `TypeError`. @internal */
export function getKeyRecord(key: JwtKey, where: string): KeyRecord {
  const record = typeof key === 'object' && key !== null ? registry.get(key) : undefined;
  if (!record) {
    throw new TypeError(
      `${where}: key must come from createSecretKey, importJwk, importPem or generateKeyPair`,
    );
  }
  return record;
}

function makeKey(
  alg: JwsAlgorithm,
  kid: string | undefined,
  type: JwtKey['type'],
  record: KeyRecord,
): JwtKey {
  const key: JwtKey = Object.freeze({ alg, kid, type });
  registry.set(key, record);
  return key;
}

function checkKid(kid: unknown, where: string): string | undefined {
  if (kid === undefined) return undefined;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) {
    throw new TypeError(`${where}: kid must be a non-empty string of at most 256 characters`);
  }
  return kid;
}

function isHmac(alg: JwsAlgorithm): alg is HmacJwsAlgorithm {
  return ALGORITHMS[alg].family === 'oct';
}

// SECURITY-CASES 25: a PEM, SPKI or JWK handed over as an HMAC secret is a configuration
// mistake that makes algorithm confusion possible; refuse it.
function looksLikePublicKeyMaterial(bytes: Uint8Array): boolean {
  let text = '';
  for (let i = 0; i < Math.min(bytes.length, 64); i++) text += String.fromCharCode(bytes[i]!);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('-----BEGIN')) return true;
  if (trimmed.startsWith('{') && /"kty"/.test(new TextDecoder().decode(bytes))) return true;
  return looksLikeDerKey(bytes);
}

// An SPKI (SEQUENCE { SEQUENCE { OID … } … }) or PKCS#8 (SEQUENCE { INTEGER 0, SEQUENCE … })
// whose outer length matches exactly: random secrets essentially never look like this.
function looksLikeDerKey(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes.length < 4) return false;
  let length: number;
  let offset: number;
  if (bytes[1]! < 0x80) {
    length = bytes[1]!;
    offset = 2;
  } else if (bytes[1] === 0x81) {
    length = bytes[2]!;
    offset = 3;
  } else if (bytes[1] === 0x82) {
    length = (bytes[2]! << 8) | bytes[3]!;
    offset = 4;
  } else return false;
  if (offset + length !== bytes.length) return false;
  const spki = bytes[offset] === 0x30 && bytes[offset + 2] === 0x06;
  const pkcs8 = bytes[offset] === 0x02 && bytes[offset + 1] === 0x01 && bytes[offset + 3] === 0x30;
  return spki || pkcs8;
}

/**
 * An HMAC key from a shared secret (a string is taken as its UTF-8 bytes). The secret must
 * be at least as long as the hash (32 bytes for HS256, RFC 7518 §3.2; SECURITY-CASES 35),
 * and must not be public-key material (SECURITY-CASES 25); otherwise a `TypeError`.
 */
export async function createSecretKey(
  secret: string | Uint8Array,
  options: CreateSecretKeyOptions = {},
): Promise<JwtKey> {
  const alg = options.alg ?? 'HS256';
  if (!isJwsAlgorithm(alg) || !isHmac(alg)) {
    throw new TypeError('createSecretKey: alg must be HS256, HS384 or HS512');
  }
  const kid = checkKid(options.kid, 'createSecretKey');
  let bytes: Uint8Array;
  if (typeof secret === 'string') bytes = utf8Encode(secret);
  else if (secret instanceof Uint8Array) bytes = new Uint8Array(secret);
  else throw new TypeError('createSecretKey: secret must be a string or a Uint8Array');
  const min = ALGORITHMS[alg].minSecretBytes!;
  if (bytes.length < min) {
    throw new TypeError(
      `createSecretKey: an ${alg} secret must be at least ${min} bytes; use generateSecret()`,
    );
  }
  if (looksLikePublicKeyMaterial(bytes)) {
    throw new TypeError(
      'createSecretKey: the secret looks like a PEM/DER/JWK key; use importPem or importJwk',
    );
  }
  const extractable = options.extractable === true;
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    bytes as Uint8Array<ArrayBuffer>,
    ALGORITHMS[alg].importParams,
    extractable,
    ['sign', 'verify'],
  );
  bytes.fill(0);
  return makeKey(alg, kid, 'secret', {
    signKey: cryptoKey,
    verifyKey: cryptoKey,
    publicJwk: undefined,
    extractable,
  });
}

/** A random HMAC secret: `bytes` random bytes (default 32, at least 32), base64url encoded. */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 32 || bytes > 1024) {
    throw new TypeError('generateSecret: bytes must be an integer from 32 to 1024');
  }
  return base64UrlEncode(randomBytes(bytes));
}

const PUBLIC_MEMBERS: Record<KeyFamily, readonly string[]> = {
  oct: [],
  RSA: ['kty', 'n', 'e'],
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
};
const PRIVATE_MEMBERS: Record<KeyFamily, readonly string[]> = {
  oct: ['kty', 'k'],
  RSA: ['kty', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['kty', 'crv', 'x', 'y', 'd'],
  OKP: ['kty', 'crv', 'x', 'd'],
};

function pick(jwk: Record<string, unknown>, members: readonly string[]): Jwk {
  const out: Record<string, unknown> = {};
  for (const m of members) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out as Jwk;
}

/** Infers the algorithm of a JWK that has no `alg`, where only one fits. */
function inferAlg(jwk: Jwk): JwsAlgorithm | undefined {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  return undefined;
}

function checkRsaSize(key: CryptoKey, where: string): void {
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (typeof bits === 'number' && bits < MIN_RSA_BITS) {
    throw new TypeError(`${where}: RSA keys must be at least ${MIN_RSA_BITS} bits`);
  }
}

async function importAsymmetric(
  alg: JwsAlgorithm,
  kid: string | undefined,
  publicJwk: Jwk,
  privateJwk: Jwk | undefined,
  extractable: boolean,
  where: string,
): Promise<JwtKey> {
  const params = ALGORITHMS[alg].importParams;
  let verifyKey: CryptoKey;
  let signKey: CryptoKey | undefined;
  try {
    verifyKey = await crypto.subtle.importKey('jwk', publicJwk as JsonWebKey, params, true, [
      'verify',
    ]);
    if (privateJwk) {
      signKey = await crypto.subtle.importKey(
        'jwk',
        privateJwk as JsonWebKey,
        params,
        extractable,
        ['sign'],
      );
    }
  } catch (cause) {
    throw new TypeError(`${where}: the ${alg} key could not be imported`, { cause });
  }
  if (ALGORITHMS[alg].family === 'RSA') checkRsaSize(verifyKey, where);
  return makeKey(alg, kid, privateJwk ? 'private' : 'public', {
    signKey,
    verifyKey,
    publicJwk: Object.freeze(publicJwk),
    extractable: privateJwk ? extractable : true,
  });
}

/**
 * Imports a JWK, bound to one algorithm: `options.alg`, else the JWK's `alg`, else the only
 * one its curve allows. A JWK with `use` other than `sig`, a key type that does not fit the
 * algorithm, or an RSA key under 2048 bits is refused with a `TypeError`.
 */
export async function importJwk(jwk: Jwk, options: ImportJwkOptions = {}): Promise<JwtKey> {
  const where = 'importJwk';
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new TypeError(`${where}: jwk must be a JSON Web Key object`);
  }
  if (jwk.alg !== undefined && !isJwsAlgorithm(jwk.alg)) {
    throw new TypeError(`${where}: the JWK's alg is not a supported JWS algorithm`);
  }
  if (options.alg !== undefined && !isJwsAlgorithm(options.alg)) {
    throw new TypeError(`${where}: options.alg is not a supported JWS algorithm`);
  }
  if (options.alg !== undefined && jwk.alg !== undefined && options.alg !== jwk.alg) {
    throw new TypeError(`${where}: options.alg differs from the JWK's alg`);
  }
  const alg = options.alg ?? (jwk.alg as JwsAlgorithm | undefined) ?? inferAlg(jwk);
  if (alg === undefined) {
    throw new TypeError(`${where}: the JWK has no alg; pass options.alg`);
  }
  const info = ALGORITHMS[alg];
  if (jwk.kty !== info.family) {
    throw new TypeError(`${where}: ${alg} needs a JWK of kty ${info.family}`);
  }
  if (info.crv !== undefined && jwk.crv !== info.crv) {
    throw new TypeError(`${where}: ${alg} needs the curve ${info.crv}`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new TypeError(`${where}: the JWK's use is not "sig"`);
  }
  if (
    jwk.key_ops !== undefined &&
    (!Array.isArray(jwk.key_ops) || !jwk.key_ops.some((op) => op === 'sign' || op === 'verify'))
  ) {
    throw new TypeError(`${where}: the JWK's key_ops allow neither sign nor verify`);
  }
  const kid = checkKid(options.kid ?? jwk.kid, where);
  const extractable = options.extractable === true;
  if (info.family === 'oct') {
    const secret = typeof jwk.k === 'string' ? base64UrlDecode(jwk.k) : undefined;
    if (!secret) throw new TypeError(`${where}: an oct JWK needs a base64url "k"`);
    return createSecretKey(secret, { alg: alg as HmacJwsAlgorithm, kid, extractable });
  }
  const publicJwk = pick(jwk, PUBLIC_MEMBERS[info.family]);
  const privateJwk = jwk.d !== undefined ? pick(jwk, PRIVATE_MEMBERS[info.family]) : undefined;
  return importAsymmetric(alg, kid, publicJwk, privateJwk, extractable, where);
}

function pemBody(pem: string, where: string): { label: string; der: Uint8Array } {
  if (typeof pem !== 'string') throw new TypeError(`${where}: pem must be a string`);
  const match =
    /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]+?)-----END \1-----\s*$/.exec(pem);
  if (!match) throw new TypeError(`${where}: not a PEM document`);
  const b64 = match[2]!.replace(/\s+/g, '');
  let binary: string;
  try {
    binary = atob(b64);
  } catch {
    throw new TypeError(`${where}: the PEM body is not valid base64`);
  }
  const der = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
  return { label: match[1]!, der };
}

/**
 * Imports a PEM key bound to `alg`: a PKCS#8 private key (`BEGIN PRIVATE KEY`) or an SPKI
 * public key (`BEGIN PUBLIC KEY`). PKCS#1 / SEC1 / certificates are refused with a hint.
 */
export async function importPem(
  pem: string,
  alg: JwsAlgorithm,
  options: ImportPemOptions = {},
): Promise<JwtKey> {
  const where = 'importPem';
  if (!isJwsAlgorithm(alg)) throw new TypeError(`${where}: alg is not a supported JWS algorithm`);
  if (isHmac(alg)) throw new TypeError(`${where}: ${alg} uses a secret; use createSecretKey`);
  const kid = checkKid(options.kid, where);
  const { label, der } = pemBody(pem, where);
  const params = ALGORITHMS[alg].importParams;
  const family = ALGORITHMS[alg].family;
  let exported: JsonWebKey;
  try {
    if (label === 'PRIVATE KEY') {
      const key = await crypto.subtle.importKey(
        'pkcs8',
        der as Uint8Array<ArrayBuffer>,
        params,
        true,
        ['sign'],
      );
      exported = await crypto.subtle.exportKey('jwk', key);
    } else if (label === 'PUBLIC KEY') {
      const key = await crypto.subtle.importKey(
        'spki',
        der as Uint8Array<ArrayBuffer>,
        params,
        true,
        ['verify'],
      );
      exported = await crypto.subtle.exportKey('jwk', key);
    } else {
      throw new TypeError(
        `${where}: a "${label}" PEM is not supported; convert it to PKCS#8 ("PRIVATE KEY") or SPKI ("PUBLIC KEY")`,
      );
    }
  } catch (cause) {
    if (cause instanceof TypeError) throw cause;
    throw new TypeError(`${where}: the PEM is not a valid ${alg} key`, { cause });
  }
  const jwk = exported as Jwk;
  const publicJwk = pick(jwk, PUBLIC_MEMBERS[family]);
  const privateJwk = jwk.d !== undefined ? pick(jwk, PRIVATE_MEMBERS[family]) : undefined;
  return importAsymmetric(alg, kid, publicJwk, privateJwk, options.extractable === true, where);
}

/**
 * Generates a key pair bound to `alg` (RSA keys are 2048 bits). The `kid` defaults to the
 * RFC 7638 thumbprint of the public key.
 */
export async function generateKeyPair(
  alg: AsymmetricJwsAlgorithm,
  options: GenerateKeyPairOptions = {},
): Promise<{ privateKey: JwtKey; publicKey: JwtKey }> {
  const where = 'generateKeyPair';
  if (!isJwsAlgorithm(alg) || isHmac(alg)) {
    throw new TypeError(`${where}: alg must be RS256, PS256, ES256, ES384 or EdDSA`);
  }
  const info = ALGORITHMS[alg];
  const params =
    info.family === 'RSA'
      ? {
          ...(info.importParams as RsaHashedImportParams),
          modulusLength: MIN_RSA_BITS,
          publicExponent: new Uint8Array([1, 0, 1]),
        }
      : info.importParams;
  const extractable = options.extractable === true;
  const pair = (await crypto.subtle.generateKey(params, extractable, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const publicJwk = Object.freeze(
    pick(
      (await crypto.subtle.exportKey('jwk', pair.publicKey)) as Jwk,
      PUBLIC_MEMBERS[info.family],
    ),
  );
  const kid = checkKid(options.kid, where) ?? (await computeJwkThumbprint(publicJwk));
  return {
    privateKey: makeKey(alg, kid, 'private', {
      signKey: pair.privateKey,
      verifyKey: pair.publicKey,
      publicJwk,
      extractable,
    }),
    publicKey: makeKey(alg, kid, 'public', {
      signKey: undefined,
      verifyKey: pair.publicKey,
      publicJwk,
      extractable: true,
    }),
  };
}

/** The public half of a key pair (the same key when it already is public). */
export async function toPublicKey(key: JwtKey): Promise<JwtKey> {
  const record = getKeyRecord(key, 'toPublicKey');
  if (key.type === 'public') return key;
  if (key.type === 'secret' || !record.publicJwk) {
    throw new TypeError('toPublicKey: an HMAC secret has no public key');
  }
  return makeKey(key.alg, key.kid, 'public', {
    signKey: undefined,
    verifyKey: record.verifyKey,
    publicJwk: record.publicJwk,
    extractable: true,
  });
}

function withMetadata(members: Jwk, key: JwtKey): Jwk {
  const jwk: Jwk = { ...members };
  if (key.kid !== undefined) jwk.kid = key.kid;
  jwk.alg = key.alg;
  jwk.use = 'sig';
  return jwk;
}

/**
 * Exports a key as a JWK with `kid`, `alg` and `use: "sig"`. Public keys always export;
 * private keys and secrets only when created with `extractable: true` (else a `TypeError`).
 */
export async function exportJwk(key: JwtKey): Promise<Jwk> {
  const record = getKeyRecord(key, 'exportJwk');
  if (key.type === 'public') return withMetadata(record.publicJwk!, key);
  if (!record.extractable || !record.signKey) {
    throw new TypeError('exportJwk: this key is not extractable; create it with extractable: true');
  }
  const exported = (await crypto.subtle.exportKey('jwk', record.signKey)) as Jwk;
  const family = ALGORITHMS[key.alg].family;
  return withMetadata(pick(exported, PRIVATE_MEMBERS[family]), key);
}

/** The public JWK of an asymmetric key (no private members), with kid/alg/use. @internal */
export function publicJwkOf(key: JwtKey): Jwk | undefined {
  const record = getKeyRecord(key, 'publicJwkOf');
  return record.publicJwk ? withMetadata(record.publicJwk, key) : undefined;
}

/** The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public or private JWK. */
export async function computeJwkThumbprint(jwk: Jwk): Promise<string> {
  const family = jwk.kty as KeyFamily;
  const required: Record<KeyFamily, readonly string[]> = {
    oct: ['k', 'kty'],
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
  };
  const members = Object.hasOwn(required, family) ? required[family] : undefined;
  if (!members) throw new TypeError('computeJwkThumbprint: unsupported kty');
  const ordered: Record<string, unknown> = {};
  for (const m of members) {
    if (typeof jwk[m] !== 'string') throw new TypeError(`computeJwkThumbprint: missing "${m}"`);
    ordered[m] = jwk[m];
  }
  const digest = await crypto.subtle.digest(
    'SHA-256',
    utf8Encode(JSON.stringify(ordered)) as Uint8Array<ArrayBuffer>,
  );
  return base64UrlEncode(new Uint8Array(digest));
}
