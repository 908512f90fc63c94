// scope_not_grantable (issue 17 follow-up): the policy engine itself classifies a scope denial
// no step-up can fix, from the token's mcp_grantable_scopes, so the client's answer, the
// decision event, the audit trail and the in-server check agree; the authorization-code flow
// caps mcp_grantable_scopes by the client's registered scope (no useless step-up); the refusal
// is worded by cause (the account, the client's registration, a machine client).
import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import { createAuditTrail, type AuditEvent } from '../../src/observability/audit.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import type { PolicyDecisionEvent } from '../../src/policy/types.js';
import { authorizeMcpToolCall, createMcpGuard } from '../../src/resource/index.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms } from '../../src/testing/browser.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const PRM = 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';
const READ = 'weather:read';
const SEND = 'email:send';

function policyWith(events: PolicyDecisionEvent[]) {
  const policy = new PolicyEngine({ onDecision: (event) => events.push(event) });
  policy.addRules([
    { id: 'weather', tools: 'get_weather', scopes: [READ] },
    { id: 'mail', tools: 'send_email', scopes: [SEND] },
  ]);
  return policy;
}

function setup() {
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'scope-not-grantable-secret-0123456789-abcdef',
    store: new MemoryStore(),
    scopesSupported: [READ, SEND],
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [
        { username: 'alice', password: 'pw-alice', scopes: [READ, SEND] },
        { username: 'bob', password: 'pw-bob', scopes: [READ] },
      ],
    }),
    clients: [
      // Registered for weather only: it can never be granted email:send, whoever signs in.
      { clientId: 'narrow', redirectUris: [REDIRECT], scope: READ },
      { clientId: 'open', redirectUris: [REDIRECT] },
    ],
  });
  const events: PolicyDecisionEvent[] = [];
  const audited: AuditEvent[] = [];
  const audit = createAuditTrail({ sink: (event) => void audited.push(event) });
  const policy = policyWith(events);
  const guard = createMcpGuard({
    verifier: server.tokenVerifier,
    policy,
    resourceMetadataUrl: PRM,
    audit,
  });
  return { server, fetch: toFetchHandler(server), guard, policy, events, audited, audit };
}

type Fetch = (request: Request) => Promise<Response>;

