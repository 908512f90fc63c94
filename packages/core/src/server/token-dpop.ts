import { generateRandomToken } from '../encoding/random.js';
import { ServerError } from '../errors/oauth-error.js';
import type { HttpRequest } from '../http/messages.js';
import type { Store } from '../store/store.js';
import {
  checkDpopProof,
  createDpopContext,
  type DpopContext,
  type DpopOptions,
} from '../tokens/dpop.js';
import type { DpopBinding, TokenResponse } from '../tokens/types.js';
import type { ClientRecord } from './types.js';

/** DPoP at the token endpoint (RFC 9449 §5). */
export interface TokenEndpointDpop {
  /** The proof verifier, replay store and nonce source. */
  readonly context: DpopContext;
  /** This endpoint's URL as configured (issuer origin + path): every proof's `htu`. */
  readonly url: string;
}

/**
 * The DPoP key a token request proves, or `undefined` without a `DPoP` header. Runs after the
 * client authenticated and before the grant: one signature check, then the `jti` marker.
 * Rejects with 400 `invalid_dpop_proof` / `use_dpop_nonce` or 503.
 */
export async function proveTokenRequestKey(
  request: HttpRequest,
  dpop: TokenEndpointDpop | undefined,
  client: ClientRecord,
): Promise<DpopBinding | undefined> {
  if (dpop === undefined) return undefined;
  const header = request.headers.dpop;
  if (header === undefined) return undefined;
  const proof = await checkDpopProof(dpop.context, header, { method: 'POST', url: dpop.url }, 400);
  return { jkt: proof.jkt, bindRefreshToken: client.tokenEndpointAuthMethod === 'none' };
}

/**
 * Fails closed when a grant answered a proven request with an unbound token: a grant that
 * forgets to pass `dpop` to the token service must not hand out a Bearer token silently.
 */
export function assertBound(body: TokenResponse, binding: DpopBinding | undefined): void {
  if (binding !== undefined && body.token_type !== 'DPoP')
    throw new ServerError('The grant did not bind the token to the DPoP key');
}

/** The `DPoP-Nonce` header every token response carries when nonces are on (RFC 9449 §8.2). */
export async function nonceHeaders(
  dpop: TokenEndpointDpop | undefined,
): Promise<Record<string, string>> {
  const nonces = dpop?.context.nonces;
  return nonces === undefined ? {} : { 'dpop-nonce': await nonces.current() };
}

/** DPoP as the authorization server runs it, and what its resource guards need. */
export interface ServerDpop {
  readonly context: DpopContext;
  /** The options with a nonce secret fixed, so resource guards accept this server's nonces. */
  readonly options: DpopOptions;
}

/**
 * The `dpop` option of `createAuthorizationServer`: `true` or an object turns DPoP on (the
 * token endpoint binds tokens to proven keys, the metadata advertises the algorithms, and the
 * resource guards wired from this server check proofs); absent or `false` leaves it off.
 */
export function createServerDpop(
  option: boolean | DpopOptions | undefined,
  store: Store,
  now: () => number,
): ServerDpop | undefined {
  const where = 'createAuthorizationServer';
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== 'object' || option === null))
    throw new TypeError(`${where}: dpop must be true or an object`);
  const given: DpopOptions = option === true ? {} : option;
  // One secret for the server and the guards wired from it: they accept each other's nonces.
  const options: DpopOptions =
    given.nonce === true ? { ...given, nonce: { secret: generateRandomToken(32) } } : given;
  return { context: createDpopContext(options, store, now, where), options };
}
