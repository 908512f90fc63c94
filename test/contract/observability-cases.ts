// Issue 16 items 1 and 2 through every contract mount (Express, Koa, fastmcp, Fetch handler):
// the authorization server's `instrumentation` and `audit` reach the mount's MCP guard (the
// adapter passes through what core gives), so a tools/call through the mount yields the
// decision span — joined to the caller's `_meta.traceparent` — and one audit event.
import { MemoryStore, type PolicyEngine } from '@mcp-auth/core';
import {
  type AuditEvent,
  type AuditTrail,
  createAuditTrail,
  SPAN_NAMES,
} from '@mcp-auth/core/observability';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTelemetryCollector,
  type TelemetryCollector,
} from '../../packages/otel/test/collector.js';
// The public `@mcp-auth/core/testing` entry, by path (see suite.ts).
import { authorizeWithForms } from '../../packages/core/src/testing/index.js';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  PASSWORD,
  pkcePair,
  READ,
  REDIRECT,
  TestClock,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

const CALLER_TRACE = '5b8efff798038103d269b633813fc60c';
const CALLER_SPAN = 'eee19b7ec3c1b174';

/** Registers a public client and signs `user` in through the forms; the token response. */
async function signIn(m: ContractMount, user: string) {
  const registered = await fetch(new URL('/register', m.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-contract-bucket': 'observability' },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: READ,
    }),
  });
  expect(registered.status).toBe(201);
  const { client_id } = (await registered.json()) as { client_id: string };
  const { verifier, challenge } = await pkcePair();
  const url = new URL('/authorize', m.baseUrl);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'observability',
    scope: READ,
    resource: m.mcpUrl,
  }))
    url.searchParams.set(k, v);
  const result = await authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username: user,
    password: PASSWORD,
  });
  const response = await fetch(new URL('/token', m.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: result.code!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      client_id,
      resource: m.mcpUrl,
    }).toString(),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { access_token: string; refresh_token?: string };
  return { ...body, code: result.code!, verifier };
}

/** Registers the observability cases for one mount. */
export function defineObservabilityCases(name: string, mount: MountContract): void {
  describe(`${name}: traces and audit trail through the mount (issue 16)`, () => {
    const clock = new TestClock();
    const policy: PolicyEngine = createContractPolicy();
    let telemetry: TelemetryCollector;
    let audit: AuditTrail;
    const events: AuditEvent[] = [];
    let m: ContractMount;

    beforeAll(async () => {
      telemetry = createTelemetryCollector();
      audit = createAuditTrail({ sink: (event) => void events.push(event) });
      const spec = buildSpec(policy, (origin) =>
        contractServerOptions(origin, policy, new MemoryStore(), clock, {
          instrumentation: telemetry.instrumentation,
          audit,
        }),
      );
      m = await mount(spec);
    });
    afterAll(async () => {
      await m?.close();
      await telemetry?.close();
    });

    it("a tools/call: the decision span joins the caller's _meta trace; one audit event; no token exported", async () => {
      const tokens = await signIn(m, 'alice');
      const client = new ClientV2({ name: 'observability-cases', version: '1.0.0' });
      const withToken = (input: string | URL | Request, init?: RequestInit) => {
        const request = new Request(input, init);
        request.headers.set('authorization', `Bearer ${tokens.access_token}`);
        return fetch(request);
      };
      await client.connect(
        new StreamableHTTPClientTransportV2(new URL(m.mcpUrl), {
          fetch: withToken as typeof fetch,
        }),
      );
      const result = await client.callTool({
        name: 'get_weather',
        arguments: { city: 'Lima' },
        _meta: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      });
      expect(result.isError).not.toBe(true);
      await client.close();
      await audit.flush();

      const spans = telemetry.spans();
      const decision = spans.find(
        (s) => s.name === SPAN_NAMES.policyDecision && s.spanContext().traceId === CALLER_TRACE,
      );
      expect(decision?.attributes['mcp.tool.name']).toBe('get_weather');
      expect(decision?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
      expect(spans.some((s) => s.name === SPAN_NAMES.guard)).toBe(true);
      expect(
        spans.some(
          (s) => s.name === SPAN_NAMES.endpoint && s.attributes['http.route'] === '/token',
        ),
      ).toBe(true);
      const decisions = events.filter((e) => e.type === 'decision' && e.tool === 'get_weather');
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({
        effect: 'allow',
        subject: 'alice',
        traceId: CALLER_TRACE,
      });
      expect(events.some((e) => e.type === 'token.issued' && e.subject === 'alice')).toBe(true);

      const exported = `${await telemetry.exportedText()}${JSON.stringify(events)}`;
      for (const secret of [
        tokens.access_token,
        tokens.refresh_token,
        tokens.code,
        tokens.verifier,
      ])
        if (secret) expect(exported.includes(secret)).toBe(false);
    });
  });
}
