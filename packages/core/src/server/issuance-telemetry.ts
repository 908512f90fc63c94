import { decodeJwt } from '../jwt/decode.js';
import type { AuditEventType, AuditRecorder } from '../observability/audit.js';
import {
  ATTRIBUTES,
  COUNTER_NAMES,
  type Instrumentation,
  runInSpan,
  SPAN_NAMES,
} from '../observability/instrumentation.js';
import type { TokenResponse } from '../tokens/types.js';

/** Where the token endpoint reports an issuance. */
export interface IssuanceObservers {
  readonly instrumentation?: Instrumentation | undefined;
  readonly audit?: AuditRecorder | undefined;
}

/**
 * Runs one grant in a `mcp_auth.token.issue` span; on success counts `mcp_auth.tokens.issued`
 * by grant type and records `token.issued` (`token.refreshed` for `refresh_token`) with the
 * subject, client, grant id and scopes read from the access token we just minted. The token
 * itself goes nowhere.
 */
export async function observeIssuance(
  observers: IssuanceObservers,
  grantType: string,
  clientId: string,
  issue: () => Promise<TokenResponse>,
): Promise<TokenResponse> {
  const { instrumentation, audit } = observers;
  if (instrumentation === undefined && audit === undefined) return issue();
  const attributes = { [ATTRIBUTES.grantType]: grantType, [ATTRIBUTES.clientId]: clientId };
  const traced = await runInSpan(
    instrumentation,
    SPAN_NAMES.tokenIssue,
    { attributes },
    async (span) => {
      const body = await issue();
      const claims = ownClaims(body.access_token);
      if (claims.sub !== undefined) span.setAttribute(ATTRIBUTES.subject, claims.sub);
      return { body, claims, traceId: span.traceId };
    },
  );
  instrumentation?.count(COUNTER_NAMES.tokensIssued, { [ATTRIBUTES.grantType]: grantType });
  const type: AuditEventType = grantType === 'refresh_token' ? 'token.refreshed' : 'token.issued';
  audit?.record({
    type,
    subject: traced.claims.sub,
    clientId,
    grantId: traced.claims.grantId,
    grantType,
    scopes: typeof traced.body.scope === 'string' ? traced.body.scope.split(' ') : undefined,
    traceId: traced.traceId,
  });
  return traced.body;
}

// `sub` and `grant_id` of an access token this server just signed (decoded, not verified).
function ownClaims(token: unknown): { sub?: string; grantId?: string } {
  if (typeof token !== 'string') return {};
  try {
    const { payload } = decodeJwt(token, { maxTokenLength: 64 * 1024 });
    return {
      ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
      ...(typeof payload['grant_id'] === 'string' ? { grantId: payload['grant_id'] } : {}),
    };
  } catch {
    return {};
  }
}
