import { utf8Encode } from './encoding/utf8.js';
import { isHttpsOrExactLoopbackUrl, isHttpsOrLoopbackUrl } from './net/host.js';
import { isValidScopeToken } from './policy/scopes.js';
import { ALGORITHMS, isJwsAlgorithm } from './jwt/algorithms.js';
import {
  createSecretKey,
  type HmacJwsAlgorithm,
  importJwk,
  importPem,
  type Jwk,
  type Jwks,
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
  'MCP_AUTH_TRUSTED_IDP_ISSUER',
  'MCP_AUTH_TRUSTED_IDP_JWKS',
  'MCP_AUTH_DPOP_REQUIRED',
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
  /**
   * A trusted enterprise IdP's issuer, whose ID-JAGs the server accepts
   * (`MCP_AUTH_TRUSTED_IDP_ISSUER`; with `trustedIdpJwks`, for `trustedIdentityProviders`).
   */
  trustedIdpIssuer?: string;
  /** That IdP's public keys, a JWKS document (`MCP_AUTH_TRUSTED_IDP_JWKS`, JSON). */
  trustedIdpJwks?: Jwks;
  /**
   * Require DPoP (RFC 9449) of every client at the MCP endpoint (`MCP_AUTH_DPOP_REQUIRED`:
   * `1`/`true` or `0`/`false`): for `mcpAuth({ dpopRequired })`, with the server's `dpop` on.
   */
  dpopRequired?: boolean;
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

// This server's own URLs must pass createAuthorizationServer's rule (only the three literal
// loopback hosts may use http); upstream URLs the fetch rule (any loopback host).
const OWN_URLS: ReadonlySet<ConfigEnvVar> = new Set(['MCP_AUTH_ISSUER', 'MCP_AUTH_RESOURCE_URL']);

/** Reads the variables of one environment, collecting every problem on the way. */
class EnvReader {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly env: ConfigEnv) {}

  problem(variable: ConfigEnvVar, message: string): void {
    this.problems.push({ variable, message });
  }

  /** The trimmed value; undefined when unset or blank. */
  read(name: ConfigEnvVar): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problem(name, 'must be a string');
      return undefined;
    }
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** An absolute https URL (http on loopback) without credentials or fragment. */
  url(name: ConfigEnvVar, kind: 'endpoint' | 'issuer' | 'resource'): string | undefined {
    const value = this.read(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.problem(name, 'must be an absolute URL');
      return undefined;
    }
    const secure = OWN_URLS.has(name) ? isHttpsOrExactLoopbackUrl : isHttpsOrLoopbackUrl;
    if (!secure(parsed)) {
      this.problem(name, 'must use https (http is allowed only for localhost / 127.0.0.1 / [::1])');
      return undefined;
    }
    if (parsed.username || parsed.password) {
      this.problem(name, 'must not contain credentials');
      return undefined;
    }
    if (parsed.hash) {
      this.problem(name, 'must not have a #fragment');
      return undefined;
    }
    if (kind === 'issuer' && parsed.search) {
      this.problem(name, 'must not have a ?query (RFC 8414 §2)');
      return undefined;
    }
    return value;
  }
}

/** The upstream IdP's variables, as read (their consistency is {@link checkUpstream}'s). */
function readUpstream(r: EnvReader) {
  return {
    clientId: r.read('OAUTH_CLIENT_ID'),
    clientSecret: r.read('OAUTH_CLIENT_SECRET'),
    authorizationEndpoint: r.url('OAUTH_AUTH_ENDPOINT', 'endpoint'),
    tokenEndpoint: r.url('OAUTH_TOKEN_ENDPOINT', 'endpoint'),
    userinfoEndpoint: r.url('OAUTH_USERINFO_ENDPOINT', 'endpoint'),
    jwksUri: r.url('OAUTH_JWKS_URI', 'endpoint'),
    upstreamIssuer: r.url('OAUTH_ISSUER', 'issuer'),
  };
}

