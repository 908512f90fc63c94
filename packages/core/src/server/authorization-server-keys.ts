import type { TokenVerifier } from '../domain/auth-context.js';
import { createKeyRingHolder, type KeyRingHolder, type KeyRingSource } from '../jwt/key-ring.js';
import { createLocalKeySet } from '../jwt/key-set.js';
import { createSecretKey, type Jwks, toPublicKey } from '../jwt/keys.js';
import type { JwtKey } from '../jwt/types.js';
import type { KeySet } from '../jwt/verify.js';
import { createTokenService } from '../tokens/token-service.js';
import type { TokenService, TokenServiceOptions } from '../tokens/types.js';
import type { UpstreamTokenClient } from '../tokens/upstream-refresh.js';
import type { UpstreamTokens } from '../domain/identity.js';
import type { IdentityProvider } from './types.js';
import type { AuthorizationServerOptions, ServerSettings } from './authorization-server-options.js';

interface PreparedKeys {
  signingKey: JwtKey | (() => JwtKey);
  verificationKey: JwtKey | KeySet | undefined;
  jwks: Jwks | undefined;
  ring?: KeyRingHolder;
}

/** What the server needs once its keys are imported. */
export interface ServerTokens {
  readonly tokens: TokenService;
  readonly verifier: TokenVerifier;
  /** The public JWKS (read at each use: a key ring changes it), or undefined with an HMAC key. */
  readonly jwks: Jwks | undefined;
  /** The key ring, when the server was configured with `signingKeys`. */
  readonly ring: KeyRingHolder | undefined;
}

/**
 * Checks the signing and verification keys now (a `TypeError`), imports them in the
 * background, then builds the token service from the options (or takes the one given).
 */
export function startTokenService(
  options: AuthorizationServerOptions,
  settings: Pick<ServerSettings, 'store' | 'issuer' | 'resource' | 'now' | 'provider'>,
): Promise<ServerTokens> {
  const { store, issuer, resource } = settings;
  const keys =
    options.signingKeys !== undefined
      ? prepareRing(options, settings)
      : prepareKeys(options.signingKey, options.verificationKeys);
  const upstream = upstreamRefresh(options, settings.provider);
  return keys.then(async ({ signingKey, verificationKey, jwks, ring }) => {
    const tokens =
      options.tokenService ??
      createTokenService({
        store,
        audit: options.audit,
        issuer,
        signingKey,
        ...(verificationKey ? { verificationKey } : {}),
        resource,
        ...(options.accessTokenTtlSeconds !== undefined
          ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
          : {}),
        ...(options.refreshTokenTtlSeconds !== undefined
          ? { refreshTokenTtlSeconds: options.refreshTokenTtlSeconds }
          : {}),
        ...(options.codeTtlSeconds !== undefined ? { codeTtlSeconds: options.codeTtlSeconds } : {}),
        ...(options.claims ? { claims: options.claims } : {}),
        ...(options.upstreamEncryptionKey !== undefined
          ? { upstreamEncryptionKey: options.upstreamEncryptionKey }
          : {}),
        ...upstream,
        ...(options.refreshTokenReuseGraceSeconds !== undefined
          ? { refreshReuseGraceSeconds: options.refreshTokenReuseGraceSeconds }
          : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    const verifier = tokens.createAccessTokenVerifier();
    if (!ring) return { tokens, verifier, jwks, ring };
    return {
      tokens,
      verifier,
      get jwks() {
        return ring.jwks();
      },
      ring,
    };
  });
}

// Upstream refresh and revocation, when the identity provider can do them.
function upstreamRefresh(
  options: AuthorizationServerOptions,
  provider: IdentityProvider,
): Pick<TokenServiceOptions, 'upstream'> {
  const skew = options.upstreamRefreshSkewSeconds;
  if (skew !== undefined && (typeof skew !== 'number' || !(skew >= 0 && skew <= 86_400))) {
    throw new TypeError(
      'createAuthorizationServer: upstreamRefreshSkewSeconds must be a number from 0 to 86400',
    );
  }
  if (provider.kind !== 'redirect' || typeof provider.refreshTokens !== 'function') return {};
  const client: UpstreamTokenClient = {
    refreshTokens: (tokens) =>
      (provider.refreshTokens as NonNullable<typeof provider.refreshTokens>).call(provider, tokens),
    ...(typeof provider.revokeTokens === 'function'
      ? {
          revokeTokens: (tokens: UpstreamTokens) =>
            (provider.revokeTokens as NonNullable<typeof provider.revokeTokens>).call(
              provider,
              tokens,
            ),
        }
      : {}),
  };
  return {
    upstream: {
      client,
      ...(options.upstreamRefreshSkewSeconds !== undefined
        ? { refreshSkewSeconds: options.upstreamRefreshSkewSeconds }
        : {}),
    },
  };
}

// `signingKeys`: a key ring, fixed or re-read at runtime (docs/key-rotation.md).
function prepareRing(
  options: AuthorizationServerOptions,
  settings: Pick<ServerSettings, 'now'>,
): Promise<PreparedKeys> {
  const where = 'createAuthorizationServer';
  if (options.signingKey !== undefined || options.verificationKeys !== undefined) {
    throw new TypeError(
      `${where}: give either signingKeys (a key ring) or signingKey (+ verificationKeys), not both`,
    );
  }
  const ring = createKeyRingHolder(options.signingKeys as KeyRingSource, {
    ...(options.keyRingReloadSeconds !== undefined
      ? { reloadSeconds: options.keyRingReloadSeconds }
      : {}),
    now: settings.now,
  });
  return ring.ready.then(() => ({
    signingKey: () => ring.signingKey(),
    verificationKey: ring.keySet,
    jwks: undefined,
    ring,
  }));
}

function prepareKeys(
  key: JwtKey | string | Uint8Array | undefined,
  verificationKeys: readonly JwtKey[] | undefined,
): Promise<PreparedKeys> {
  const where = 'createAuthorizationServer: signingKey';
  if (typeof key === 'string' || key instanceof Uint8Array) {
    const length = typeof key === 'string' ? new TextEncoder().encode(key).length : key.length;
    if (length < 32) {
      throw new TypeError(
        `${where}: an HS256 secret must be at least 32 bytes (use generateSecret())`,
      );
    }
    if (verificationKeys?.length) {
      throw new TypeError(
        'createAuthorizationServer: verificationKeys need an asymmetric signingKey',
      );
    }
    const p = createSecretKey(key).then((signingKey) => ({
      signingKey,
      verificationKey: undefined,
      jwks: undefined,
    }));
    return p;
  }
  if (typeof key !== 'object' || key === null || typeof key.alg !== 'string') {
    throw new TypeError(
      `${where} must be a secret (≥ 32 bytes) or a JwtKey (or give signingKeys, a key ring)`,
    );
  }
  if (key.type === 'public') {
    throw new TypeError(`${where} must be a private key or a secret, not a public key`);
  }
  if (key.type === 'secret') {
    return Promise.resolve({ signingKey: key, verificationKey: undefined, jwks: undefined });
  }
  for (const k of verificationKeys ?? []) {
    if (typeof k !== 'object' || k === null || k.type === 'secret') {
      throw new TypeError('createAuthorizationServer: verificationKeys must be asymmetric JwtKeys');
    }
  }
  return (async () => {
    const publicKeys = [await toPublicKey(key)];
    for (const k of verificationKeys ?? []) publicKeys.push(await toPublicKey(k));
    const set = await createLocalKeySet(publicKeys);
    return { signingKey: key, verificationKey: set, jwks: set.toJSON() };
  })();
}
