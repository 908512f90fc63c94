// Rate limits declared in the policy, enforced by the MCP guard (docs/rate-limits.md).
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../domain/auth-context.js';
import { createSecretKey, generateSecret, signJwt } from '../jwt/index.js';
import { PolicyEngine, PolicyValidationError } from '../policy/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { Store } from '../store/store.js';
import { createAccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { AuditEventInput, AuditRecorder } from '../observability/audit.js';
import type { Instrumentation } from '../observability/instrumentation.js';
import { createMcpGuard } from './mcp-guard.js';
import { checkToolRateLimit } from './rate-limit.js';

const ISS = 'https://as.example.com';
const AUD = 'https://mcp.example.com/mcp';
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

function policyWithLimit(store?: Store): PolicyEngine {
  const policy = new PolicyEngine(store ? { rateLimitStore: store } : {});
  policy.addRule({ id: 'all', tools: '.*' });
  policy.addRateLimit({
    id: 'email',
    tools: 'send_email',
    per: 'subject',
    limit: 5,
    windowSeconds: 3600,
  });
  return policy;
}

const auth = (userId: string, clientId = 'c1'): AuthContext => ({
  userId,
  clientId,
  scopes: [],
  claims: {},
  expiresAt: undefined,
  jti: undefined,
  resource: undefined,
  grantId: undefined,
});

async function guardFor(
  policy: PolicyEngine,
  audit?: AuditRecorder,
  instrumentation?: Instrumentation,
) {
  const key = await createSecretKey(generateSecret());
  const guard = createMcpGuard({
    verifier: createAccessTokenVerifier({ key, issuer: ISS, audience: AUD }),
    policy,
    resourceMetadataUrl: PRM,
    ...(audit ? { audit } : {}),
    ...(instrumentation ? { instrumentation } : {}),
  });
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt(
    { iss: ISS, sub: 'alice', aud: AUD, exp: now + 300, iat: now, client_id: 'c1', scope: '' },
    key,
    { typ: 'at+jwt' },
  );
  const send = (body: unknown) =>
    guard.check({
      method: 'POST',
      header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined),
      headerNames: ['authorization'],
      readBody: async () => new TextEncoder().encode(JSON.stringify(body)),
    });
  return { send };
}

const call = (name: string, id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});