/** An upstream IdP is either discovered (`OAUTH_ISSUER`) or fully configured, with a client. */
function checkUpstream(
  r: EnvReader,
  clientId: string | undefined,
  clientSecret: string | undefined,
) {
  const { env } = r;
  if (clientSecret !== undefined && clientId === undefined) {
    r.problem('OAUTH_CLIENT_ID', 'is required when OAUTH_CLIENT_SECRET is set');
  }
  const hasAuthEndpoint = env.OAUTH_AUTH_ENDPOINT?.trim();
  const hasTokenEndpoint = env.OAUTH_TOKEN_ENDPOINT?.trim();
  const hasUpstreamIssuer = env.OAUTH_ISSUER?.trim();
  if (!hasUpstreamIssuer) {
    if (hasAuthEndpoint && !hasTokenEndpoint) {
      r.problem(
        'OAUTH_TOKEN_ENDPOINT',
        'is required with OAUTH_AUTH_ENDPOINT (or set OAUTH_ISSUER)',
      );
    }
    if (hasTokenEndpoint && !hasAuthEndpoint) {
      r.problem(
        'OAUTH_AUTH_ENDPOINT',
        'is required with OAUTH_TOKEN_ENDPOINT (or set OAUTH_ISSUER)',
      );
    }
    if (clientId !== undefined && !hasAuthEndpoint && !hasTokenEndpoint) {
      r.problem(
        'OAUTH_ISSUER',
        'is required with OAUTH_CLIENT_ID, unless OAUTH_AUTH_ENDPOINT and OAUTH_TOKEN_ENDPOINT are set',
      );
    }
  }
  if ((hasAuthEndpoint || hasTokenEndpoint || hasUpstreamIssuer) && clientId === undefined) {
    r.problem('OAUTH_CLIENT_ID', 'is required when an upstream provider is configured');
  }
}

/** `OAUTH_SCOPES`: space or comma separated RFC 6749 scope tokens. */
function readScopes(r: EnvReader): string[] | undefined {
  const rawScopes = r.read('OAUTH_SCOPES');
  if (rawScopes === undefined) return undefined;
  const scopes = rawScopes.split(/[\s,]+/).filter((s) => s.length > 0);
  if (!scopes.every(isValidScopeToken)) {
    r.problem('OAUTH_SCOPES', 'has a scope with characters RFC 6749 §3.3 does not allow');
  }
  return scopes;
}

/**
 * `MCP_AUTH_TRUSTED_IDP_ISSUER` and `MCP_AUTH_TRUSTED_IDP_JWKS`, both or neither: the issuer an
 * https URL, the JWKS a JSON document of public keys (a secret or private key is refused).
 */
function readTrustedIdp(r: EnvReader): { issuer?: string; jwks?: Jwks } {
  const issuer = r.url('MCP_AUTH_TRUSTED_IDP_ISSUER', 'issuer');
  const text = r.read('MCP_AUTH_TRUSTED_IDP_JWKS');
  const issuerSet = r.read('MCP_AUTH_TRUSTED_IDP_ISSUER') !== undefined;
  if (issuerSet !== (text !== undefined)) {
    r.problem(
      issuerSet ? 'MCP_AUTH_TRUSTED_IDP_JWKS' : 'MCP_AUTH_TRUSTED_IDP_ISSUER',
      'is required with the other MCP_AUTH_TRUSTED_IDP_* variable',
    );
    return {};
  }
  if (text === undefined) return {};
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    r.problem('MCP_AUTH_TRUSTED_IDP_JWKS', 'is not JSON (expected a JWKS: {"keys":[...]})');
    return {};
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys) || keys.length === 0) {
    r.problem('MCP_AUTH_TRUSTED_IDP_JWKS', 'must be a JWKS with at least one key ({"keys":[...]})');
    return {};
  }
  for (const key of keys as unknown[]) {
    const k = key as Record<string, unknown> | null;
    if (typeof k !== 'object' || k === null || typeof k.kty !== 'string' || k.kty === 'oct') {
      r.problem('MCP_AUTH_TRUSTED_IDP_JWKS', 'must hold public keys (RSA, EC or OKP JWKs)');
      return {};
    }
    if ('d' in k) {
      r.problem('MCP_AUTH_TRUSTED_IDP_JWKS', 'must hold public keys only (a key has "d")');
      return {};
    }
  }
  return issuer === undefined ? {} : { issuer, jwks: jwks as Jwks };
}

