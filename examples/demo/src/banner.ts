import type { RunningDemo } from './app.js';
import { DEMO_PASSWORD, DEMO_USERS } from './users.js';

/** What the demo prints on startup: where it is, who can log in, how to connect. Never a secret. */
export function formatBanner(demo: RunningDemo): string {
  const mcp = demo.mcpUrl;
  const lines = [
    '',
    `mcp-auth demo listening on ${demo.host}:${demo.port}`,
    '',
    `  MCP endpoint      ${mcp}`,
    `  Issuer            ${demo.issuer}`,
    `  Metadata          ${demo.authServer.resourceMetadataUrl}`,
    `  Store             ${demo.storeKind === 'redis' ? 'Redis (MCP_AUTH_REDIS_URL)' : 'in memory (set MCP_AUTH_REDIS_URL for Redis)'}`,
    `  Signing           ${
      demo.signing === 'jwt-secret'
        ? 'HS256 with JWT_SECRET'
        : 'HS256 with a random per-process secret: tokens die with the process (set JWT_SECRET to keep them)'
    }`,
    '',
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
    'Connect:',
    `  MCP Inspector     npx @modelcontextprotocol/inspector   → Transport "Streamable HTTP", URL ${mcp}`,
    `  mcp-remote        npx mcp-remote ${mcp}`,
    `  Claude Code       claude mcp add --transport http demo ${mcp}`,
    `  SDK client        pnpm --filter ./examples/demo client${mcp === 'http://localhost:3000/mcp' ? '' : ` ${mcp}`}`,
    '',
    'Tools: get_weather (mcp:tools:read), send_email (mcp:tools:write),',
    '       delete_user (mcp:tools:admin + role admin), whoami, oauth_introspect',
    'One log line per authorization decision follows. Ctrl+C stops.',
    '',
  );
  return lines.join('\n');
}
