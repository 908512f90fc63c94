import type { JwtKey } from '@mcp-auth/core';
import { decodeJwt, type JwtPayload, signJwt } from '@mcp-auth/core/jwt';
import { isValidScopeToken } from '@mcp-auth/core/policy';
import {
  generateRandomToken,
  MCP_TOOL_SCOPE_PREFIX,
  REGISTERED_ACCESS_TOKEN_CLAIMS,
} from '@mcp-auth/core/internal';
import {
  EXIT_OK,
  intOption,
  jsonObjectOption,
  parseCommand,
  scopeList,
  stringOption,
  UsageError,
} from '../args.js';
import type { Command } from '../command.js';
import { KEY_OPTIONS, KEY_OPTIONS_HELP, signingKeyFromFlags } from '../key-source.js';

/** Input of {@link mintDevToken}. */
export interface MintDevTokenOptions {
  readonly key: JwtKey;
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly clientId?: string;
  /** Lifetime in seconds (default 3600). */
  readonly ttl?: number;
  /** Extra claims (user attributes); registered claims cannot be set here. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Current time in milliseconds (default `Date.now()`). */
  readonly now?: number;
}

/**
 * Signs a development access token with the claims core's token service issues (RFC 9068):
 * `typ: at+jwt`, `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`,
 * `mcp_tool_scopes`, plus `claims`.
 */
export async function mintDevToken(
  options: MintDevTokenOptions,
): Promise<{ token: string; payload: JwtPayload }> {
  for (const name of Object.keys(options.claims ?? {})) {
    if (REGISTERED_ACCESS_TOKEN_CLAIMS.includes(name)) {
      throw new UsageError(
        `--claims cannot set the registered claim "${name}"; use the dedicated option`,
      );
    }
  }
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const payload: JwtPayload = {
    ...options.claims,
    iss: options.issuer,
    sub: options.subject,
    aud: options.audience,
    exp: iat + (options.ttl ?? 3600),
    iat,
    jti: generateRandomToken(16),
    client_id: options.clientId ?? 'mcp-auth-cli',
    scope: options.scopes.join(' '),
    mcp_tool_scopes: options.scopes.filter((s) => s.startsWith(MCP_TOOL_SCOPE_PREFIX)),
  };
  const token = await signJwt(payload, options.key, { typ: 'at+jwt' });
  return { token, payload };
}

function absoluteUrl(value: string | undefined, name: string): string {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  try {
    const url = new URL(value);
    if (url.hash !== '') throw new UsageError(`--${name} must not have a fragment`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--${name} must be an absolute URL`);
  }
  return value;
}

/** `mcp-auth token mint`. */
export const tokenMintCommand: Command = {
  path: ['token', 'mint'],
  summary: 'sign a development access token (at+jwt)',
  help: `Usage: mcp-auth token mint --sub SUBJECT --aud MCP_URL --iss ISSUER [--scopes "a b"]
                       [--claims JSON] [--ttl SECONDS] [--client-id ID] [key options] [--json]

Signs an RFC 9068 access token (typ at+jwt) with the claims the mcp-auth token service
issues: iss, sub, aud, exp, iat, jti, client_id, scope, mcp_tool_scopes, plus --claims.
The token is printed on stdout (that is the purpose of this command): do not paste it into
logs or tickets. For development and tests only.

Options:
  --sub SUBJECT       the user (sub claim), required
  --aud URL           the MCP server's resource URL (aud claim), required
  --iss URL           the issuer the server trusts (iss claim), required
  --scopes LIST       granted scopes, space- or comma-separated (e.g. "mcp:tools:read")
  --claims JSON       extra claims (user attributes), e.g. '{"role":"viewer"}'
  --ttl SECONDS       lifetime (default 3600, at most 86400)
  --client-id ID      client_id claim (default mcp-auth-cli)
${KEY_OPTIONS_HELP}
  --json              print {"token","header","payload"} instead of the bare token
  -h, --help          show this help

Examples:
  export JWT_SECRET=$(mcp-auth keys generate --json | jq -r .secret)
  mcp-auth token mint --sub alice --scopes "mcp:tools:read" \\
    --aud http://localhost:3000/mcp --iss http://localhost:3000 --claims '{"role":"viewer"}'
  mcp-auth token mint --sub carol --scopes "mcp:tools:admin" --key-file signing-key.json \\
    --aud https://mcp.example.com/mcp --iss https://auth.example.com
`,
  async run(args, { io }) {
    const { values } = parseCommand(
      args,
      {
        ...KEY_OPTIONS,
        sub: { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        scopes: { type: 'string' },
        claims: { type: 'string' },
        ttl: { type: 'string' },
        'client-id': { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 0, max: 0, names: '' },
    );
    const subject = stringOption(values, 'sub');
    if (subject === undefined || subject === '') throw new UsageError('--sub is required');
    const audience = absoluteUrl(stringOption(values, 'aud'), 'aud');
    const issuer = absoluteUrl(stringOption(values, 'iss'), 'iss');
    const scopes = scopeList(stringOption(values, 'scopes'));
    const bad = scopes.filter((s) => !isValidScopeToken(s));
    if (bad.length > 0)
      throw new UsageError('--scopes holds a value that is not an RFC 6749 §3.3 scope token');
    const claims = jsonObjectOption(values, 'claims');
    const ttl = intOption(values, 'ttl', 3600, { min: 1, max: 86_400 });
    const clientId = stringOption(values, 'client-id');
    const key = await signingKeyFromFlags(values, io);
    const { token, payload } = await mintDevToken({
      key,
      issuer,
      audience,
      subject,
      scopes,
      ttl,
      now: io.now(),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(claims !== undefined ? { claims } : {}),
    });
    if (values['json'] === true) {
      const { header } = decodeJwt(token);
      io.stdout(`${JSON.stringify({ token, header, payload }, null, 2)}\n`);
    } else {
      io.stdout(`${token}\n`);
    }
    if (io.stderrIsTTY) {
      io.stderr(
        `${key.alg} at+jwt for ${subject}, scopes "${scopes.join(' ')}", expires in ${ttl} s\n`,
      );
    }
    return EXIT_OK;
  },
};