/** Signs `user` in for `clientId` (forms, PKCE, consent to `scope`) and redeems the code. */
async function signIn(fetch: Fetch, clientId: string, user: string, scope: string) {
  const verifier = generateCodeVerifier();
  const url = new URL(`${ISSUER}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: await computeS256Challenge(verifier),
    code_challenge_method: 'S256',
    scope,
    resource: RESOURCE,
  }).toString();
  const result = await authorizeWithForms({
    fetch,
    authorizationUrl: url,
    username: user,
    password: `pw-${user}`,
  });
  expect(result.code).toBeDefined();
  const response = await fetch(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: result.code!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: clientId,
      }).toString(),
    }),
  );
  expect(response.status).toBe(200);
  return String(((await response.json()) as { access_token: string }).access_token);
}

function sendEmail(guard: ReturnType<typeof setup>['guard'], token: string) {
  const body = new TextEncoder().encode(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'send_email', arguments: {} },
    }),
  );
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  return guard.check({
    method: 'POST',
    header: (name) => headers[name],
    headerNames: Object.keys(headers),
    readBody: async () => body,
  });
}

const deniedText = (outcome: Awaited<ReturnType<typeof sendEmail>>) => {
  if (outcome.ok) throw new Error('expected a refusal');
  expect(outcome.response.status).toBe(200);
  return String(JSON.parse(String(outcome.response.body)).result.content[0].text);
};

describe('scope_not_grantable: one decision for the client, the event, the audit trail', () => {
  it('a client registered for less: mcp_grantable_scopes is capped by its registration, so alice gets no useless step-up; the refusal names the client', async () => {
    const { fetch, server, guard, events, audited, audit, policy } = setup();
    const token = await signIn(fetch, 'narrow', 'alice', READ);
    const auth = await server.tokenVerifier.verify(token);
    // alice may hold email:send, but never through this client.
    expect(auth.claims['mcp_grantable_scopes']).toEqual([READ]);
    expect(auth.claims['mcp_client_scopes']).toEqual([READ]);
    const text = deniedText(await sendEmail(guard, token));
    expect(text).toBe(
      `Access denied (scope_not_grantable): rule "mail" requires scope ${SEND}; this client is not registered for ${SEND}, so signing in again would not help`,
    );
    // The decision event (logs, metrics) and the audit event say what the client saw.
    expect(events.map((e) => [e.code, e.reason])).toEqual([
      ['scope_not_grantable', text.replace(/^Access denied \(scope_not_grantable\): /, '')],
    ]);
    await audit.flush();
    const decisions = audited.filter((e) => e.type === 'decision');
    expect(decisions.map((e) => e.code)).toEqual(['scope_not_grantable']);
    expect(decisions[0]!.missingScopes).toBeUndefined();
    // The in-server check (SDK tool guard, fastmcp) decides the same, with the same text.
    const inServer = authorizeMcpToolCall(policy, auth, 'send_email', {});
    expect(inServer.allowed).toBe(false);
    expect(inServer.decision?.code).toBe('scope_not_grantable');
    if (!inServer.allowed) expect(inServer.result.content[0]!.text).toBe(text);
    expect(events.at(-1)!.code).toBe('scope_not_grantable');
  });

  it('bob (the account lacks the scope) is told about the account; alice through an open client still gets the 403 step-up', async () => {
    const { fetch, guard, events } = setup();
    const bob = await signIn(fetch, 'open', 'bob', READ);
    expect(deniedText(await sendEmail(guard, bob))).toBe(
      `Access denied (scope_not_grantable): rule "mail" requires scope ${SEND}; this account cannot be granted ${SEND}, so signing in again would not help`,
    );
    const alice = await signIn(fetch, 'open', 'alice', READ);
    const stepUp = await sendEmail(guard, alice);
    expect(stepUp.ok).toBe(false);
    if (!stepUp.ok) {
      expect(stepUp.response.status).toBe(403);
      expect(String(stepUp.response.headers['www-authenticate'])).toContain(
        `error="insufficient_scope"`,
      );
    }
    expect(events.map((e) => e.code)).toEqual(['scope_not_grantable', 'insufficient_scope']);
    expect(events[1]!.missingScopes).toEqual([SEND]);
  });
});

describe('PolicyEngine: grantableScopes in the evaluation input', () => {
  const engine = () => {
    const policy = new PolicyEngine();
    policy.addRules([
      { id: 'mail', tools: 'send_email', scopes: [SEND] },
      { id: 'either', tools: 'report', scopes: { anyOf: ['admin', 'reports'] } },
    ]);
    return policy;
  };

  it('without grantableScopes a scope denial stays insufficient_scope (tokens of other issuers)', () => {
    const d = engine().evaluate({ tool: 'send_email', scopes: [READ] });
    expect([d.code, d.missingScopes]).toEqual(['insufficient_scope', [SEND]]);
  });

  it('a scope outside grantableScopes: scope_not_grantable, no missingScopes, worded by cause', () => {
    const policy = engine();
    const base = { tool: 'send_email', scopes: [READ], grantableScopes: [READ] };
    const user = policy.evaluate(base);
    expect(user.code).toBe('scope_not_grantable');
    expect(user.allowed).toBe(false);
    expect(user.missingScopes).toEqual([]);
    expect(user.requiredScopes).toEqual([SEND]);
    expect(user.reason).toContain(`this account cannot be granted ${SEND}`);
    const machine = policy.evaluate({ ...base, principal: 'client' });
    expect(machine.reason).toContain(
      `this client cannot be granted ${SEND}, so a new token would not help`,
    );
    const registered = policy.evaluate({ ...base, clientScopes: [READ] });
    expect(registered.reason).toContain(`this client is not registered for ${SEND}`);
    // The client registered the scope: the account is the limit.
    const account = policy.evaluate({ ...base, clientScopes: [READ, SEND] });
    expect(account.reason).toContain(`this account cannot be granted ${SEND}`);
  });

  it('a grantable scope stays a step-up; anyOf asks for the alternative that can be granted', () => {
    const policy = engine();
    const mail = policy.evaluate({ tool: 'send_email', scopes: [], grantableScopes: [SEND] });
    expect([mail.code, mail.missingScopes]).toEqual(['insufficient_scope', [SEND]]);
    const report = policy.evaluate({ tool: 'report', scopes: [], grantableScopes: ['reports'] });
    expect([report.code, report.missingScopes]).toEqual(['insufficient_scope', ['reports']]);
    const never = policy.evaluate({ tool: 'report', scopes: [], grantableScopes: [READ] });
    expect([never.code, never.missingScopes]).toEqual(['scope_not_grantable', []]);
  });
});
