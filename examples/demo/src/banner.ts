import type { RunningDemo } from './app.js';
import { DEMO_AGENT_ID, DEMO_AGENT_JWT_ID, MACHINE_SCOPE } from './machine-clients.js';
import { DEMO_PASSWORD, DEMO_USERS } from './users.js';

/**
 * How to run the repository's scripts with only Node.js and npm (no global pnpm needed): the
 * pnpm version of `packageManager`, fetched by npx. With pnpm installed, `pnpm …` is the same.
 */
export const PNPM = 'npx -y pnpm@10.34.9';

/**
 * The other loopback spellings, and which client cannot use one: mcp-remote (0.15) accepts plain
 * `http://` only for `localhost` and `127.0.0.1`, and will not open an IPv6 URL in the browser.
 */
function formatAliases(aliases: readonly string[]): string | undefined {
  const plain = aliases.filter((url) => !url.includes('['));
  const ipv6 = aliases.filter((url) => url.includes('['));
  const parts: string[] = [];
  if (plain.length > 0)
    parts.push(`${plain.join(' and ')} ${plain.length > 1 ? 'work' : 'works'} too`);
  if (ipv6.length > 0) {
    const works = plain.length > 0 ? '' : ` ${ipv6.length > 1 ? 'work' : 'works'} too`;
    parts.push(`${ipv6.join(' and ')}${works} with every client but mcp-remote`);
  }
  return parts.length > 0 ? parts.join(', and ') : undefined;
}

/**
 * What the demo prints on startup: its first line is exactly the URL MCP clients must use;
 * then who can log in and how to connect. Never a secret, but for `demo-agent`'s generated one
 * (see {@link machineClientLines}).
 */
export function formatBanner(demo: RunningDemo): string {
  const mcp = demo.mcpUrl;
  const aliases = formatAliases(demo.origins.slice(1).map((origin) => origin.mcpUrl));
  const lines = [
    `mcp-auth demo: connect MCP clients to ${mcp}`,
    ...(aliases ? [`  (${aliases}: each loopback spelling is served as its own issuer)`] : []),
    '',
    `  Listening on      ${demo.host.includes(':') ? `[${demo.host}]` : demo.host}:${demo.port}`,
    `  MCP endpoint      ${mcp}`,
    `  Issuer            ${demo.issuer}`,
    `  Metadata          ${demo.authServer.resourceMetadataUrl}`,
    `  Store             ${demo.storeKind === 'redis' ? 'Redis (MCP_AUTH_REDIS_URL)' : 'in memory: registered clients are forgotten on restart (set MCP_AUTH_REDIS_URL for Redis)'}`,
    `  Signing           ${
      demo.signing === 'jwt-secret'
        ? 'HS256 with JWT_SECRET'
        : 'HS256 with a random per-process secret: tokens die with the process (set JWT_SECRET to keep them)'
    }`,
    `  DPoP              ${
      demo.dpopRequired
        ? 'required (MCP_AUTH_DPOP_REQUIRED): Bearer tokens are refused at /mcp'
        : 'accepted: a client with a DPoP key gets bound tokens (MCP_AUTH_DPOP_REQUIRED=1 requires it)'
    }`,
    ...demo.observability.map((line) => `  ${line}`),
    '',
    ...machineClientLines(demo),
  ];
  if (demo.identity === 'dev-users') {
    lines.push(`Demo users (password "${DEMO_PASSWORD}"):`);
    for (const user of DEMO_USERS) {
      const role = String(user.attributes?.['role'] ?? '');
      lines.push(
        `  ${user.username.padEnd(6)} role ${role.padEnd(7)} scopes ${user.scopes.join(' ')}`,
      );
    }
  } else {
    lines.push('Users log in at the upstream identity provider (proxy mode, OAUTH_* variables).');
  }
  lines.push(
    '',
    'Connect (only Node.js and npm needed):',
    `  MCP Inspector     npx -y @modelcontextprotocol/inspector@2 --server-url ${mcp}`,
    "                    then switch the server's Connect toggle on and sign in in the page it opens",
    '                    (Inspector 2.x asks for Node.js >= 22.19; on Node 20 it warns and works)',
    `  mcp-remote        npx -y mcp-remote ${mcp}`,
    `  Claude Code       claude mcp add --transport http demo ${mcp}`,
    `  SDK client        ${PNPM} --filter ./examples/demo client ${mcp}`,
    '',
    'Tools: get_weather (mcp:tools:read), send_email (mcp:tools:write),',
    '       delete_user (mcp:tools:admin + role admin), whoami, oauth_introspect',
    'Rate limit: send_email 5 calls a minute per user (the 6th: rate_limited, Retry-After)',
    `Your grants: ${demo.authServer.issuer.replace(/\/+$/, '')}/grants (signed-in user; linked from the consent page)`,
    'Observability: OTEL_TRACES_EXPORTER=console (spans on stdout), OTEL_EXPORTER_OTLP_ENDPOINT',
    '       (OTLP), MCP_AUTH_AUDIT_FILE=path (hash-chained audit trail, mcp-auth audit verify path)',
    'One log line per authorization decision follows. Ctrl+C stops.',
    '',
  );
  return lines.join('\n');
}

/**
 * The machine clients (client credentials grant), and how a script uses them. No secret is ever
 * printed: a generated `demo-agent` secret is in a file only its owner can read, and the banner
 * names the file (tokens, codes and other secrets are never printed or logged either).
 */
function machineClientLines(demo: RunningDemo): string[] {
  const { agentSecretFile, agentJwks } = demo.machineClients;
  const secret = agentSecretFile === undefined ? '<secret>' : `"$(cat ${agentSecretFile})"`;
  return [
    `Machine clients (client credentials, scope ${MACHINE_SCOPE}; token endpoint ${demo.authServer.metadata().token_endpoint}):`,
    `  ${DEMO_AGENT_ID.padEnd(15)} client_secret_basic, secret ${
      agentSecretFile === undefined
        ? 'from DEMO_AGENT_SECRET'
        : `generated for this run, in ${agentSecretFile} (only you can read it; set DEMO_AGENT_SECRET to choose it)`
    }`,
    `  ${DEMO_AGENT_JWT_ID.padEnd(15)} ${
      agentJwks === undefined
        ? 'off (set DEMO_AGENT_JWKS to a JWK Set of ES256 public keys for private_key_jwt)'
        : `private_key_jwt (ES256), ${agentJwks.keys.length} key(s) from DEMO_AGENT_JWKS`
    }`,
    demo.trustedIdpIssuer === undefined
      ? '  Enterprise IdP  off (set MCP_AUTH_TRUSTED_IDP_ISSUER and MCP_AUTH_TRUSTED_IDP_JWKS for ID-JAG)'
      : `  Enterprise IdP  ${demo.trustedIdpIssuer} (MCP_AUTH_TRUSTED_IDP_*): ${DEMO_AGENT_ID} may present its ID-JAGs (jwt-bearer grant) whose sub is alice, bob or carol`,
    `  Try             curl -u ${DEMO_AGENT_ID}:${secret} -d grant_type=client_credentials ${demo.authServer.metadata().token_endpoint}`,
    '                  SDK scripts, keys and ID-JAGs: examples/demo/README.md, "Machine clients"',
    '',
  ];
}
