// Counting the policy's rate limits for tool calls: once per call, after authentication and
// authorization, before the tool runs. Fixed windows aligned to the epoch; counters in the
// policy's rate-limit store (atomic `increment` where the store has one: Redis, MemoryStore).

import type { AuthContext } from '../domain/auth-context.js';
import type { AuditRecorder } from '../observability/audit.js';
import type { HttpResponse } from '../http/messages.js';
import type { PolicyEngine } from '../policy/engine.js';
import type { RateLimitJson } from '../policy/types.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { STORE_KEYS } from '../store/keys.js';
import { MemoryStore } from '../store/memory-store.js';
import { type Store, storeCall } from '../store/store.js';
import {
  type DeniedToolResult,
  deniedCallsResponse,
  type McpEra,
  type ToolCall,
} from './json-rpc.js';

/** A call refused by a rate limit: its tool result and when to try again. */
export interface RateLimitRefusal {
  /** The id of the limit that refused the call. */
  readonly limitId: string;
  /** Whole seconds until the window that refused the call ends (≥ 1): the `Retry-After`. */
  readonly retryAfterSeconds: number;
  /** The tool result to answer with (`isError: true`, code `rate_limited`). */
  readonly result: DeniedToolResult;
}

// The process-local counters of a policy without a rate-limit store (one instance only).
const localStores = new WeakMap<PolicyEngine, Store>();

function storeOf(policy: PolicyEngine): Store {
  const configured = policy.rateLimitStore;
  if (configured !== undefined) return configured;
  let local = localStores.get(policy);
  if (local === undefined) {
    local = new MemoryStore();
    localStores.set(policy, local);
  }
  return local;
}

const SEP = '\u0000';

// What the counter of `limit` is for this call: the limit and the values of its dimensions.
function counterIdentity(limit: RateLimitJson, auth: AuthContext, tool: string): string {
  const parts = [limit.id, String(limit.limit), String(limit.windowSeconds)];
  for (const dimension of limit.per) {
    parts.push(
      dimension === 'subject'
        ? `s:${auth.userId}`
        : dimension === 'client'
          ? `c:${auth.clientId}`
          : `t:${tool}`,
    );
  }
  return parts.join(SEP);
}

// Adds one to `key` and returns the count. Counters are durable: a bounded store that is full
// refuses the write (503) instead of dropping a counter, which would reset it (fail open).
async function count(store: Store, key: string, ttlMs: number): Promise<number> {
  if (typeof store.increment === 'function') return storeCall(store.increment(key, ttlMs));
  const current = await storeCall(store.get(key));
  const next = (typeof current === 'number' ? current : 0) + 1;
  await storeCall(store.set(key, next, ttlMs));
  return next;
}

function refusal(limit: RateLimitJson, retryAfterSeconds: number): RateLimitRefusal {
  const per = limit.per.join(' and ');
  return {
    limitId: limit.id,
    retryAfterSeconds,
    result: {
      content: [
        {
          type: 'text',
          text: `Access denied (rate_limited): rate limit "${limit.id}" allows ${limit.limit} call${limit.limit === 1 ? '' : 's'} per ${limit.windowSeconds} s for each ${per}; retry after ${retryAfterSeconds} s`,
        },
      ],
      isError: true,
    },
  };
}

/**
 * Counts one call of `tool` by `auth` against every rate limit of `policy` that matches it,
 * and returns the refusal of the first limit it exceeds (or `undefined`: the call may run).
 * Windows are fixed and aligned to the epoch (a 60 s window restarts on every full minute);
 * every matching limit counts the call, also when an earlier one refused it. Rejects with
 * `TemporarilyUnavailableError` (503) when the store fails or is full: fail closed.
 *
 * The MCP guard calls it for every `tools/call` it lets through; inside the server
 * `countInServerToolCall` calls it only when no guard decided the request at the edge
 * (`isDecidedAtEdge`), so each call is counted once.
 */
export async function checkToolRateLimit(
  policy: PolicyEngine,
  auth: AuthContext,
  tool: string,
  now: number = Date.now(),
): Promise<RateLimitRefusal | undefined> {
  const limits = policy.rateLimitsFor(tool);
  if (limits.length === 0) return undefined;
  const store = storeOf(policy);
  let refused: RateLimitRefusal | undefined;
  for (const limit of limits) {
    const windowMs = limit.windowSeconds * 1000;
    const window = Math.floor(now / windowMs);
    const endsAt = (window + 1) * windowMs;
    const key = STORE_KEYS.toolRateLimit(
      await sha256Base64Url(counterIdentity(limit, auth, tool)),
      window,
    );
    // The counter lives until its window ends (plus a second for clock skew between instances).
    const n = await count(store, key, endsAt - now + 1000);
    if (n > limit.limit && refused === undefined) {
      refused = refusal(limit, Math.max(1, Math.ceil((endsAt - now) / 1000)));
    }
  }
  return refused;
}

/**
 * Counts every call of an authorized request (each once, in order) and returns the refused
 * ones, or `undefined` when none was refused. The guard calls it after the policy allowed
 * every call of the request and before anything runs, so a refused or unauthenticated request
 * never uses up a quota. Each refusal is a `rate_limited` audit event (with the request's
 * `traceId`, as its decision event has).
 * @internal
 */
export function limitToolCalls(
  policy: PolicyEngine,
  auth: AuthContext,
  calls: readonly ToolCall[],
  audit?: AuditRecorder | undefined,
  traceId?: string | undefined,
): Promise<Map<ToolCall, RateLimitRefusal> | undefined> | undefined {
  // No call a limit matches (the usual case): nothing to count, and no promise to wait for.
  if (!calls.some((call) => policy.rateLimitsFor(call.name).length > 0)) return undefined;
  return countToolCalls(policy, auth, calls, audit, traceId);
}

async function countToolCalls(
  policy: PolicyEngine,
  auth: AuthContext,
  calls: readonly ToolCall[],
  audit: AuditRecorder | undefined,
  traceId: string | undefined,
): Promise<Map<ToolCall, RateLimitRefusal> | undefined> {
  let refused: Map<ToolCall, RateLimitRefusal> | undefined;
  const now = Date.now();
  for (const call of calls) {
    const limited = await checkToolRateLimit(policy, auth, call.name, now);
    if (limited === undefined) continue;
    refused ??= new Map();
    refused.set(call, limited);
    audit?.record({
      type: 'rate_limited',
      subject: auth.userId,
      clientId: auth.clientId,
      tool: call.name,
      effect: 'deny',
      code: 'rate_limited',
      ruleId: limited.limitId,
      detail: { retryAfterSeconds: limited.retryAfterSeconds },
      traceId,
    });
  }
  return refused;
}

/**
 * The guard's answer to a request with rate-limited calls: each refused call gets its tool
 * result, a batch runs nothing (like a denial), and the response carries `Retry-After` (the
 * longest wait of the refused calls).
 * @internal
 */
export function rateLimitedResponse(
  body: unknown,
  refused: ReadonlyMap<ToolCall, RateLimitRefusal>,
  era: McpEra,
): HttpResponse {
  const results = new Map<ToolCall, DeniedToolResult>();
  let retryAfter = 1;
  for (const [call, refusal] of refused) {
    results.set(call, refusal.result);
    retryAfter = Math.max(retryAfter, refusal.retryAfterSeconds);
  }
  const response = deniedCallsResponse(body, results, era);
  return { ...response, headers: { ...response.headers, 'retry-after': String(retryAfter) } };
}
