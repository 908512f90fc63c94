import { utf8Encode } from './encoding/utf8.js';
import { isLoopbackHostname } from './net/host.js';
import { ALGORITHMS, isJwsAlgorithm } from './jwt/algorithms.js';
import {
  createSecretKey,
  type HmacJwsAlgorithm,
  importJwk,
  importPem,
  type Jwk,
} from './jwt/keys.js';
import type { JwsAlgorithm, JwtKey } from './jwt/types.js';

/** Environment variables read by {@link loadConfigFromEnv}. */
export const CONFIG_ENV_VARS = [
  'OAUTH_CLIENT_ID',
  'OAUTH_CLIENT_SECRET',
  'OAUTH_AUTH_ENDPOINT',
  'OAUTH_TOKEN_ENDPOINT',
  'OAUTH_USERINFO_ENDPOINT',
  'OAUTH_JWKS_URI',
  'OAUTH_ISSUER',
  'OAUTH_SCOPES',
  'JWT_SECRET',
  'MCP_AUTH_ISSUER',
  'MCP_AUTH_RESOURCE_URL',
  'MCP_AUTH_SIGNING_ALG',
  'MCP_AUTH_SIGNING_KEY',
] as const;

/** One of {@link CONFIG_ENV_VARS}. */
export type ConfigEnvVar = (typeof CONFIG_ENV_VARS)[number];

/**
 * Typed configuration of an mcp-auth deployment, as read from the environment. Every field
 * is optional here; the component that needs one (upstream provider, token issuer, resource
 * guard) says so when it is created.
 */
export interface OAuthConfig {
  /** Upstream IdP client id (`OAUTH_CLIENT_ID`). */
  clientId?: string;
  /** Upstream IdP client secret (`OAUTH_CLIENT_SECRET`); absent for a public client. */
  clientSecret?: string;
  /** Upstream authorization endpoint (`OAUTH_AUTH_ENDPOINT`). */
  authorizationEndpoint?: string;
  /** Upstream token endpoint (`OAUTH_TOKEN_ENDPOINT`). */
  tokenEndpoint?: string;
  /** Upstream userinfo endpoint (`OAUTH_USERINFO_ENDPOINT`; configured mode, e.g. GitHub). */
  userinfoEndpoint?: string;
  /** Upstream JWKS URI for ID tokens (`OAUTH_JWKS_URI`; configured mode). */
  jwksUri?: string;
  /** Upstream issuer, for OIDC / RFC 8414 discovery (`OAUTH_ISSUER`). */
  upstreamIssuer?: string;
  /** Scopes to request upstream (`OAUTH_SCOPES`, space or comma separated). */
  scopes?: readonly string[];
  /** Shared HMAC secret for HS* access tokens (`JWT_SECRET`, at least 32 bytes). */
  jwtSecret?: string;
  /** This authorization server's issuer identifier (`MCP_AUTH_ISSUER`). */
  issuer?: string;
  /** The protected MCP resource URI, the tokens' audience (`MCP_AUTH_RESOURCE_URL`). */
  resourceUrl?: string;
  /** The access-token signing algorithm (`MCP_AUTH_SIGNING_ALG`; default HS256 with a secret). */
  signingAlg?: JwsAlgorithm;
  /** The private signing key, a JWK (JSON) or a PKCS#8 PEM (`MCP_AUTH_SIGNING_KEY`). */
  signingKey?: string;
}

/** One configuration problem: which variable, and what is wrong (never its value). */
export interface ConfigProblem {
  readonly variable: ConfigEnvVar;
  readonly message: string;
}

