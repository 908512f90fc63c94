/**
 * The Fetch MCP guard: SECURITY-CASES 22, 37–39 and the MCP step-up flow on Web-standard
 * `Request`/`Response` (MCP authorization spec: 401 with resource_metadata, 403
 * insufficient_scope with scope = granted ∪ missing), plus the streamed body cap and the
 * JSON-RPC parse error that only an authenticated caller gets.
 */
import { describe, expect, it } from 'vitest';
import { InvalidTokenError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import { createDefaultPolicies, type PolicyEngine } from '../policy/index.js';
import type { AuthContext, TokenVerifier } from '../domain/auth-context.js';
import {
  authContextFromAuthInfo,
  createFetchMcpGuard,
  createNodeMcpGuard,
  DEFAULT_MAX_MCP_BODY_BYTES,
  type FetchMcpGuardOutcome,
} from './index.js';

const MCP = 'https://mcp.example.com/mcp';
const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
const READ = 'mcp:tools:read';
const WRITE = 'mcp:tools:write';

function context(overrides: Partial<AuthContext> = {}): AuthContext {
  return {
    userId: 'bob',
    clientId: 'client-1',
    scopes: [READ],
    claims: { sub: 'bob', role: 'editor' },
    expiresAt: Math.floor(Date.now() / 1000) + 300,
    jti: 'j1',
    resource: MCP,
    grantId: undefined,
    ...overrides,
  };
}

/** A verifier over a fixed table; unknown tokens are invalid. */
function tableVerifier(table: Record<string, AuthContext | Error>): TokenVerifier {
  return {
    async verify(token) {
      const entry = table[token];
      if (entry === undefined) throw new InvalidTokenError('The access token is invalid');
      if (entry instanceof Error) throw entry;
      return entry;
    },
  };
}

function contractPolicy(): PolicyEngine {
  const policy = createDefaultPolicies();
  policy.addRule({
    id: 'delete-needs-admin-role',
    tools: 'delete_user',
    effect: 'deny',
    when: { not: { claim: 'role', eq: 'admin' } },
  });
  return policy;
}

function setup(options: { maxBodyBytes?: number } = {}) {
  const verifier = tableVerifier({
    reader: context(),
    admin: context({ scopes: [READ, WRITE, 'mcp:tools:admin'] }),
    down: new TemporarilyUnavailableError(),
  });
  const policy = contractPolicy();
  const guard = createFetchMcpGuard({
    verifier,
    policy,
    resourceMetadataUrl: PRM,
    ...options,
  });
  return { guard, policy, verifier };
}

const call = (name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: args },
  });
const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

function post(body: BodyInit | null, token?: string, url = MCP): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return new Request(url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
}

function challenge(response: Response): Record<string, string> {
  const header = response.headers.get('www-authenticate') ?? '';
  expect(header.startsWith('Bearer ')).toBe(true);
  const params: Record<string, string> = {};
  for (const [, name, value] of header.matchAll(/([a-z_]+)="([^"]*)"/g)) params[name!] = value!;
  return params;
}

function refused(outcome: FetchMcpGuardOutcome): Response {
  if (outcome.ok) throw new Error('expected a refusal');
  return outcome.response;
}

