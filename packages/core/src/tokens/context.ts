import type { KeySet } from '../jwt/index.js';
import type { JwtKey } from '../jwt/types.js';
import { InvalidGrantError } from '../errors/oauth-error.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import type { Identity } from '../domain/identity.js';
import type { Store, StoreValue } from '../store/store.js';
import type { AuditRecorder } from '../observability/audit.js';
import type { DpopBinding } from './dpop.js';
import type { SealBox } from './upstream-crypto.js';
import type { UpstreamRefresher } from './upstream-client.js';

/**
 * What every step of the token service shares: the validated options of
 * `createTokenService` and the lifetimes derived from them. Built once, never mutated.
 */
export interface TokenContext {
  readonly store: Store;
  /** Where reuse-detected and revocation audit events go, if anywhere. */
  readonly audit?: AuditRecorder | undefined;
  readonly issuer: string;
  /** The protected resource: the `aud` the verifier expects. */
  readonly resource: string;
  readonly signingKey: JwtKey;
  readonly verificationKey: JwtKey | KeySet;
  /** Lifetimes in seconds. */
  readonly accessTtl: number;
  readonly refreshTtl: number;
  readonly codeTtl: number;
  /** How long after a rotation the same client's parallel refresh is forgiven (0: never). */
  readonly graceMs: number;
  /** How long a redeemed code is still recognised, so a replay revokes what it issued. */
  readonly codeTombstoneMs: number;
  /** How long a revoked grant is remembered: longer than every token it could still have. */
  readonly revokedGrantMs: number;
  /** How long upstream tokens are kept after each redemption or refresh. */
  readonly upstreamMs: number;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Seals upstream tokens at rest; undefined: they are stored as they are. */
  readonly seal: SealBox | undefined;
  /** Refreshes (and revokes) upstream tokens at the IdP; undefined: never refreshed. */
  readonly upstreamRefresh?: UpstreamRefresher | undefined;
  /** The application's claims mapping (or the default: the identity's attributes). */
  readonly mapIdentity: (identity: Identity) => unknown;
  readonly checkRevoked: (context: Pick<AuthContext, 'jti' | 'grantId'>) => Promise<boolean>;
  /** The revocation-aware access-token verifier, created on first use. */
  readonly verifier: () => TokenVerifier;
}

export type Claims = { readonly [claim: string]: StoreValue };

export type CodeRecord = {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly redirectUriInRequest: boolean;
  readonly codeChallenge: string;
  /** RFC 9449 §10: the thumbprint of the DPoP key the token request must prove. */
  readonly dpopJkt?: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly sub: string;
  readonly claims: Claims;
  readonly grantId: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Sealed (or plain, without an encryption key) upstream tokens. */
  readonly upstream?: StoreValue;
  /** The client's `client_name`, for grant management's list. */
  readonly clientName?: string;
};

export type RefreshRecord = {
  readonly grantId: string;
  readonly clientId: string;
  readonly sub: string;
  /** The scopes of the grant: a refresh can narrow them per access token, never widen. */
  readonly scopes: readonly string[];
  readonly resource: string;
  readonly claims: Claims;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly hasUpstream: boolean;
  /** RFC 7638 thumbprint of the DPoP key a public client's refresh token is bound to. */
  readonly dpopJkt?: string;
};

/** The grant a token response is minted for. */
export interface GrantView {
  grantId: string;
  clientId: string;
  sub: string;
  grantScopes: readonly string[];
  resource: string;
  claims: Claims;
  hasUpstream: boolean;
  /** The DPoP key the tokens are bound to (RFC 9449): `cnf.jkt`, `token_type: DPoP`. */
  dpop?: DpopBinding | undefined;
}

// Our codes and refresh tokens are 43 base64url characters; anything far longer is garbage.
export const MAX_OPAQUE_LENGTH = 512;
// Upper bound on a JWT we bother to verify here (the JWT module has its own cap too).
export const MAX_JWT_LENGTH = 16 * 1024;

export function invalidCode(): InvalidGrantError {
  return new InvalidGrantError('The authorization code is invalid, expired or already used');
}

export function invalidRefresh(): InvalidGrantError {
  return new InvalidGrantError('The refresh token is invalid, expired or revoked');
}
