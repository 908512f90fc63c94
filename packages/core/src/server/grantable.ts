import type { Identity } from '../domain/identity.js';

/**
 * What a client may ever get for a user (the access token's `mcp_grantable_scopes`): the scopes
 * the client registered (`scope` at registration, when it limited them) that the user's
 * grantable scopes cover — exactly what `/authorize` and the jwt-bearer grant let it request
 * (a registered scope, by name) and the user may hold (through wildcards or the scope hierarchy).
 * Without the cap a call needing a scope the client can never hold gets a 403 step-up that
 * cannot succeed (the retry is `invalid_scope`, or capped again) instead of a refusal inside MCP
 * (`scope_not_grantable`). One rule for the authorization-code flow and the jwt-bearer grant.
 */
export function grantableForClient(
  covers: { coversScope(granted: readonly string[], scope: string): boolean },
  client: { readonly scope?: string | undefined },
  identity: Identity,
): Identity {
  const registered = client.scope?.split(' ').filter(Boolean);
  if (registered === undefined) return identity;
  const user = identity.grantableScopes;
  const capped = new Set(registered.filter((s) => covers.coversScope(user, s)));
  return { ...identity, grantableScopes: [...capped], clientScopes: registered };
}
