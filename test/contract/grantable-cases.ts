// A client registered (RFC 7591 `scope`) for less than its user may hold, with the official MCP
// SDK v2 client through a mount: the token's mcp_grantable_scopes is capped by the registration,
// so a tool needing a scope the client can never request is refused inside MCP
// (`scope_not_grantable`, worded as the client's limit) — no 403 step-up whose retry would fail
// with invalid_scope, no second authorization. Core's scope-not-grantable.test.ts holds the
// unit cases; this proves an adapter carries the claim and the decision unchanged.
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { MemoryStore } from '@mcp-auth/core';
// The public `@mcp-auth/core/testing` entry, by path (as suite.ts: the root tsconfig maps only
// `@mcp-auth/core` to source).
import { authorizeWithForms } from '../../packages/core/src/testing/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  PASSWORD,
  READ,
  TestClock,
  WRITE,
} from './fixtures.js';
import { MemoryOAuthClientProviderV2 } from './oauth-client.js';
import type { ContractMount, MountContract } from './suite.js';

const REDIRECT = 'http://127.0.0.1:7777/callback';
const CLIENT_ID = 'contract-narrow-client';

const text = (result: unknown) =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((c) => c.text ?? '')
    .join('');

/** Registers the narrow-registration case for one mount. */
export function defineGrantableCases(name: string, mount: MountContract): void {
  describe(`${name}: a client registered for less than its user gets scope_not_grantable, not a useless step-up (v2 client)`, () => {
    const clock = new TestClock();
    const policy = createContractPolicy();
    let m: ContractMount;

    beforeAll(async () => {
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore({ now: clock.now }), clock, {
            // Registered for read only (the SDK's own registration asks for every supported
            // scope, so the narrow client is pre-registered).
            clients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT], scope: READ }],
          }),
        ),
      );
    });
    afterAll(async () => {
      await m?.close();
    });

    it('bob (read + write) through a client registered for read: send_email is refused inside MCP, one authorization only', async () => {
      const provider = new MemoryOAuthClientProviderV2({
        redirectUrl: REDIRECT,
        client: { client_id: CLIENT_ID, issuer: m.issuer },
      });
      const open = () => {
        const client = new ClientV2({ name: 'contract-grantable', version: '1.0.0' });
        const transport = new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
          authProvider: provider,
          onInsufficientScope: 'reauthorize',
        });
        return { client, transport };
      };
      const first = open();
      await expect(first.client.connect(first.transport)).rejects.toThrow();
      // The SDK asks for every scope the resource supports; this client asks for what it
      // registered (a narrower request is the client's choice, RFC 6749 §3.3).
      const url = new URL(provider.lastAuthorizationUrl!);
      url.searchParams.set('scope', READ);
      const login = await authorizeWithForms({
        fetch: (request) => fetch(request),
        authorizationUrl: url,
        username: 'bob',
        password: PASSWORD,
      });
      expect(login.error).toBeUndefined();
      await first.transport.finishAuth(login.redirect.searchParams);
      expect(provider.tokens()?.scope?.split(' ')).toEqual([READ]);
      const { client, transport } = open();
      await client.connect(transport);
      try {
        expect(
          text(await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } })),
        ).toBe('Sunny in Oslo');
        const refused = await client.callTool({ name: 'send_email', arguments: { to: 'x' } });
        expect(refused.isError).toBe(true);
        expect(text(refused)).toBe(
          `Access denied (scope_not_grantable): rule "default-write" requires scope ${WRITE}; this client is not registered for ${WRITE}, so signing in again would not help`,
        );
        // No step-up was offered: the client never went back to /authorize.
        expect(provider.authorizationUrls).toHaveLength(1);
      } finally {
        await client.close();
      }
    });
  });
}
