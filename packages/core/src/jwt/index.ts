export type { JwsAlgorithm, JwtHeader, JwtKey, JwtPayload } from './types.js';
export { JWS_ALGORITHMS } from './algorithms.js';
export {
  type AsymmetricJwsAlgorithm,
  type CreateSecretKeyOptions,
  computeJwkThumbprint,
  createSecretKey,
  exportJwk,
  type GenerateKeyPairOptions,
  generateKeyPair,
  generateSecret,
  type HmacJwsAlgorithm,
  type ImportJwkOptions,
  type ImportPemOptions,
  importJwk,
  importPem,
  type Jwk,
  type Jwks,
  toPublicKey,
} from './keys.js';
export { type SignJwtOptions, signJwt } from './sign.js';
export { DEFAULT_MAX_TOKEN_LENGTH, type DecodeJwtOptions, decodeJwt } from './decode.js';
export { type KeySet, type VerifiedJwt, type VerifyJwtOptions, verifyJwt } from './verify.js';
export { createLocalKeySet, type LocalKeySet } from './key-set.js';
export {
  importKeyRing,
  type KeyRingDocument,
  type KeyRingSource,
  type KeyRingStatus,
  type SigningKeyRing,
} from './key-ring.js';
export { createRemoteKeySet, type RemoteKeySetOptions } from './remote-key-set.js';
export { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './verifier.js';
export {
  DEFAULT_ASSERTION_ALGORITHMS,
  type JwtAssertionOptions,
  verifyJwtAssertion,
} from './assertion.js';
export {
  computeAccessTokenHash,
  createDpopProofVerifier,
  DPOP_ALGORITHMS,
  type DpopProofRequest,
  type DpopProofVerifier,
  type DpopProofVerifierOptions,
  normalizeDpopUrl,
  type VerifiedDpopProof,
} from './dpop.js';