/** The signing variables as far as read: the algorithm as written and as known so far. */
interface Signing {
  readonly rawAlg: string | undefined;
  signingAlg: JwsAlgorithm | undefined;
}

/** A JWK `MCP_AUTH_SIGNING_KEY`: private, its alg consistent with `MCP_AUTH_SIGNING_ALG`. */
function checkJwkSigningKey(r: EnvReader, signingKey: string, signing: Signing): void {
  let jwk: Jwk | undefined;
  try {
    const parsed: unknown = JSON.parse(signingKey);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Jwk).kty === 'string') {
      jwk = parsed as Jwk;
    }
  } catch {
    // reported below
  }
  if (!jwk) {
    r.problem('MCP_AUTH_SIGNING_KEY', 'is not a valid JWK (JSON with a kty)');
    return;
  }
  if (jwk.d === undefined) {
    r.problem('MCP_AUTH_SIGNING_KEY', 'must be a private key (the JWK has no "d")');
  }
  const jwkAlg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  if (jwkAlg !== undefined && !isJwsAlgorithm(jwkAlg)) {
    r.problem('MCP_AUTH_SIGNING_KEY', 'has an alg this library does not support');
  } else if (
    jwkAlg !== undefined &&
    signing.signingAlg !== undefined &&
    jwkAlg !== signing.signingAlg
  ) {
    r.problem('MCP_AUTH_SIGNING_ALG', 'differs from the alg of MCP_AUTH_SIGNING_KEY');
  }
  const inferred =
    jwk.kty === 'EC' && jwk.crv === 'P-256'
      ? 'ES256'
      : jwk.kty === 'EC' && jwk.crv === 'P-384'
        ? 'ES384'
        : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
          ? 'EdDSA'
          : undefined;
  if (signing.signingAlg === undefined && signing.rawAlg === undefined) {
    signing.signingAlg = (jwkAlg !== undefined && isJwsAlgorithm(jwkAlg) ? jwkAlg : inferred) as
      | JwsAlgorithm
      | undefined;
    if (signing.signingAlg === undefined) {
      r.problem(
        'MCP_AUTH_SIGNING_ALG',
        'is required: the JWK has no alg and its type allows several',
      );
    }
  }
}

/** `MCP_AUTH_SIGNING_KEY`, a PKCS#8 PEM or a JWK; may settle the algorithm. */
function readSigningKey(r: EnvReader, signing: Signing): string | undefined {
  let signingKey = r.read('MCP_AUTH_SIGNING_KEY');
  if (signingKey !== undefined) {
    // PEMs pasted into .env files often carry literal "\n".
    if (signingKey.startsWith('-----BEGIN')) {
      signingKey = signingKey.replace(/\\n/g, '\n').trim();
      if (!/^-----BEGIN PRIVATE KEY-----\r?\n[\s\S]+-----END PRIVATE KEY-----$/.test(signingKey)) {
        r.problem('MCP_AUTH_SIGNING_KEY', 'a PEM must be a PKCS#8 private key (BEGIN PRIVATE KEY)');
      }
      if (signing.rawAlg === undefined) {
        r.problem('MCP_AUTH_SIGNING_ALG', 'is required with a PEM MCP_AUTH_SIGNING_KEY');
      }
    } else if (signingKey.startsWith('{')) {
      checkJwkSigningKey(r, signingKey, signing);
    } else {
      r.problem('MCP_AUTH_SIGNING_KEY', 'must be a JWK (JSON) or a PKCS#8 PEM');
    }
    const { signingAlg } = signing;
    if (signingAlg !== undefined && ALGORITHMS[signingAlg].family === 'oct') {
      r.problem('MCP_AUTH_SIGNING_ALG', `${signingAlg} uses JWT_SECRET, not MCP_AUTH_SIGNING_KEY`);
    }
  } else if (signing.signingAlg !== undefined && ALGORITHMS[signing.signingAlg].family !== 'oct') {
    r.problem('MCP_AUTH_SIGNING_KEY', `is required for ${signing.signingAlg}`);
  }
  return signingKey;
}

