/**
 * The access-token claim listing every scope the user may be granted (the identity's
 * `grantableScopes`), so that the MCP guard can tell a step-up that can succeed from one that
 * never will.
 */
export const GRANTABLE_SCOPES_CLAIM = 'mcp_grantable_scopes';

/**
 * The access-token claim naming who the principal is: `"client"` for a machine client (the
 * client credentials grant: `sub` is the `client_id`, no user). Absent on a user's token. A
 * registered claim: an identity's attributes can never set it.
 */
export const PRINCIPAL_CLAIM = 'mcp_principal';

/**
 * The access-token claim listing the scopes the client registered, present when its
 * registration caps `mcp_grantable_scopes`: a `scope_not_grantable` refusal then says whether the
 * client's registration or the account is the limit. A registered claim.
 */
export const CLIENT_SCOPES_CLAIM = 'mcp_client_scopes';
