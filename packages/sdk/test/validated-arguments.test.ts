import type { AuthContext, PolicyEngine } from '@mcp-auth/core';
import { toAuthInfo } from '@mcp-auth/core/mcp';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { interceptRequestHandlers, protectMcpServer } from '../src/index.js';
import { createTestAuth, type TestAuth, type TestUser } from './fixtures.js';

// SDK 1.x: argument conditions are decided on the arguments the tool receives (issue 11 item 4).
// The official client and McpServer over the SDK's in-memory transport, every request carrying
// the AuthInfo core's toAuthInfo() builds from a real verified token (as the HTTP guards do).

let auth: TestAuth;
beforeAll(async () => {
  auth = await createTestAuth(new URL('http://127.0.0.1:1/mcp'));
  auth.policy.addRule({
    id: 'no-self-delete',
    tools: 'delete_user',
    effect: 'deny',
    args: { arg: 'user', eq: { claim: 'sub' } },
  });
});

async function authInfoFor(user: TestUser) {
  const token = await auth.tokenFor(user);
  return toAuthInfo((await auth.verifier.verify(token)) as AuthContext, token);
}

/** Connects `user` to `server`: every message the client sends carries the user's AuthInfo. */
async function connectAs(server: McpServer | Server, user: TestUser): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const authInfo = await authInfoFor(user);
  const send = clientTransport.send.bind(clientTransport);
  (clientTransport as Transport).send = (message, options) =>
    send(message, { ...options, authInfo });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

