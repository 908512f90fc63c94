import type { FormParams } from '../../http/form.js';
import type { HttpRequest } from '../../http/messages.js';
import type { DpopBinding, TokenResponse } from '../../tokens/types.js';
import type { ClientRecord } from '../types.js';

/** What the token endpoint hands a grant after it parsed the form and authenticated the client. */
export interface GrantRequest {
  /** The request, for headers a grant needs (never read the body again: `form` has it). */
  readonly request: HttpRequest;
  /** The parsed `application/x-www-form-urlencoded` body. */
  readonly form: FormParams;
  /** The authenticated client, already checked to be registered for this grant type. */
  readonly client: ClientRecord;
  /** The RFC 8707 `resource` parameter, when sent. */
  readonly resource: string | undefined;
  /**
   * The DPoP key the request proved (RFC 9449 §5), verified before the grant runs: pass it to
   * the token service (`dpop`) so the tokens are bound to it. The endpoint refuses a grant that
   * answers a proven request with a Bearer token.
   */
  readonly dpop?: DpopBinding | undefined;
}

/**
 * One grant type of the token endpoint: turns an authenticated request into the token response
 * body, or rejects with an `OAuthError` (the endpoint renders it as RFC 6749 §5.2 JSON).
 */
export type GrantHandler = (grant: GrantRequest) => Promise<TokenResponse>;

/** The grant types a token endpoint serves, by `grant_type` value. */
export type GrantHandlers = Readonly<Record<string, GrantHandler>>;
