/**
 * The Node.js face of `@mcp-auth/core/jwt` (the `node` export condition): the same names as
 * `jwt.ts`, with the Node fast paths installed by the entry itself (`node:crypto` for JWS),
 * so signing and verification use them even when nothing imports the root entry.
 * @packageDocumentation
 */
import { installNodeFastPaths } from './node/fast-paths.js';

installNodeFastPaths();

export {
  type AsymmetricJwsAlgorithm,
  type CreateSecretKeyOptions,
  computeJwkThumbprint,
  createJwtVerifier,
  createLocalKeySet,
  DEFAULT_MAX_TOKEN_LENGTH,
  type DecodeJwtOptions,
  decodeJwt,
  exportJwk,
  type GenerateKeyPairOptions,
  type HmacJwsAlgorithm,
  type ImportJwkOptions,
  type ImportPemOptions,
  importJwk,
  importPem,
  JWS_ALGORITHMS,
  type Jwk,
  type Jwks,
  type JwsAlgorithm,
  type JwtHeader,
  type JwtPayload,
  type JwtVerifier,
  type JwtVerifierOptions,
  type KeySet,
  type LocalKeySet,
  type RemoteKeySetOptions,
  type SignJwtOptions,
  signJwt,
  toPublicKey,
  type VerifiedJwt,
  type VerifyJwtOptions,
  verifyJwt,
} from './jwt.js';