function text(result: unknown): string {
  const content = (result as { content?: { text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

function deleteServer(
  policy: PolicyEngine,
  deleted: string[],
  order: 'before' | 'after',
): McpServer {
  const server = new McpServer({ name: 's', version: '1.0.0' });
  const register = () =>
    server.registerTool(
      'delete_user',
      { inputSchema: { user: z.string().trim().toLowerCase() } },
      async ({ user }) => {
        deleted.push(user);
        return { content: [{ type: 'text', text: `deleted ${user}` }] };
      },
    );
  if (order === 'before') register();
  protectMcpServer(server, { policy });
  if (order === 'after') register();
  return server;
}

describe('SDK 1.x: argument conditions see the schema-parsed arguments', () => {
  for (const order of ['before', 'after'] as const) {
    it(`SDK-V1-1 (tool registered ${order} protection): no-self-delete refuses " Carol", "CAROL" and "carol" and the tool never runs`, async () => {
      const deleted: string[] = [];
      const carol = await connectAs(deleteServer(auth.policy, deleted, order), 'carol');
      for (const user of ['carol', ' Carol', 'CAROL', '\tcarol ']) {
        const result = await carol.callTool({ name: 'delete_user', arguments: { user } });
        expect(result.isError, JSON.stringify(user)).toBe(true);
        expect(text(result)).toMatch(/^Access denied \(denied_by_rule\): /);
      }
      expect(deleted).toEqual([]);
      expect(text(await carol.callTool({ name: 'delete_user', arguments: { user: ' Bob' } }))).toBe(
        'deleted bob',
      );
      expect(deleted).toEqual(['bob']);
      await carol.close();
    });
  }

  it('SDK-V1-2: an allow that depends on arguments holds for what the tool receives (own-documents-only, " ALICE ")', async () => {
    const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), {
      policy: auth.policy,
    });
    server.registerTool(
      'read_document',
      { inputSchema: { owner: z.string().trim().toLowerCase() } },
      async ({ owner }) => ({ content: [{ type: 'text', text: `document of ${owner}` }] }),
    );
    const alice = await connectAs(server, 'alice');
    const own = await alice.callTool({ name: 'read_document', arguments: { owner: ' ALICE ' } });
    expect(text(own)).toBe('document of alice');
    const other = await alice.callTool({ name: 'read_document', arguments: { owner: 'Bob' } });
    expect(text(other)).toMatch(/^Access denied \(denied_by_rule\)/);
    await alice.close();
  });

  it('SDK-V1-3: a call refused whatever its arguments is refused before the input schema runs', async () => {
    let parsed = 0;
    const server = protectMcpServer(new McpServer({ name: 's', version: '1.0.0' }), {
      policy: auth.policy,
    });
    server.registerTool(
      'delete_user',
      {
        inputSchema: {
          user: z.string().transform((v) => {
            parsed++;
            return v;
          }),
        },
      },
      async () => ({ content: [{ type: 'text', text: 'ran' }] }),
    );
    const bob = await connectAs(server, 'bob');
    const result = await bob.callTool({ name: 'delete_user', arguments: { user: 'alice' } });
    expect(text(result)).toMatch(/^Access denied \(insufficient_scope\)/);
    expect(parsed).toBe(0);
    await bob.close();
  });

  it('SDK-V1-4: protectMcpServer after another interceptor of the handler map (e.g. @mcp-auth/fastmcp) still guards', async () => {
    const deleted: string[] = [];
    const server = new McpServer({ name: 's', version: '1.0.0' });
    interceptRequestHandlers(server.server, (_method, handler) => handler);
    server.registerTool('delete_user', { inputSchema: { user: z.string() } }, async ({ user }) => {
      deleted.push(user);
      return { content: [] };
    });
    protectMcpServer(server, { policy: auth.policy });
    const alice = await connectAs(server, 'alice');
    const result = await alice.callTool({ name: 'delete_user', arguments: { user: 'bob' } });
    expect(text(result)).toMatch(/^Access denied \(insufficient_scope\)/);
    expect(deleted).toEqual([]);
    await alice.close();
  });

  it('SDK-V1-6: a fallbackRequestHandler answering tools/call on a low-level Server is guarded', async () => {
    const ran: string[] = [];
    const server = new Server({ name: 's', version: '1.0.0' }, { capabilities: { tools: {} } });
    protectMcpServer(server, { policy: auth.policy });
    server.fallbackRequestHandler = async (request) => {
      ran.push(request.method);
      return { content: [{ type: 'text', text: 'ran' }] } as never;
    };
    const alice = await connectAs(server, 'alice');
    const result = await alice.callTool({ name: 'delete_user', arguments: { user: 'bob' } });
    expect(text(result)).toMatch(/^Access denied \(insufficient_scope\)/);
    expect(ran).toEqual([]);
    await alice.close();
  });

  it('SDK-V1-5: a task tool called without a task (automatic polling path) decides on the parsed arguments', async () => {
    const deleted: string[] = [];
    const taskStore = new InMemoryTaskStore();
    const server = new McpServer(
      { name: 's', version: '1.0.0' },
      { capabilities: { tasks: { requests: { tools: { call: {} } } } }, taskStore },
    );
    protectMcpServer(server, { policy: auth.policy });
    server.experimental.tasks.registerToolTask(
      'delete_user',
      {
        inputSchema: { user: z.string().trim().toLowerCase() },
        execution: { taskSupport: 'optional' },
      },
      {
        async createTask({ user }, extra) {
          deleted.push(user);
          const task = await extra.taskStore.createTask({});
          await extra.taskStore.storeTaskResult(task.taskId, 'completed', {
            content: [{ type: 'text', text: `deleted ${user}` }],
          });
          return { task: { ...task, status: 'completed' } };
        },
        async getTask(_args, extra) {
          return (await extra.taskStore.getTask(extra.taskId)) as never;
        },
        async getTaskResult(_args, extra) {
          return (await extra.taskStore.getTaskResult(extra.taskId)) as never;
        },
      },
    );
    const carol = await connectAs(server, 'carol');
    const refused = await carol.callTool({ name: 'delete_user', arguments: { user: ' CAROL' } });
    expect(text(refused)).toMatch(/^Access denied \(denied_by_rule\)/);
    expect(deleted).toEqual([]);
    const allowed = await carol.callTool({ name: 'delete_user', arguments: { user: 'Bob ' } });
    expect(text(allowed)).toBe('deleted bob');
    expect(deleted).toEqual(['bob']);
    await carol.close();
    taskStore.cleanup();
  });
});
