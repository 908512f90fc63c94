import {
  type AuthorizationServer,
  createAuthorizationServer,
  DEMO_USERS,
  DevIdentityProvider,
  type PolicyEngine,
} from '@mcp-auth/core';

/** Options of {@link createExampleAuthorizationServer}. */
export interface ExampleAuthorizationServerOptions {
  /** The public origin: the issuer; the MCP endpoint (the token audience) is `<url>/mcp`. */
  readonly url: string;
  /** The policy the MCP endpoint enforces (its scopes are the ones clients may ask for). */
  readonly policy: PolicyEngine;
  /** The HS256 secret (≥ 32 bytes) tokens are signed with. */
  readonly signingKey: string;
}

/**
 * The embedded OAuth 2.1 + PKCE authorization server of every example, ready to serve:
 * `createAuthorizationServer({ issuer: url, resource: \`${url}/mcp\`, signingKey, policy,
 * identityProvider: new DevIdentityProvider({ users: DEMO_USERS }), clientIdMetadataDocuments:
 * true })` (alice, bob, carol; password `demo`: development only).
 */
export async function createExampleAuthorizationServer(
  options: ExampleAuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const server = createAuthorizationServer({
    issuer: options.url,
    resource: `${options.url}/mcp`,
    signingKey: options.signingKey,
    policy: options.policy,
    identityProvider: new DevIdentityProvider({ users: DEMO_USERS }),
    // Client ID Metadata Documents (an https URL as client_id, the 2026-07-28 spec's preferred
    // registration), next to dynamic registration. Nothing is fetched until a client uses one.
    clientIdMetadataDocuments: true,
  });
  await server.ready();
  return server;
}
