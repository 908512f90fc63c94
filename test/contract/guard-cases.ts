// The MCP endpoint guard's hostile cases (issues 11, 12 item 1, 18), written once and run
// through every mount: Express 4 and 5, Koa 2 and 3 (their package suites), fastmcp and the
// Fetch handler (the contract mounts). Each mount serves the contract tools on an MCP server
// WITHOUT in-server protection (no protectMcpServer, no fastmcp protectTool): the guard at the
// HTTP edge is the only check, and every tool counts its runs, so "the tool did not run" is a
// number that a failure would change.
import { connect, type Socket } from 'node:net';
import { createSecretKey } from '@mcp-auth/core';
import { signJwt } from '@mcp-auth/core/jwt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  buildSpec,
  CONTRACT_SECRET,
  CONTRACT_TOOLS,
  type ContractServerSpec,
  type ContractTool,
  challengeParams,
  contractServerOptions,
  createContractPolicy,
  createFailableStore,
  READ,
  readRpc,
  rpc,
  TestClock,
} from './fixtures.js';

/** A running mount of the guard alone in front of an unprotected MCP server. */
export interface GuardMount {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** The MCP endpoint (`<baseUrl>/mcp`). */
  readonly mcpUrl: string;
  /** The authorization server's issuer (tokens are minted for it). */
  readonly issuer: string;
  close(): Promise<void>;
}

/**
 * Mounts `spec` with the adapter's MCP guard (Express/Koa `mcpAuth().mount()`, fastmcp's
 * wrapper, `createFetchMcpGuard`) in front of an MCP server serving `spec.tools` with NO
 * in-server protection (`createUnprotectedMcpServer`, or fastmcp tools added before `protect()`).
 */
export type MountGuardOnly = (spec: ContractServerSpec) => Promise<GuardMount>;

/** A browser origin the default CORS rules allow (loopback, another port). */
const LOOPBACK_ORIGIN = 'http://localhost:5173';
const FOREIGN_ORIGIN = 'https://evil.example';
const MODERN = '2026-07-28';
/** The default body cap of every guard (4 MiB): announced, never sent. */
const FOUR_MIB = 4 * 1024 * 1024;

