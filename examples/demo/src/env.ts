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

/** Reads and checks the demo's settings; throws {@link DemoConfigError} listing every problem. */
export function readDemoSettings(env: Env): DemoSettings {
  const problems: string[] = [];
  const port = value(env, 'PORT') ?? '3000';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    problems.push('PORT must be a port number from 0 to 65535');
  }
  const issuer = value(env, 'MCP_AUTH_ISSUER');
  if (issuer !== undefined && !URL.canParse(issuer)) {
    problems.push('MCP_AUTH_ISSUER must be an absolute URL such as https://mcp.example.com');
  }
  const jwtSecret = env['JWT_SECRET'];
  if (
    jwtSecret !== undefined &&
    jwtSecret !== '' &&
    new TextEncoder().encode(jwtSecret).length < 32
  ) {
    problems.push('JWT_SECRET must be at least 32 bytes (try: openssl rand -base64 32)');
  }
  const redisUrl = value(env, 'MCP_AUTH_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('MCP_AUTH_REDIS_URL must start with redis:// or rediss://');
  }

  let upstream: UpstreamSettings | undefined;
  const clientId = value(env, 'OAUTH_CLIENT_ID');
  const anyUpstream = Object.keys(env).some((k) => k.startsWith('OAUTH_') && value(env, k));
  if (anyUpstream && clientId === undefined) {
    problems.push('OAUTH_CLIENT_ID is required when any OAUTH_* variable is set (proxy mode)');
  }
  if (clientId !== undefined) {
    const authorizationEndpoint = value(env, 'OAUTH_AUTH_ENDPOINT');
    const tokenEndpoint = value(env, 'OAUTH_TOKEN_ENDPOINT');
    const upstreamIssuer = value(env, 'OAUTH_ISSUER');
    if (upstreamIssuer === undefined && authorizationEndpoint === undefined) {
      problems.push(
        'proxy mode needs OAUTH_ISSUER (discovery) or OAUTH_AUTH_ENDPOINT and OAUTH_TOKEN_ENDPOINT',
      );
    }
    if (authorizationEndpoint !== undefined && tokenEndpoint === undefined) {
      problems.push('OAUTH_TOKEN_ENDPOINT is required with OAUTH_AUTH_ENDPOINT');
    }
    for (const name of [
      'OAUTH_ISSUER',
      'OAUTH_AUTH_ENDPOINT',
      'OAUTH_TOKEN_ENDPOINT',
      'OAUTH_USERINFO_ENDPOINT',
      'OAUTH_JWKS_URI',
    ]) {
      const v = value(env, name);
      if (v !== undefined && !v.startsWith('https://'))
        problems.push(`${name} must be an https:// URL`);
    }
    const defaultRole = value(env, 'OAUTH_DEFAULT_ROLE') ?? 'viewer';
    if (!ROLE_SCOPES[defaultRole]) {
      problems.push(`OAUTH_DEFAULT_ROLE must be one of ${Object.keys(ROLE_SCOPES).join(', ')}`);
    }
    const scopes = value(env, 'OAUTH_SCOPES')?.split(/\s+/).filter(Boolean);
    upstream = {
      issuer: upstreamIssuer,
      authorizationEndpoint,
      tokenEndpoint,
      userinfoEndpoint: value(env, 'OAUTH_USERINFO_ENDPOINT'),
      jwksUri: value(env, 'OAUTH_JWKS_URI'),
      clientId,
      clientSecret: value(env, 'OAUTH_CLIENT_SECRET'),
      scopes,
      roleClaim: value(env, 'OAUTH_ROLE_CLAIM') ?? 'role',
      defaultRole,
    };
  }
  if (problems.length > 0) throw new DemoConfigError(problems);
  return {
    host: value(env, 'HOST') ?? '127.0.0.1',
    port: Number(port),
    issuer,
    jwtSecret: jwtSecret ? jwtSecret : undefined,
    redisUrl,
    upstream,
  };
}
