import { ConfigError, loadConfigFromEnv, type OAuthConfig } from '@mcp-auth/core';
import type { Jwks } from '@mcp-auth/core/jwt';
import { parseAgentJwks } from './machine-clients.js';
import { ROLE_SCOPES } from './users.js';

/**
 * The demo's environment settings, read and checked in one place. Every problem is reported
 * at once, naming the variable (never echoing a secret).
 */

/** Upstream IdP settings (proxy mode), from the `OAUTH_*` variables. */
export interface UpstreamSettings {
  /** `OAUTH_ISSUER`: OIDC / RFC 8414 discovery from this issuer. */
  readonly issuer: string | undefined;
  /** `OAUTH_AUTH_ENDPOINT` (configured mode, e.g. GitHub). */
  readonly authorizationEndpoint: string | undefined;
  /** `OAUTH_TOKEN_ENDPOINT`. */
  readonly tokenEndpoint: string | undefined;
  /** `OAUTH_USERINFO_ENDPOINT`. */
  readonly userinfoEndpoint: string | undefined;
  /** `OAUTH_JWKS_URI`. */
  readonly jwksUri: string | undefined;
  /** `OAUTH_CLIENT_ID`. */
  readonly clientId: string;
  /** `OAUTH_CLIENT_SECRET`. */
  readonly clientSecret: string | undefined;
  /** `OAUTH_SCOPES` (space-separated), requested upstream. */
  readonly scopes: readonly string[] | undefined;
  /** `OAUTH_ROLE_CLAIM`: the upstream claim holding the user's role. Default `role`. */
  readonly roleClaim: string;
  /** `OAUTH_DEFAULT_ROLE`: the role of users whose claim is missing. Default `viewer`. */
  readonly defaultRole: string;
}

/** Everything the demo reads from the environment. */
export interface DemoSettings {
  /** `HOST`, default `127.0.0.1`. */
  readonly host: string;
  /** `PORT`, default 3000 (`0`: any free port). */
  readonly port: number;
  /** `MCP_AUTH_ISSUER`: the public origin when behind a proxy. */
  readonly issuer: string | undefined;
  /** `JWT_SECRET` (≥ 32 bytes) for HS256; absent → a random per-process secret. */
  readonly jwtSecret: string | undefined;
  /** `MCP_AUTH_REDIS_URL`: use Redis instead of memory. */
  readonly redisUrl: string | undefined;
  /** Proxy mode when `OAUTH_CLIENT_ID` is set. */
  readonly upstream: UpstreamSettings | undefined;
  /** `DEMO_AGENT_SECRET`: the `demo-agent` machine client's secret; absent → generated at start. */
  readonly agentSecret: string | undefined;
  /** `DEMO_AGENT_JWKS`: the `demo-agent-jwt` client's public keys (JWKS JSON); absent → no such client. */
  readonly agentJwks: Jwks | undefined;
  /**
   * A trusted enterprise IdP (`MCP_AUTH_TRUSTED_IDP_ISSUER` + `MCP_AUTH_TRUSTED_IDP_JWKS`, read
   * by core's `loadConfigFromEnv`): its ID-JAGs naming a demo user, presented by `demo-agent`.
   */
  readonly trustedIdp: TrustedIdpSettings | undefined;
  /** `MCP_AUTH_DPOP_REQUIRED` (read by core's `loadConfigFromEnv`): every client must use DPoP. */
  readonly dpopRequired: boolean | undefined;
}

/** A trusted enterprise IdP of the demo (enterprise-managed authorization, ID-JAG). */
export interface TrustedIdpSettings {
  /** `MCP_AUTH_TRUSTED_IDP_ISSUER`. */
  readonly issuer: string;
  /** `MCP_AUTH_TRUSTED_IDP_JWKS`, parsed (public keys only). */
  readonly jwks: Jwks;
}

/** Thrown when the environment is unusable; `problems` names each variable. */
export class DemoConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DemoConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/**
 * Reads and checks the demo's settings: core's `loadConfigFromEnv` for the shared variables
 * (`OAUTH_*`, `JWT_SECRET`, `MCP_AUTH_ISSUER`, `MCP_AUTH_TRUSTED_IDP_*`, `MCP_AUTH_DPOP_REQUIRED`), plus the demo's own (`PORT`, `HOST`,
 * `MCP_AUTH_REDIS_URL`, `OAUTH_ROLE_CLAIM`,
 * `OAUTH_DEFAULT_ROLE`, `DEMO_AGENT_SECRET`, `DEMO_AGENT_JWKS`). Throws one
 * {@link DemoConfigError} listing every problem.
 */
export function readDemoSettings(env: Env): DemoSettings {
  const problems: string[] = [];
  let config: OAuthConfig = {};
  try {
    config = loadConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `${p.variable} ${p.message}`));
  }
  const port = value(env, 'PORT') ?? '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    problems.push('PORT must be a port number from 0 to 65535');
  }
  const redisUrl = value(env, 'MCP_AUTH_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('MCP_AUTH_REDIS_URL must start with redis:// or rediss://');
  }
  const defaultRole = value(env, 'OAUTH_DEFAULT_ROLE') ?? 'viewer';
  if (!ROLE_SCOPES[defaultRole]) {
    problems.push(`OAUTH_DEFAULT_ROLE must be one of ${Object.keys(ROLE_SCOPES).join(', ')}`);
  }
  const agentSecret = value(env, 'DEMO_AGENT_SECRET');
  if (agentSecret !== undefined && agentSecret.length < 16) {
    problems.push('DEMO_AGENT_SECRET must be at least 16 characters');
  }
  const jwksText = value(env, 'DEMO_AGENT_JWKS');
  const agentJwks = jwksText === undefined ? undefined : parseAgentJwks(jwksText);
  if (agentJwks !== undefined && 'problem' in agentJwks) problems.push(agentJwks.problem);
  if (config.trustedIdpIssuer !== undefined && config.clientId !== undefined) {
    problems.push(
      'MCP_AUTH_TRUSTED_IDP_ISSUER maps ID-JAGs to the local demo users: it cannot be combined with OAUTH_CLIENT_ID (proxy mode)',
    );
  }
  if (problems.length > 0) throw new DemoConfigError(problems);

  const upstream: UpstreamSettings | undefined =
    config.clientId === undefined
      ? undefined
      : {
          issuer: config.upstreamIssuer,
          authorizationEndpoint: config.authorizationEndpoint,
          tokenEndpoint: config.tokenEndpoint,
          userinfoEndpoint: config.userinfoEndpoint,
          jwksUri: config.jwksUri,
          clientId: config.clientId,
          clientSecret: config.clientSecret,
          scopes: config.scopes,
          roleClaim: value(env, 'OAUTH_ROLE_CLAIM') ?? 'role',
          defaultRole,
        };
  return {
    host: value(env, 'HOST') ?? '127.0.0.1',
    port: Number(port),
    issuer: config.issuer,
    jwtSecret: config.jwtSecret,
    redisUrl,
    upstream,
    agentSecret,
    agentJwks: agentJwks !== undefined && 'jwks' in agentJwks ? agentJwks.jwks : undefined,
    trustedIdp:
      config.trustedIdpIssuer !== undefined && config.trustedIdpJwks !== undefined
        ? { issuer: config.trustedIdpIssuer, jwks: config.trustedIdpJwks }
        : undefined,
    dpopRequired: config.dpopRequired,
  };
}