/** Registers the guard cases for one mount. */
export function defineGuardCases(name: string, mount: MountGuardOnly): void {
  describe(`${name}: MCP endpoint guard alone, no in-server protection (issues 11, 12, 18)`, () => {
    const runs = new Map<string, number>();
    const tools: ContractTool[] = CONTRACT_TOOLS.map((tool) => ({
      ...tool,
      run(args, auth) {
        runs.set(tool.name, (runs.get(tool.name) ?? 0) + 1);
        return tool.run(args, auth);
      },
    }));
    const clock = new TestClock(0);
    const policy = createContractPolicy();
    const sockets = new Set<Socket>();
    let m: GuardMount;

    beforeAll(async () => {
      const { store } = createFailableStore(clock);
      const spec = buildSpec(policy, (origin) =>
        contractServerOptions(origin, policy, store, clock),
      );
      m = await mount({ ...spec, tools });
    });
    afterEach(() => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    });
    afterAll(async () => {
      await m?.close();
    });

    const ran = (tool: string) => runs.get(tool) ?? 0;

    async function mint(scope: string, role = 'editor') {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: m.issuer,
          aud: m.mcpUrl,
          sub: 'bob',
          client_id: 'guard-client',
          scope,
          role,
          iat: now,
          exp: now + 300,
          jti: crypto.randomUUID(),
        },
        await createSecretKey(CONTRACT_SECRET),
        { typ: 'at+jwt' },
      );
    }

    function post(body: string, headers: Record<string, string> = {}) {
      return fetch(m.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
    }

    const toolCall = (tool: string, args: Record<string, unknown> = {}, id = 1) =>
      rpc('tools/call', { name: tool, arguments: args }, id);

    /**
     * Opens a raw socket to the MCP endpoint and writes the request head (with `contentLength`
     * announced) and only `bodyPart`, then stops sending. `head` resolves with the response's
     * status line and headers as soon as they arrive; it rejects after `ms`.
     */
    function rawPost(
      contentLength: number,
      bodyPart: string,
      headers: Record<string, string> = {},
      ms = 5000,
    ) {
      const url = new URL(m.mcpUrl);
      const socket = connect(Number(url.port), url.hostname);
      sockets.add(socket);
      const lines = [
        `POST ${url.pathname} HTTP/1.1`,
        `Host: ${url.host}`,
        'Content-Type: application/json',
        'Accept: application/json, text/event-stream',
        `Content-Length: ${contentLength}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${bodyPart}`);
      const head = new Promise<{ status: number; headers: string }>((resolve, reject) => {
        let received = '';
        const timer = setTimeout(() => reject(new Error(`no response head within ${ms} ms`)), ms);
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
          const end = received.indexOf('\r\n\r\n');
          if (end === -1) return;
          clearTimeout(timer);
          const text = received.slice(0, end);
          resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), headers: text });
        });
        socket.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        socket.on('close', () => {
          clearTimeout(timer);
          reject(new Error('the connection closed before a response head'));
        });
      });
      head.catch(() => {}); // awaited by the cases that expect an answer
      return { socket, head };
    }

    function headerOf(head: string, name: string): string | undefined {
      const line = head
        .split('\r\n')
        .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      return line?.slice(name.length + 1).trim();
    }

    // --------------------------------------------------------------- (a) no body before auth

    it('GUARD-1 (issue 12): an unauthenticated POST announcing 4 MiB gets its 401 after a few body bytes: the body is never read', async () => {
      const part = '{"jsonrpc":"2.0","id":1,"method":"tools/call"';
      const { socket, head } = rawPost(FOUR_MIB, part);
      const answer = await head;
      expect(answer.status).toBe(401);
      expect(
        challengeParams(headerOf(answer.headers, 'www-authenticate') ?? null).resource_metadata,
      ).toBe(`${m.baseUrl}/.well-known/oauth-protected-resource/mcp`);
      // The whole exchange: the head and a few bytes, nowhere near the 4 MiB announced.
      expect(socket.bytesWritten).toBeLessThan(1024);
    });

    // ------------------------------------------------- (b) the guard alone decides every call

    it('GUARD-2 (issue 11): an allowed call runs; an attribute-denied call is answered by the guard with the denied result and the tool never runs', async () => {
      const allowed = await post(toolCall('get_weather', { city: 'Oslo' }), {
        authorization: `Bearer ${await mint(READ)}`,
      });
      expect(allowed.status).toBe(200);
      expect(JSON.stringify(await readRpc(allowed))).toContain('Sunny in Oslo');
      expect(ran('get_weather')).toBeGreaterThanOrEqual(1);

      // delete_user needs the admin scope (granted) and the admin role (not bob's): no scope
      // can fix it, so it is not a step-up but the JSON-RPC denied result.
      const denied = await post(toolCall('delete_user', { id: 'u1' }, 7), {
        authorization: `Bearer ${await mint(`${READ} ${ADMIN}`)}`,
      });
      expect(denied.status).toBe(200);
      const answer = (await readRpc(denied)) as {
        id: unknown;
        result: { isError: boolean; content: { type: string; text: string }[] };
      };
      expect(answer.id).toBe(7);
      expect(answer.result.isError).toBe(true);
      expect(answer.result.content[0]?.text).toMatch(/^Access denied \(denied_by_rule\): /);
      expect(ran('delete_user')).toBe(0);
    });

    it('GUARD-2 (issue 11): on 2026-07-28 the denied result carries resultType "complete"; the tool never runs', async () => {
      const res = await post(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'delete_user', arguments: { id: 'u1' } },
        }),
        {
          authorization: `Bearer ${await mint(ADMIN)}`,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'delete_user',
        },
      );
      expect(res.status).toBe(200);
      const answer = (await readRpc(res)) as { result: Record<string, unknown> };
      expect(answer.result).toMatchObject({ isError: true, resultType: 'complete' });
      expect(ran('delete_user')).toBe(0);
    });

    it('GUARD-2 (issue 11): a batch holding a refused call is answered whole by the guard; no element runs', async () => {
      const before = ran('get_weather');
      const res = await post(
        JSON.stringify([
          JSON.parse(toolCall('get_weather', { city: 'Rome' }, 1)),
          JSON.parse(toolCall('delete_user', { id: 'u1' }, 2)),
        ]),
        { authorization: `Bearer ${await mint(`${READ} ${ADMIN}`)}` },
      );
      expect(res.status).toBe(200);
      const answers = (await res.json()) as {
        id: number;
        result?: { isError: boolean };
        error?: { code: number };
      }[];
      expect(answers.find((a) => a.id === 2)?.result?.isError).toBe(true);
      expect(answers.find((a) => a.id === 1)?.error?.code).toBe(-32600);
      expect(ran('get_weather')).toBe(before);
      expect(ran('delete_user')).toBe(0);
    });

    // ----------------------------------------------------------- (c) 2026-07-28 header rules

    it('GUARD-3 (issue 11): Mcp-Method: tools/list on a tools/call body → 400 JSON-RPC -32020; the tool does not run', async () => {
      const before = ran('get_weather');
      const res = await post(toolCall('get_weather', { city: 'Oslo' }), {
        authorization: `Bearer ${await mint(READ)}`,
        'mcp-method': 'tools/list',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
      expect(ran('get_weather')).toBe(before);
    });

    it('GUARD-3 (issue 11): Mcp-Name naming another tool (plain or base64) → 400 -32020; the tool does not run', async () => {
      const before = ran('get_weather');
      for (const name of ['delete_user', `=?base64?${btoa('delete_user')}?=`]) {
        const res = await post(toolCall('get_weather', { city: 'Oslo' }), {
          authorization: `Bearer ${await mint(READ)}`,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': name,
        });
        expect(res.status, name).toBe(400);
        expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
      }
      expect(ran('get_weather')).toBe(before);
    });

    it('GUARD-3 (issue 11): a 2026-07-28 request without Mcp-Method → 400 -32020', async () => {
      const res = await post(toolCall('get_weather', { city: 'Oslo' }), {
        authorization: `Bearer ${await mint(READ)}`,
        'mcp-protocol-version': MODERN,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
    });

    // -------------------------------------------------------------- (d) Origin and CORS

    it('GUARD-4 (issue 18): a foreign Origin → 403 before anything else, even with a valid token; the tool does not run', async () => {
      const before = ran('get_weather');
      const res = await post(toolCall('get_weather', { city: 'Oslo' }), {
        authorization: `Bearer ${await mint(READ)}`,
        origin: FOREIGN_ORIGIN,
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(ran('get_weather')).toBe(before);
    });

    it('GUARD-4 (issue 18): an allowed loopback Origin: its 401 and its 200 carry Access-Control-Allow-Origin and expose WWW-Authenticate', async () => {
      const unauthenticated = await post(toolCall('get_weather', { city: 'Oslo' }), {
        origin: LOOPBACK_ORIGIN,
      });
      expect(unauthenticated.status).toBe(401);
      const ok = await post(toolCall('get_weather', { city: 'Oslo' }), {
        authorization: `Bearer ${await mint(READ)}`,
        origin: LOOPBACK_ORIGIN,
      });
      expect(ok.status).toBe(200);
      expect(JSON.stringify(await readRpc(ok))).toContain('Sunny in Oslo');
      for (const res of [unauthenticated, ok]) {
        expect(res.headers.get('access-control-allow-origin'), String(res.status)).toBe(
          LOOPBACK_ORIGIN,
        );
        expect(res.headers.get('access-control-expose-headers') ?? '', String(res.status)).toMatch(
          /WWW-Authenticate/i,
        );
      }
    });

    it('GUARD-4 (issue 18): the OPTIONS preflight from an allowed Origin → 204 allowing Mcp-Method and Mcp-Name, before authentication', async () => {
      const res = await fetch(m.mcpUrl, {
        method: 'OPTIONS',
        headers: {
          origin: LOOPBACK_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, mcp-method, mcp-name',
        },
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(LOOPBACK_ORIGIN);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      expect(allowed).toContain('mcp-method');
      expect(allowed).toContain('mcp-name');
    });

    // ----------------------------------------------------------- (e) nesting depth

    it('GUARD-5 (issue 12): 10,000 nested [ inside a tools/call’s arguments → 400 JSON-RPC -32700 (authenticated), 401 (not)', async () => {
      const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":${'['.repeat(10_000)}${']'.repeat(10_000)}}}}`;
      const before = ran('get_weather');
      expect((await post(deep)).status).toBe(401);
      const res = await post(deep, { authorization: `Bearer ${await mint(READ)}` });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32700);
      expect(ran('get_weather')).toBe(before);
    });

    // ------------------------------------------------------------ (f) stalled uploads

    it('GUARD-6 (issue 12): stalled uploads (half a body, then silence), authenticated or not, do not stop the server answering others promptly', async () => {
      const body = toolCall('get_weather', { city: 'x'.repeat(2000) });
      const half = body.slice(0, body.length / 2);
      const stalledAuthenticated = rawPost(body.length, half, {
        Authorization: `Bearer ${await mint(READ)}`,
      });
      const stalledAnonymous = rawPost(body.length, half);
      // The anonymous one is answered at once (its body is never waited for).
      expect((await stalledAnonymous.head).status).toBe(401);
      const started = Date.now();
      const res = await fetch(m.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${await mint(READ)}`,
        },
        body: toolCall('get_weather', { city: 'Oslo' }),
        signal: AbortSignal.timeout(2000),
      });
      expect(res.status).toBe(200);
      expect(JSON.stringify(await readRpc(res))).toContain('Sunny in Oslo');
      expect(Date.now() - started).toBeLessThan(2000);
      // The stalled authenticated upload is still waiting for its body, unanswered.
      expect(stalledAuthenticated.socket.destroyed).toBe(false);
    });
  });
}