describe('createFetchMcpGuard', () => {
  it('no token → 401 with resource_metadata (SECURITY-CASES 22, 38; RFC 9728 §5.1)', async () => {
    const { guard } = setup();
    const response = refused(await guard(post(list)));
    expect(response.status).toBe(401);
    expect(challenge(response).resource_metadata).toBe(PRM);
  });

  it('a token in ?access_token= is ignored → 401 (SECURITY-CASES 37; RFC 6750 §2.3 not supported)', async () => {
    const { guard } = setup();
    const response = refused(await guard(post(list, undefined, `${MCP}?access_token=reader`)));
    expect(response.status).toBe(401);
  });

  it('a tools/call that scopes can fix → 403 insufficient_scope asking for what the call needs (SECURITY-CASES 39, MCP step-up)', async () => {
    const { guard } = setup();
    const response = refused(await guard(post(call('send_email', { to: 'x' }), 'reader')));
    expect(response.status).toBe(403);
    const params = challenge(response);
    expect(params.error).toBe('insufficient_scope');
    expect(params.scope?.split(' ')).toEqual([WRITE]);
    expect(params.resource_metadata).toBe(PRM);
  });

  it('an allowed call passes with the caller, the SDK AuthInfo and the parsed body', async () => {
    const { guard } = setup();
    const outcome = await guard(post(call('get_weather', { city: 'Oslo' }), 'reader'));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.auth.userId).toBe('bob');
    expect(authContextFromAuthInfo(outcome.authInfo)).toBe(outcome.auth);
    expect(outcome.authInfo.scopes).toEqual([READ]);
    expect(outcome.body).toMatchObject({ method: 'tools/call', params: { name: 'get_weather' } });
  });

  it('issue 11: a denial scopes cannot fix (attributes) is answered by the guard; the server never sees it', async () => {
    const { guard } = setup();
    const outcome = await guard(post(call('delete_user', { id: 'u1' }), 'admin'));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.response.status).toBe(200);
    const answer = (await outcome.response.json()) as {
      result: { isError: boolean; content: { text: string }[] };
    };
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0]!.text).toContain('denied_by_rule');
  });

  it('GET and DELETE are authenticated without reading a body', async () => {
    const { guard } = setup();
    for (const method of ['GET', 'DELETE']) {
      const outcome = await guard(
        new Request(MCP, { method, headers: { authorization: 'Bearer reader' } }),
      );
      expect(outcome.ok, method).toBe(true);
      if (outcome.ok) expect(outcome.body).toBeUndefined();
    }
    expect(refused(await guard(new Request(MCP))).status).toBe(401);
  });

  it('a body that is not JSON: 401 for an anonymous caller, JSON-RPC -32700 only after authentication', async () => {
    const { guard } = setup();
    expect(refused(await guard(post('{nope'))).status).toBe(401);
    const response = refused(await guard(post('{nope', 'reader')));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    const badUtf8 = refused(await guard(post(new Uint8Array([0x22, 0xff, 0x22]), 'reader')));
    expect(badUtf8.status).toBe(400);
  });

  it('the store down → 503, never a 2xx (SECURITY-CASES 39, fail closed)', async () => {
    const { guard } = setup();
    const response = refused(await guard(post(call('get_weather', { city: 'Oslo' }), 'down')));
    expect(response.status).toBe(503);
  });

  it('caps the body while streaming: 413 after maxBodyBytes + 1 bytes of an endless stream', async () => {
    const { guard } = setup({ maxBodyBytes: 1024 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(100).fill(0x20));
      },
    });
    const response = refused(await guard(post(endless, 'reader')));
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(20); // ~11 chunks of 100 bytes, not the whole stream
    // At the cap exactly: accepted.
    const padded = `${call('get_weather', { city: 'Oslo' })}`.padEnd(1024, ' ');
    expect((await guard(post(padded, 'reader'))).ok).toBe(true);
    expect(refused(await guard(post(`${padded} `, 'reader'))).status).toBe(413);
  });

  it('defaults to the 4 MiB cap of the Node guard and the MCP SDK', async () => {
    expect(DEFAULT_MAX_MCP_BODY_BYTES).toBe(4 * 1024 * 1024);
    const { guard } = setup();
    const big = new Uint8Array(DEFAULT_MAX_MCP_BODY_BYTES + 1).fill(0x20);
    expect(refused(await guard(post(big, 'reader'))).status).toBe(413);
  });

  it('answers exactly as the Node guard does (one decision in core)', async () => {
    const { verifier, policy } = setup();
    const fetchGuard = createFetchMcpGuard({ verifier, policy, resourceMetadataUrl: PRM });
    const nodeGuard = createNodeMcpGuard({ verifier, policy, resourceMetadataUrl: PRM });
    const cases: [string, string | undefined][] = [
      [list, undefined],
      [call('send_email', { to: 'x' }), 'reader'],
      ['{nope', 'reader'],
      [call('get_weather', { city: 'Oslo' }), 'down'],
    ];
    for (const [body, token] of cases) {
      const web = refused(await fetchGuard(post(body, token)));
      const node = await nodeGuard({
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        readableEnded: true,
        body,
      });
      if (node.ok) throw new Error('expected a refusal');
      expect(web.status).toBe(node.response.status);
      expect(web.headers.get('www-authenticate') ?? undefined).toBe(
        node.response.headers['www-authenticate'],
      );
      expect(await web.text()).toBe(node.response.body);
    }
  });

  it('issue 12: a Node refusal given before a large still-arriving body is read closes the connection (Node would read and discard the rest)', async () => {
    const { verifier, policy } = setup();
    const nodeGuard = createNodeMcpGuard({ verifier, policy, resourceMetadataUrl: PRM });
    const arriving = {
      method: 'POST',
      headers: { 'content-length': '4194304', 'content-type': 'application/json' },
      complete: false,
      on: () => arriving,
      removeListener: () => arriving,
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }),
    };
    const unread = await nodeGuard(arriving);
    if (unread.ok) throw new Error('expected a refusal');
    expect(unread.response.status).toBe(401);
    expect(unread.response.headers['connection']).toBe('close');
    // A body that has fully arrived, a small one (cheap to drain) or none at all keeps the
    // connection for the client's next request.
    for (const request of [
      { ...arriving, complete: true },
      { ...arriving, headers: { 'content-length': '512', 'content-type': 'application/json' } },
      { method: 'GET', headers: {}, complete: false },
    ]) {
      const answer = await nodeGuard(request);
      if (answer.ok) throw new Error('expected a refusal');
      expect(answer.response.headers['connection']).toBeUndefined();
    }
  });

  it('the Fetch guard takes the verified credential off a request it lets through, where its headers can change', async () => {
    const { verifier, policy } = setup();
    const body = call('get_weather', { city: 'Oslo' });
    const guard = createFetchMcpGuard({ verifier, policy, resourceMetadataUrl: PRM });
    const allowed = post(body, 'reader');
    allowed.headers.set('dpop', 'proof');
    expect((await guard(allowed)).ok).toBe(true);
    expect(allowed.headers.has('authorization')).toBe(false);
    expect(allowed.headers.has('dpop')).toBe(false);
    expect(allowed.headers.get('content-type')).toBe('application/json');

    const denied = post(body, 'unknown');
    expect((await guard(denied)).ok).toBe(false);
    expect(denied.headers.get('authorization')).toBe('Bearer unknown');

    // An incoming request whose headers are immutable (a Worker's) goes on as it came.
    const immutable = post(body, 'reader');
    immutable.headers.delete = () => {
      throw new TypeError('immutable');
    };
    expect((await guard(immutable)).ok).toBe(true);
    expect(immutable.headers.get('authorization')).toBe('Bearer reader');

    const forwarding = createFetchMcpGuard({
      verifier,
      policy,
      resourceMetadataUrl: PRM,
      forwardAuthorization: true,
    });
    const kept = post(body, 'reader');
    expect((await forwarding(kept)).ok).toBe(true);
    expect(kept.headers.get('authorization')).toBe('Bearer reader');
  });

  it('the Node guard takes the verified credential off a request it lets through (forwardAuthorization keeps it)', async () => {
    const { verifier, policy } = setup();
    const body = call('get_weather', { city: 'Oslo' });
    const request = (token: string) => ({
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        dpop: 'proof',
        'content-type': 'application/json',
      } as Record<string, string | undefined>,
      rawHeaders: [
        'Content-Type',
        'application/json',
        'AUTHORIZATION',
        `Bearer ${token}`,
        'DPoP',
        'proof',
        'X-Other',
        'kept',
      ],
      readableEnded: true,
      body,
    });
    const guard = createNodeMcpGuard({ verifier, policy, resourceMetadataUrl: PRM });
    const allowed = request('reader');
    const outcome = await guard(allowed);
    if (!outcome.ok) throw new Error('expected the call to be let through');
    // The caller stays on the SDK's AuthInfo (which the SDK itself needs); the headers lose it.
    expect(authContextFromAuthInfo(outcome.authInfo)?.userId).toBe('bob');
    expect(allowed.headers['authorization']).toBeUndefined();
    expect(allowed.headers['dpop']).toBeUndefined();
    expect(allowed.headers['content-type']).toBe('application/json');
    expect(allowed.rawHeaders).toEqual(['Content-Type', 'application/json', 'X-Other', 'kept']);

    // A refused request is answered by the guard: nothing to protect downstream, left as it came.
    const refusedRequest = request('unknown');
    expect((await guard(refusedRequest)).ok).toBe(false);
    expect(refusedRequest.headers['authorization']).toBe('Bearer unknown');
    expect(refusedRequest.rawHeaders).toHaveLength(8);

    const forwarding = createNodeMcpGuard({
      verifier,
      policy,
      resourceMetadataUrl: PRM,
      forwardAuthorization: true,
    });
    const kept = request('reader');
    expect((await forwarding(kept)).ok).toBe(true);
    expect(kept.headers['authorization']).toBe('Bearer reader');
    expect(kept.rawHeaders).toHaveLength(8);
    expect(() =>
      createNodeMcpGuard({
        verifier,
        policy,
        resourceMetadataUrl: PRM,
        forwardAuthorization: 'yes' as unknown as boolean,
      }),
    ).toThrow(/forwardAuthorization must be a boolean/);
  });

  it('refuses unusable options with a TypeError at creation', () => {
    const { verifier, policy } = setup();
    const bad = [
      undefined,
      { policy, resourceMetadataUrl: PRM },
      { verifier, resourceMetadataUrl: PRM },
      { verifier, policy },
      { verifier, policy, resourceMetadataUrl: PRM, maxBodyBytes: 0 },
      { verifier, policy, resourceMetadataUrl: PRM, challengeScopes: ['has space'] },
    ];
    for (const options of bad) {
      expect(() => createFetchMcpGuard(options as never)).toThrow(TypeError);
    }
  });
});