/**
 * The access-token signing variables: `MCP_AUTH_SIGNING_ALG`, `JWT_SECRET` (long enough for
 * its HMAC algorithm) and `MCP_AUTH_SIGNING_KEY`, consistent with each other.
 */
function readSigning(r: EnvReader) {
  const rawAlg = r.read('MCP_AUTH_SIGNING_ALG');
  const signing: Signing = { rawAlg, signingAlg: undefined };
  if (rawAlg !== undefined) {
    if (isJwsAlgorithm(rawAlg)) signing.signingAlg = rawAlg;
    else
      r.problem(
        'MCP_AUTH_SIGNING_ALG',
        'must be one of HS256, HS384, HS512, RS256, PS256, ES256, ES384, EdDSA',
      );
  }
  const jwtSecret = r.read('JWT_SECRET');
  const signingKey = readSigningKey(r, signing);
  let { signingAlg } = signing;
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
      r.problem(
        'JWT_SECRET',
        `must be at least ${min} bytes for ${alg} (generate one with \`mcp-auth keys generate\` or openssl rand -base64 32)`,
      );
    }
  } else if (
    signingAlg !== undefined &&
    ALGORITHMS[signingAlg].family === 'oct' &&
    signingKey === undefined
  ) {
    r.problem('JWT_SECRET', `is required for ${signingAlg}`);
  }
  return { jwtSecret, signingAlg, signingKey };
}

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
  const r = new EnvReader(env);
  const upstream = readUpstream(r);
  const issuer = r.url('MCP_AUTH_ISSUER', 'issuer');
  const resourceUrl = r.url('MCP_AUTH_RESOURCE_URL', 'resource');
  checkUpstream(r, upstream.clientId, upstream.clientSecret);
  const scopes = readScopes(r);
  const { jwtSecret, signingAlg, signingKey } = readSigning(r);
  const trustedIdp = readTrustedIdp(r);
  const dpopRequired = readFlag(r, 'MCP_AUTH_DPOP_REQUIRED');

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  const config: OAuthConfig = {};
  const set = <K extends keyof OAuthConfig>(key: K, value: OAuthConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  set('clientId', upstream.clientId);
  set('clientSecret', upstream.clientSecret);
  set('authorizationEndpoint', upstream.authorizationEndpoint);
  set('tokenEndpoint', upstream.tokenEndpoint);
  set('userinfoEndpoint', upstream.userinfoEndpoint);
  set('jwksUri', upstream.jwksUri);
  set('upstreamIssuer', upstream.upstreamIssuer);
  set('scopes', scopes ? Object.freeze(scopes) : undefined);
  set('jwtSecret', jwtSecret);
  set('issuer', issuer);
  set('resourceUrl', resourceUrl);
  set('signingAlg', signingAlg);
  set('signingKey', signingKey);
  set('trustedIdpIssuer', trustedIdp.issuer);
  set('trustedIdpJwks', trustedIdp.jwks);
  set('dpopRequired', dpopRequired);
  return config;
}

/** A yes/no variable: `1`/`true`/`yes` or `0`/`false`/`no` (any case). */
function readFlag(r: EnvReader, name: ConfigEnvVar): boolean | undefined {
  const value = r.read(name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === '1' || value === 'true' || value === 'yes') return true;
  if (value === '0' || value === 'false' || value === 'no') return false;
  r.problem(name, 'must be 1/true/yes or 0/false/no');
  return undefined;
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