describe('policy rate limits', () => {
  it('are declared, validated and round-trip through JSON', () => {
    const policy = policyWithLimit();
    expect(policy.rateLimitsFor('send_email').map((l) => l.id)).toEqual(['email']);
    expect(policy.rateLimitsFor('get_weather')).toEqual([]);
    const json = policy.toJSON();
    expect(json.rateLimits).toEqual([
      { id: 'email', tools: ['send_email'], per: ['subject'], limit: 5, windowSeconds: 3600 },
    ]);
    expect(PolicyEngine.fromJSON(json).rateLimits()).toEqual(json.rateLimits);
    expect(() =>
      policy.addRateLimit({ tools: '(a+)+', per: 'subject', limit: 1, windowSeconds: 1 }),
    ).toThrow(PolicyValidationError);
    expect(() =>
      policy.addRateLimit({
        tools: 'x',
        per: 'nobody' as never,
        limit: 0,
        windowSeconds: 1,
      }),
    ).toThrow(PolicyValidationError);
    expect(() =>
      policy.addRateLimit({ id: 'email', tools: 'x', per: 'client', limit: 1, windowSeconds: 1 }),
    ).toThrow(/duplicate rate limit id/);
    try {
      PolicyEngine.fromJSON({ version: 1, rules: [], rateLimits: [{ tools: 'x', per: [] }] });
      expect.unreachable();
    } catch (error) {
      const pointers = (error as PolicyValidationError).problems.map((p) => p.pointer);
      expect(pointers).toEqual([
        '/rateLimits/0/per',
        '/rateLimits/0/limit',
        '/rateLimits/0/windowSeconds',
      ]);
    }
  });

  it('counts per subject: the 6th call of a user is refused, another user is not', async () => {
    const policy = policyWithLimit(new MemoryStore());
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    for (let i = 0; i < 5; i++)
      expect(await checkToolRateLimit(policy, auth('alice'), 'send_email', now)).toBeUndefined();
    const refused = await checkToolRateLimit(policy, auth('alice'), 'send_email', now + 1000);
    expect(refused?.limitId).toBe('email');
    // Fixed window aligned to the hour: 3599 s left.
    expect(refused?.retryAfterSeconds).toBe(3599);
    expect(refused?.result.isError).toBe(true);
    expect(refused?.result.content[0]?.text).toMatch(/^Access denied \(rate_limited\)/);
    expect(await checkToolRateLimit(policy, auth('bob'), 'send_email', now)).toBeUndefined();
    // The next window starts from zero.
    expect(
      await checkToolRateLimit(policy, auth('alice'), 'send_email', now + 3600_000),
    ).toBeUndefined();
  });

  it("per ['subject', 'tool'] and per client keep separate counters", async () => {
    const policy = new PolicyEngine({ rateLimitStore: new MemoryStore() });
    policy.addRateLimit({ tools: '.*', per: ['tool', 'subject'], limit: 1, windowSeconds: 60 });
    policy.addRateLimit({ id: 'c', tools: '.*', per: 'client', limit: 3, windowSeconds: 60 });
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    expect(await checkToolRateLimit(policy, auth('a', 'x'), 't1', now)).toBeUndefined();
    expect(await checkToolRateLimit(policy, auth('a', 'x'), 't2', now)).toBeUndefined();
    expect((await checkToolRateLimit(policy, auth('a', 'x'), 't1', now))?.limitId).toBe(
      'rate-limit-1',
    );
    // Client x has made 3 calls: the 4th (another user, another tool) hits the client limit.
    expect((await checkToolRateLimit(policy, auth('b', 'x'), 't3', now))?.limitId).toBe('c');
    expect(await checkToolRateLimit(policy, auth('c', 'y'), 't3', now)).toBeUndefined();
  });

  it('the guard answers the 6th call as a tool error with Retry-After, and nothing is forwarded', async () => {
    const events: AuditEventInput[] = [];
    const { send } = await guardFor(policyWithLimit(new MemoryStore()), {
      record: (event) => events.push(event),
    });
    for (let i = 1; i <= 5; i++) expect((await send(call('send_email', i))).ok).toBe(true);
    const sixth = await send(call('send_email', 6));
    expect(sixth.ok).toBe(false);
    if (sixth.ok) return;
    expect(sixth.response.status).toBe(200);
    const retryAfter = Number(sixth.response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const body = JSON.parse(sixth.response.body ?? '') as {
      id: number;
      result: { isError: boolean };
    };
    expect(body.id).toBe(6);
    expect(body.result.isError).toBe(true);
    // One rate_limited audit event: who, which tool, which limit; never a token.
    const limited = events.filter((e) => e.type === 'rate_limited');
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({
      subject: 'alice',
      clientId: 'c1',
      tool: 'send_email',
      ruleId: 'email',
      code: 'rate_limited',
    });
    // Other tools are not limited.
    expect((await send(call('get_weather', 7))).ok).toBe(true);
  });

  it('the rate_limited event carries the trace id of the request, like a decision event', async () => {
    // The port's smallest real implementation: every span in one trace.
    const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
    const instrumentation: Instrumentation = {
      inSpan: (_name, _options, fn) => fn({ setAttribute() {}, recordError() {}, traceId: TRACE }),
      count() {},
      record() {},
    };
    const events: AuditEventInput[] = [];
    const { send } = await guardFor(
      policyWithLimit(new MemoryStore()),
      { record: (event) => events.push(event) },
      instrumentation,
    );
    for (let i = 1; i <= 6; i++) await send(call('send_email', i));
    const limited = events.filter((e) => e.type === 'rate_limited');
    expect(limited).toHaveLength(1);
    expect(limited[0]?.traceId).toBe(TRACE);
    expect(events.find((e) => e.type === 'decision')?.traceId).toBe(TRACE);
  });

  it('a batch with a limited element runs nothing', async () => {
    const { send } = await guardFor(policyWithLimit(new MemoryStore()));
    for (let i = 1; i <= 5; i++) expect((await send(call('send_email', i))).ok).toBe(true);
    const batch = await send([call('get_weather', 10), call('send_email', 11)]);
    expect(batch.ok).toBe(false);
    if (batch.ok) return;
    const answers = JSON.parse(batch.response.body ?? '') as {
      id: number;
      error?: unknown;
      result?: unknown;
    }[];
    expect(answers.map((a) => a.id)).toEqual([10, 11]);
    expect(answers[0]?.error).toBeDefined();
    expect((answers[1]?.result as { isError?: boolean } | undefined)?.isError).toBe(true);
    expect(batch.response.headers['retry-after']).toBeDefined();
  });

  it('a store failure is a 503, never a pass', async () => {
    const failing = new MemoryStore();
    failing.increment = () => Promise.reject(new Error('down'));
    const { send } = await guardFor(policyWithLimit(failing));
    const outcome = await send(call('send_email', 1));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.response.status).toBe(503);
  });

  it('a full store refuses the call (counters are never evicted)', async () => {
    const store = new MemoryStore({ maxEntries: 1 });
    await store.set('durable', 1, 60_000);
    const { send } = await guardFor(policyWithLimit(store));
    const outcome = await send(call('send_email', 1));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.response.status).toBe(503);
  });
});
