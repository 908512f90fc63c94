// The SDK v2 example (createMcpHandler behind core's MCP guard, @mcp-auth/sdk/v2 policies)
// in-process, driven through the whole OAuth flow by the official clients of both SDK
// generations: the v2 client pinned to 2026-07-28, and the v1 client (the shared walkthrough).
import {
  Client,
  InsufficientScopeError,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleCases } from '../../../test/support/example-cases.js';
import { connectWithOAuth, ScriptedOAuthProvider } from '../../../test/support/oauth-client.js';
import { start } from '../src/app.js';

const READ = 'mcp:tools:read';

// The v1 client (@modelcontextprotocol/sdk 1.x): the walkthrough every example passes.
exampleCases('sdk-v2', () => start({ port: 0 }), 'edge');

/** The v2 client pinned to 2026-07-28, authorized by the scripted user through the real forms. */
class V2Session {
  readonly client = new Client(
    { name: 'sdk-v2-example-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  readonly provider: ScriptedOAuthProvider;
  transport: StreamableHTTPClientTransport;

  constructor(
    readonly mcpUrl: string,
    readonly issuer: string,
    username: string,
    untick: readonly string[] = [],
  ) {
    this.provider = new ScriptedOAuthProvider({ username, untick });
    this.transport = this.#newTransport();
  }

  #newTransport(): StreamableHTTPClientTransport {
    return new StreamableHTTPClientTransport(new URL(this.mcpUrl), {
      authProvider: this.provider as unknown as OAuthClientProvider,
      // A 403 step-up surfaces as InsufficientScopeError instead of a new authorization.
      onInsufficientScope: 'throw',
    });
  }

  /** Runs `action`; after the scripted login that an UnauthorizedError stands for, once more. */
  async #authorized<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      // code + iss (RFC 9207): the SDK checks the issuer before redeeming the code.
      await this.transport.finishAuth(
        new URLSearchParams({ code: this.provider.takeCode(), iss: this.issuer }),
      );
      return action();
    }
  }

  async connect(): Promise<void> {
    await this.#authorized(async () => {
      const transport = this.transport;
      try {
        await this.client.connect(transport);
      } catch (error) {
        this.transport = this.#newTransport();
        throw error;
      }
    });
  }

  async toolNames(): Promise<string[]> {
    const { tools } = await this.client.listTools();
    return tools.map((t) => t.name).sort();
  }

  async call(name: string, args: Record<string, unknown> = {}) {
    const result = await this.#authorized(() => this.client.callTool({ name, arguments: args }));
    return {
      isError: result.isError === true,
      text: result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'),
    };
  }
}

describe('examples/sdk-v2: the v2 client pinned to 2026-07-28 and the v1 client', () => {
  let example: Awaited<ReturnType<typeof start>>;
  const ran: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    example = await start({ port: 0 }, { onToolRun: (tool) => ran.push(tool) });
  });

  afterAll(async () => {
    await Promise.all(closers.map((close) => close().catch(() => {})));
    await example?.close();
  });

  async function v2As(username: string, untick: readonly string[] = []): Promise<V2Session> {
    const session = new V2Session(example.mcpUrl, example.url, username, untick);
    closers.push(() => session.client.close());
    await session.connect();
    return session;
  }

  it('advertises Client ID Metadata Documents next to dynamic registration (issue 17 item 7)', async () => {
    const metadata = (await (
      await fetch(`${example.url}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    expect(metadata.registration_endpoint).toBe(`${example.url}/register`);
  });

  it('v2: alice (viewer) sees get_weather and whoami, get_weather runs, send_email (a scope she can never hold) is refused inside MCP and never runs', async () => {
    const alice = await v2As('alice');
    expect(alice.transport.protocolVersion).toBe('2026-07-28');
    expect(alice.provider.grantedScopes).toEqual([READ]);
    expect(await alice.toolNames()).toEqual(['get_weather', 'whoami']);
    expect(await alice.call('get_weather', { city: 'Oslo' })).toEqual({
      isError: false,
      text: 'Sunny in Oslo',
    });
    expect((await alice.call('whoami')).text).toBe(`alice (viewer): ${READ}`);
    // No 403 step-up: no sign-in could give a viewer mcp:tools:write (issue 17).
    const denied = await alice.call('send_email', { to: 'bob' });
    expect(denied.isError).toBe(true);
    expect(denied.text).toMatch(/^Access denied \(scope_not_grantable\): .*mcp:tools:write/);
    expect(alice.provider.authorizationUrls).toHaveLength(1);
    expect(ran).not.toContain('send_email');
  });

  it('v2: bob (editor) who unticked write gets a 403 step-up (InsufficientScopeError for mcp:tools:write) and the tool never runs', async () => {
    const before = ran.filter((tool) => tool === 'send_email').length;
    const bob = await v2As('bob', ['mcp:tools:write']);
    expect(bob.provider.grantedScopes).toEqual([READ]);
    // 403 insufficient_scope with only the scope the call needs (SEP-2350).
    const denied = bob.call('send_email', { to: 'carol' });
    await expect(denied).rejects.toBeInstanceOf(InsufficientScopeError);
    await expect(denied).rejects.toMatchObject({ requiredScope: 'mcp:tools:write' });
    expect(ran.filter((tool) => tool === 'send_email')).toHaveLength(before);
  });

  it('v2: carol (admin) lists and calls every tool, delete_user included', async () => {
    const carol = await v2As('carol');
    expect(await carol.toolNames()).toEqual(['delete_user', 'get_weather', 'send_email', 'whoami']);
    expect(await carol.call('delete_user', { username: 'bob' })).toEqual({
      isError: false,
      text: 'Deleted bob',
    });
    expect(ran).toContain('delete_user');
  });

  it('v1: bob (editor) lists read + write tools, send_email runs, delete_user is refused and never runs', async () => {
    const before = ran.filter((tool) => tool === 'delete_user').length;
    const bob = await connectWithOAuth(example.mcpUrl, { username: 'bob' });
    closers.push(() => bob.close());
    expect(await bob.toolNames()).toEqual(['get_weather', 'send_email', 'whoami']);
    expect((await bob.call('send_email', { to: 'carol' })).text).toBe('Sent to carol');
    // An editor can never be granted mcp:tools:admin: answered inside MCP, not a looping 403.
    const refused = await bob.call('delete_user', { username: 'alice' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^Access denied \(scope_not_grantable\)/);
    expect(ran.filter((tool) => tool === 'delete_user')).toHaveLength(before);
  });
});
