import type { UpstreamTokens } from '../domain/identity.js';
import { type StoreValue, storeCall } from '../store/store.js';
import type { TokenContext } from './context.js';
import { STORE_KEYS } from '../store/keys.js';

/** The upstream IdP's tokens as stored: sealed to the grant, or plain without a key. */
export async function sealUpstream(
  ctx: TokenContext,
  tokens: UpstreamTokens,
  grantId: string,
): Promise<StoreValue> {
  const plain: Record<string, StoreValue> = {};
  for (const [k, v] of Object.entries(tokens)) if (v !== undefined) plain[k] = v as StoreValue;
  if (typeof plain['accessToken'] !== 'string') {
    throw new TypeError('issueAuthorizationCode: upstreamTokens.accessToken must be a string');
  }
  return ctx.seal ? ctx.seal.seal(JSON.stringify(plain), grantId) : plain;
}

/** Opens a stored upstream record; undefined when it is not openable. @internal */
export async function openUpstream(
  ctx: TokenContext,
  value: StoreValue,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  if (ctx.seal) {
    if (typeof value !== 'string') return undefined;
    const text = await ctx.seal.open(value, grantId);
    if (text === undefined) return undefined;
    return JSON.parse(text) as UpstreamTokens;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as unknown as UpstreamTokens;
}

/** The upstream tokens of a live grant; undefined when absent, revoked or not openable. */
export async function getUpstreamTokens(
  ctx: TokenContext,
  grantId: string,
): Promise<UpstreamTokens | undefined> {
  if (typeof grantId !== 'string' || grantId.length === 0) return undefined;
  const [value, revoked] = await storeCall(
    ctx.store.getMany([STORE_KEYS.upstream(grantId), STORE_KEYS.revokedGrant(grantId)]),
  );
  if (value === undefined || revoked !== undefined) return undefined;
  return openUpstream(ctx, value, grantId);
}
