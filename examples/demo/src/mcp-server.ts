import type { AuthContext, PolicyEngine } from '@mcp-auth/core';
import { getAuthContext, protectMcpServer } from '@mcp-auth/sdk/v2';
import { type CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** What the `oauth://authorize` resource describes: where and how to get a token. */
export interface AuthorizeGuide {
  readonly issuer: string;
  readonly resource: string;
  readonly protectedResourceMetadata: string;
  readonly authorizationServerMetadata: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly registrationEndpoint: string | undefined;
  readonly revocationEndpoint: string | undefined;
  readonly introspectionEndpoint: string | undefined;
  readonly scopesSupported: readonly string[];
}

/** Options of {@link createDemoMcpServer}. */
export interface DemoMcpServerOptions {
  /** The policy every `tools/call` and `tools/list` is checked against. */
  policy: PolicyEngine;
  /** What the `oauth://authorize` resource tells clients. */
  guide: AuthorizeGuide;
  /** Called with the tool's name each time a tool body runs (tests count side effects). */
  onToolRun?: (tool: string) => void;
}

// Schemas are built once and shared by every request's server (createMcpHandler builds one
// McpServer per request: stateless, nothing rides on a session).
const weatherInput = z.object({
  city: z.string().min(1).max(100).describe('A city name, e.g. "Lisbon"'),
});
const emailInput = z.object({
  to: z.string().min(3).max(254).describe('Recipient address'),
  subject: z.string().max(200).describe('Subject line'),
  body: z.string().max(10_000).describe('Plain-text body'),
});
// The name is trimmed and lower-cased before the policy's `no-self-delete` rule sees it: the
// rule is decided on the arguments the tool receives, so " Carol" is carol too.
const deleteInput = z.object({
  username: z.string().trim().toLowerCase().min(1).max(128).describe('The user to delete'),
});

function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

function json(value: unknown): CallToolResult {
  return text(JSON.stringify(value, null, 2));
}

function callerOf(ctx: unknown): AuthContext {
  const auth = getAuthContext(ctx);
  // protectMcpServer refuses calls without a caller before a handler runs; this is a backstop.
  if (!auth) throw new Error('No authenticated caller');
  return auth;
}

/** A deterministic pretend forecast: the demo has no network. */
function forecast(city: string): string {
  let hash = 0;
  for (const ch of city.toLowerCase()) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  const conditions = ['sunny', 'partly cloudy', 'overcast', 'light rain', 'windy', 'foggy'];
  const temperature = (hash % 30) + 2;
  return `Weather in ${city}: ${conditions[hash % conditions.length]}, ${temperature} °C (demo data).`;
}

/** The URL template of an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 8707). */
export function authorizationUrlTemplate(guide: AuthorizeGuide): string {
  return (
    `${guide.authorizationEndpoint}?response_type=code&client_id={client_id}` +
    '&redirect_uri={redirect_uri}&scope={scope}&state={state}' +
    '&code_challenge={code_challenge}&code_challenge_method=S256' +
    `&resource=${encodeURIComponent(guide.resource)}`
  );
}

/**
 * One MCP server of the demo (MCP SDK v2), protected by the policy: tools `get_weather`,
 * `send_email`, `delete_user`, `whoami`, `oauth_introspect`, and the resource
 * `oauth://authorize`. `createMcpHandler` builds one per request, for both protocol eras.
 */
export function createDemoMcpServer(options: DemoMcpServerOptions): McpServer {
  const ran = options.onToolRun ?? (() => {});
  const server = new McpServer(
    { name: 'mcp-auth-demo', version: '0.1.0' },
    {
      instructions:
        'The mcp-auth demo server. Tools are filtered by your OAuth scopes and role; ' +
        'read oauth://authorize to learn how to authorize.',
    },
  );

  server.registerTool(
    'get_weather',
    {
      title: 'Get the weather',
      description: 'Pretend weather for a city. Needs mcp:tools:read.',
      inputSchema: weatherInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ city }) => {
      ran('get_weather');
      return text(forecast(city));
    },
  );

  server.registerTool(
    'send_email',
    {
      title: 'Send an email',
      description: 'Pretends to send an email (nothing leaves the demo). Needs mcp:tools:write.',
      inputSchema: emailInput,
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    async ({ to, subject }, ctx) => {
      const caller = callerOf(ctx);
      ran('send_email');
      return text(
        `Email "${subject}" from ${caller.userId} to ${to} queued (demo: nothing is sent).`,
      );
    },
  );

  server.registerTool(
    'delete_user',
    {
      title: 'Delete a user',
      description:
        'Pretends to delete a user account. Needs mcp:tools:admin and the role admin; ' +
        'you cannot delete yourself.',
      inputSchema: deleteInput,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ username }) => {
      ran('delete_user');
      return text(`User ${username} deleted (demo: nothing happened).`);
    },
  );

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description:
        'Your authentication context: user, client, scopes and token claims (never the token).',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (ctx) => {
      const caller = callerOf(ctx);
      return json({
        userId: caller.userId,
        // 'client' for a machine client's token (client credentials: userId is the client id).
        principal: caller.principal ?? 'user',
        clientId: caller.clientId,
        scopes: caller.scopes,
        expiresAt: caller.expiresAt,
        jti: caller.jti,
        resource: caller.resource,
        grantId: caller.grantId,
        claims: caller.claims,
      });
    },
  );

  server.registerTool(
    'oauth_introspect',
    {
      title: 'Introspect my token',
      description:
        'The claims of the access token you called with, like RFC 7662 introspection (never the token itself).',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    // The token was verified (signature, expiry, audience, revocation) before this ran.
    async (ctx) => json({ active: true, token_type: 'Bearer', ...callerOf(ctx).claims }),
  );

  const guide = options.guide;
  server.registerResource(
    'authorize',
    'oauth://authorize',
    {
      title: 'How to authorize',
      description:
        'The OAuth 2.1 metadata URLs, endpoints and authorization URL template of this server.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(
            {
              issuer: guide.issuer,
              resource: guide.resource,
              protected_resource_metadata: guide.protectedResourceMetadata,
              authorization_server_metadata: guide.authorizationServerMetadata,
              authorization_endpoint: guide.authorizationEndpoint,
              token_endpoint: guide.tokenEndpoint,
              registration_endpoint: guide.registrationEndpoint,
              revocation_endpoint: guide.revocationEndpoint,
              introspection_endpoint: guide.introspectionEndpoint,
              scopes_supported: guide.scopesSupported,
              authorization_url_template: authorizationUrlTemplate(guide),
              steps: [
                'GET the protected resource metadata, then the authorization server metadata.',
                'Register (POST registration_endpoint, RFC 7591) unless you already have a client_id.',
                'Send the user to the authorization URL with a PKCE S256 code_challenge and the resource.',
                'Exchange the code at token_endpoint with the code_verifier (grant_type=authorization_code).',
                'Call the MCP endpoint with Authorization: Bearer <access token>; refresh with grant_type=refresh_token.',
              ],
            },
            null,
            2,
          ),
        },
      ],
    }),
  );

  return protectMcpServer(server, { policy: options.policy });
}
