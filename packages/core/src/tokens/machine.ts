import { generateRandomToken } from '../encoding/random.js';
import { checkScopes } from '../policy/scopes.js';
import { GRANTABLE_SCOPES_CLAIM, PRINCIPAL_CLAIM } from './claims.js';
import type { TokenContext } from './context.js';
import { mint } from './mint.js';
import type { IssueClientCredentialsTokenInput, TokenResponse } from './types.js';

/**
 * An access token for a machine client (OAuth 2.1 §4.2, the client credentials grant): no user,
 * the client is the subject (`sub` = `client_id`) and `mcp_principal: "client"` marks it as a
 * machine principal. A new grant of its own (so `revokeGrant` revokes it), never a refresh
 * token (OAuth 2.1 §4.2.2). `mcp_grantable_scopes` lists the scopes the client may ever hold,
 * so a resource server answers a call needing more with a denial, not a step-up that cannot
 * succeed. Inputs come from the grant handler, already checked: a bad one is a TypeError.
 */
export async function issueClientCredentialsToken(
  ctx: TokenContext,
  input: IssueClientCredentialsTokenInput,
): Promise<TokenResponse> {
  const where = 'issueClientCredentialsToken';
  const clientId = input?.clientId;
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError(`${where}: clientId must be a non-empty string`);
  }
  const resource = input.resource;
  if (typeof resource !== 'string' || !URL.canParse(resource)) {
    throw new TypeError(`${where}: resource must be an absolute URL`);
  }
  const scopes = checkScopes(input.scopes, `${where}: scopes`);
  const grantable = checkScopes(input.grantableScopes ?? scopes, `${where}: grantableScopes`);
  return mint(
    ctx,
    {
      grantId: generateRandomToken(16),
      clientId,
      sub: clientId,
      grantScopes: scopes,
      resource,
      claims: {
        [PRINCIPAL_CLAIM]: 'client',
        [GRANTABLE_SCOPES_CLAIM]: [...new Set(grantable)].sort(),
      },
      hasUpstream: false,
      dpop: input.dpop,
    },
    scopes,
    false,
  );
}
