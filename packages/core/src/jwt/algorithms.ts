import type { JwsAlgorithm } from './types.js';

/** Every algorithm core signs and verifies. */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'PS256',
  'ES256',
  'ES384',
  'EdDSA',
]);

/** True for a supported algorithm name (exact, case-sensitive: RFC 7515 §4.1.1). */
export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(value);
}

/** The JWK key type each algorithm needs. */
export type KeyFamily = 'oct' | 'RSA' | 'EC' | 'OKP';

interface AlgorithmInfo {
  family: KeyFamily;
  /** WebCrypto import/generate parameters. */
  importParams: RsaHashedImportParams | EcKeyImportParams | HmacImportParams | Algorithm;
  /** WebCrypto sign/verify parameters. */
  signParams: Algorithm | RsaPssParams | EcdsaParams;
  /** JWK `crv` for EC/OKP. */
  crv?: string;
  /** Fixed signature length in bytes (ECDSA raw r||s, Ed25519). */
  signatureLength?: number;
  /** Minimum HMAC key length in bytes (RFC 7518 §3.2: at least the hash size). */
  minSecretBytes?: number;
  /** Node hash name. */
  hash: 'sha256' | 'sha384' | 'sha512' | undefined;
}

export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmInfo>> = {
  HS256: {
    family: 'oct',
    importParams: { name: 'HMAC', hash: 'SHA-256' },
    signParams: { name: 'HMAC' },
    minSecretBytes: 32,
    hash: 'sha256',
  },
  HS384: {
    family: 'oct',
    importParams: { name: 'HMAC', hash: 'SHA-384' },
    signParams: { name: 'HMAC' },
    minSecretBytes: 48,
    hash: 'sha384',
  },
  HS512: {
    family: 'oct',
    importParams: { name: 'HMAC', hash: 'SHA-512' },
    signParams: { name: 'HMAC' },
    minSecretBytes: 64,
    hash: 'sha512',
  },
  RS256: {
    family: 'RSA',
    importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signParams: { name: 'RSASSA-PKCS1-v1_5' },
    hash: 'sha256',
  },
  PS256: {
    family: 'RSA',
    importParams: { name: 'RSA-PSS', hash: 'SHA-256' },
    signParams: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
    hash: 'sha256',
  },
  ES256: {
    family: 'EC',
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    signParams: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
    crv: 'P-256',
    signatureLength: 64,
    hash: 'sha256',
  },
  ES384: {
    family: 'EC',
    importParams: { name: 'ECDSA', namedCurve: 'P-384' },
    signParams: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
    crv: 'P-384',
    signatureLength: 96,
    hash: 'sha384',
  },
  EdDSA: {
    family: 'OKP',
    importParams: { name: 'Ed25519' },
    signParams: { name: 'Ed25519' },
    crv: 'Ed25519',
    signatureLength: 64,
    hash: undefined,
  },
};

/** Minimum RSA modulus (RFC 7518 §3.3 requires 2048 bits; SECURITY-CASES 35). */
export const MIN_RSA_BITS = 2048;