/** Every configuration problem found, at once. A `TypeError`: a deployment mistake. */
export class ConfigError extends TypeError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid mcp-auth configuration:\n${problems.map((p) => `- ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/** An environment: name → value. */
export type ConfigEnv = Readonly<Record<string, string | undefined>>;

function defaultEnv(): ConfigEnv {
  const g = globalThis as { process?: { env?: ConfigEnv } };
  return g.process?.env ?? {};
}

// "Loopback, so http is fine": the one rule of server/ssrf.ts (trailing dots normalised).
const isLoopback = isLoopbackHostname;

// RFC 6749 §3.3 scope-token characters.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * Reads and validates the configuration from `env` (default: `process.env` when there is
 * one). Empty values count as unset. Throws one {@link ConfigError} listing every problem:
 * URLs must be https (http only on loopback), `JWT_SECRET` at least 32 bytes (more for
 * HS384/HS512), the signing algorithm and key consistent with each other.
 */
export function loadConfigFromEnv(env: ConfigEnv = defaultEnv()): OAuthConfig {
  if (typeof env !== 'object' || env === null) {
    throw new TypeError('loadConfigFromEnv: env must be an object of strings');
  }
  const problems: ConfigProblem[] = [];
  const problem = (variable: ConfigEnvVar, message: string) => problems.push({ variable, message });
  const read = (name: ConfigEnvVar): string | undefined => {
    const value = env[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problem(name, 'must be a string');
      return undefined;
    }
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const url = (
    name: ConfigEnvVar,
    kind: 'endpoint' | 'issuer' | 'resource',
  ): string | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      problem(name, 'must be an absolute URL');
      return undefined;
    }
    if (
      !(
        parsed.protocol === 'https:' ||
        (parsed.protocol === 'http:' && isLoopback(parsed.hostname))
      )
    ) {
      problem(name, 'must use https (http is allowed only for localhost / 127.0.0.1 / [::1])');
      return undefined;
    }
    if (parsed.username || parsed.password) {
      problem(name, 'must not contain credentials');
      return undefined;
    }
    if (parsed.hash) {
      problem(name, 'must not have a #fragment');
      return undefined;
    }
    if (kind === 'issuer' && parsed.search) {
      problem(name, 'must not have a ?query (RFC 8414 §2)');
      return undefined;
    }
    return value;
  };

  const clientId = read('OAUTH_CLIENT_ID');
  const clientSecret = read('OAUTH_CLIENT_SECRET');
  const authorizationEndpoint = url('OAUTH_AUTH_ENDPOINT', 'endpoint');
  const tokenEndpoint = url('OAUTH_TOKEN_ENDPOINT', 'endpoint');
  const userinfoEndpoint = url('OAUTH_USERINFO_ENDPOINT', 'endpoint');
  const jwksUri = url('OAUTH_JWKS_URI', 'endpoint');
  const upstreamIssuer = url('OAUTH_ISSUER', 'issuer');
  const issuer = url('MCP_AUTH_ISSUER', 'issuer');
  const resourceUrl = url('MCP_AUTH_RESOURCE_URL', 'resource');

  if (clientSecret !== undefined && clientId === undefined) {
    problem('OAUTH_CLIENT_ID', 'is required when OAUTH_CLIENT_SECRET is set');
  }
  const hasAuthEndpoint = env.OAUTH_AUTH_ENDPOINT?.trim();
  const hasTokenEndpoint = env.OAUTH_TOKEN_ENDPOINT?.trim();
  const hasUpstreamIssuer = env.OAUTH_ISSUER?.trim();
  if (!hasUpstreamIssuer) {
    if (hasAuthEndpoint && !hasTokenEndpoint) {
      problem('OAUTH_TOKEN_ENDPOINT', 'is required with OAUTH_AUTH_ENDPOINT (or set OAUTH_ISSUER)');
    }
    if (hasTokenEndpoint && !hasAuthEndpoint) {
      problem('OAUTH_AUTH_ENDPOINT', 'is required with OAUTH_TOKEN_ENDPOINT (or set OAUTH_ISSUER)');
    }
    if (clientId !== undefined && !hasAuthEndpoint && !hasTokenEndpoint) {
      problem(
        'OAUTH_ISSUER',
        'is required with OAUTH_CLIENT_ID, unless OAUTH_AUTH_ENDPOINT and OAUTH_TOKEN_ENDPOINT are set',
      );
    }
  }
  if ((hasAuthEndpoint || hasTokenEndpoint || hasUpstreamIssuer) && clientId === undefined) {
    problem('OAUTH_CLIENT_ID', 'is required when an upstream provider is configured');
  }

  let scopes: string[] | undefined;
  const rawScopes = read('OAUTH_SCOPES');
  if (rawScopes !== undefined) {
    scopes = rawScopes.split(/[\s,]+/).filter((s) => s.length > 0);
    if (!scopes.every((s) => SCOPE_TOKEN.test(s))) {
      problem('OAUTH_SCOPES', 'has a scope with characters RFC 6749 §3.3 does not allow');
    }
  }

  let signingAlg: JwsAlgorithm | undefined;
  const rawAlg = read('MCP_AUTH_SIGNING_ALG');
  if (rawAlg !== undefined) {
    if (isJwsAlgorithm(rawAlg)) signingAlg = rawAlg;
    else
      problem(
        'MCP_AUTH_SIGNING_ALG',
        'must be one of HS256, HS384, HS512, RS256, PS256, ES256, ES384, EdDSA',
      );
  }

  const jwtSecret = read('JWT_SECRET');
  let signingKey = read('MCP_AUTH_SIGNING_KEY');
  if (signingKey !== undefined) {
    // PEMs pasted into .env files often carry literal "\n".
    if (signingKey.startsWith('-----BEGIN')) {
      signingKey = signingKey.replace(/\\n/g, '\n').trim();
      if (!/^-----BEGIN PRIVATE KEY-----\r?\n[\s\S]+-----END PRIVATE KEY-----$/.test(signingKey)) {
        problem('MCP_AUTH_SIGNING_KEY', 'a PEM must be a PKCS#8 private key (BEGIN PRIVATE KEY)');
      }
      if (rawAlg === undefined) {
        problem('MCP_AUTH_SIGNING_ALG', 'is required with a PEM MCP_AUTH_SIGNING_KEY');
      }
    } else if (signingKey.startsWith('{')) {
      let jwk: Jwk | undefined;
      try {
        const parsed: unknown = JSON.parse(signingKey);
        if (
          typeof parsed === 'object' &&
          parsed !== null &&
          typeof (parsed as Jwk).kty === 'string'
        ) {
          jwk = parsed as Jwk;
        }
      } catch {
        // reported below
      }
      if (!jwk) {
        problem('MCP_AUTH_SIGNING_KEY', 'is not a valid JWK (JSON with a kty)');
      } else {
        if (jwk.d === undefined) {
          problem('MCP_AUTH_SIGNING_KEY', 'must be a private key (the JWK has no "d")');
        }
        const jwkAlg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
        if (jwkAlg !== undefined && !isJwsAlgorithm(jwkAlg)) {
          problem('MCP_AUTH_SIGNING_KEY', 'has an alg this library does not support');
        } else if (jwkAlg !== undefined && signingAlg !== undefined && jwkAlg !== signingAlg) {
          problem('MCP_AUTH_SIGNING_ALG', 'differs from the alg of MCP_AUTH_SIGNING_KEY');
        }
        const inferred =
          jwk.kty === 'EC' && jwk.crv === 'P-256'
            ? 'ES256'
            : jwk.kty === 'EC' && jwk.crv === 'P-384'
              ? 'ES384'
              : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
                ? 'EdDSA'
                : undefined;
        if (signingAlg === undefined && rawAlg === undefined) {
          signingAlg = (jwkAlg !== undefined && isJwsAlgorithm(jwkAlg) ? jwkAlg : inferred) as
            | JwsAlgorithm
            | undefined;
          if (signingAlg === undefined) {
            problem(
              'MCP_AUTH_SIGNING_ALG',
              'is required: the JWK has no alg and its type allows several',
            );
          }
        }
      }
    } else {
      problem('MCP_AUTH_SIGNING_KEY', 'must be a JWK (JSON) or a PKCS#8 PEM');
    }
    if (signingAlg !== undefined && ALGORITHMS[signingAlg].family === 'oct') {
      problem('MCP_AUTH_SIGNING_ALG', `${signingAlg} uses JWT_SECRET, not MCP_AUTH_SIGNING_KEY`);
    }
  } else if (signingAlg !== undefined && ALGORITHMS[signingAlg].family !== 'oct') {
    problem('MCP_AUTH_SIGNING_KEY', `is required for ${signingAlg}`);
  }
  if (
    signingAlg === undefined &&
    rawAlg === undefined &&
    signingKey === undefined &&
    jwtSecret !== undefined
  ) {
    signingAlg = 'HS256';
  }
  if (jwtSecret !== undefined) {
    const alg =
      signingAlg !== undefined && ALGORITHMS[signingAlg].family === 'oct' ? signingAlg : 'HS256';
    const min = ALGORITHMS[alg].minSecretBytes!;
    if (utf8Encode(jwtSecret).length < min) {
      problem(
        'JWT_SECRET',
        `must be at least ${min} bytes for ${alg} (generate one with \`mcp-auth keys generate\` or openssl rand -base64 32)`,
      );
    }
  } else if (
    signingAlg !== undefined &&
    ALGORITHMS[signingAlg].family === 'oct' &&
    signingKey === undefined
  ) {
    problem('JWT_SECRET', `is required for ${signingAlg}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  const config: OAuthConfig = {};
  const set = <K extends keyof OAuthConfig>(key: K, value: OAuthConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('clientId', clientId);
  set('clientSecret', clientSecret);
  set('authorizationEndpoint', authorizationEndpoint);
  set('tokenEndpoint', tokenEndpoint);
  set('userinfoEndpoint', userinfoEndpoint);
  set('jwksUri', jwksUri);
  set('upstreamIssuer', upstreamIssuer);
  set('scopes', scopes ? Object.freeze(scopes) : undefined);
  set('jwtSecret', jwtSecret);
  set('issuer', issuer);
  set('resourceUrl', resourceUrl);
  set('signingAlg', signingAlg);
  set('signingKey', signingKey);
  return config;
}

/**
 * The access-token signing key a configuration describes: `MCP_AUTH_SIGNING_KEY` (JWK or
 * PEM) bound to `signingAlg`, else `JWT_SECRET` as an HMAC key, else `undefined`.
 */
export async function loadSigningKey(
  config: OAuthConfig,
  options: { kid?: string } = {},
): Promise<JwtKey | undefined> {
  const { signingKey, signingAlg, jwtSecret } = config;
  if (signingKey !== undefined) {
    if (signingKey.startsWith('{')) {
      const jwk = JSON.parse(signingKey) as Jwk;
      return importJwk(jwk, { alg: signingAlg, kid: options.kid });
    }
    if (signingAlg === undefined)
      throw new TypeError('loadSigningKey: signingAlg is required with a PEM');
    return importPem(signingKey, signingAlg, { kid: options.kid });
  }
  if (jwtSecret !== undefined) {
    const alg = (signingAlg ?? 'HS256') as HmacJwsAlgorithm;
    return createSecretKey(jwtSecret, { alg, kid: options.kid });
  }
  return undefined;
}
