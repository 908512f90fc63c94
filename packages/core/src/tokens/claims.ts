/**
 * The access-token claim listing every scope the user may be granted (the identity's
 * `grantableScopes`), so that the MCP guard can tell a step-up that can succeed from one that
 * never will.
 */
export const GRANTABLE_SCOPES_CLAIM = 'mcp_grantable_scopes';
