// Test harness: the demo in-process on a free port, and the official MCP SDK client driven
// through the real login and consent forms (core's scripted form browser).
import './express-under-vitest.js';
import {
  type AuthorizeWithFormsResult,
  authorizeWithForms,
  CookieJar,
} from '@mcp-auth/core/testing';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningDemo, type StartDemoOptions, startDemo } from '../src/app.js';
import { DemoOAuthClientProvider } from '../src/oauth-client.js';
import { createDemoUser, DEMO_PASSWORD, DEMO_USERS } from '../src/users.js';

/** A test-only user: every scope, but the role `viewer` (attributes deny what scopes allow). */
export const DAVE = {
  ...createDemoUser('dave', 'viewer'),
  scopes: ['mcp:tools:read', 'mcp:tools:write', 'mcp:tools:admin'],
};

export interface TestDemo {
  demo: RunningDemo;
  logs: string[];
}

export async function startTestDemo(options: StartDemoOptions = {}): Promise<TestDemo> {
  const logs: string[] = [];
  const demo = await startDemo({
    port: 0,
    env: {},
    users: [...DEMO_USERS, DAVE],
    passwordIterations: 10_000,
    log: (line) => logs.push(line),
    ...options,
  });
  return { demo, logs };
}

/** What the scripted user does on the login and consent pages. */
export interface UserScript {
  username: string;
  password?: string;
  untick?: readonly string[];
  decision?: 'approve' | 'deny';
}

/** Drives an authorization URL to the redirect back to the client (default: core's form driver). */
export type Authorizer = (
  url: URL,
  script: UserScript,
  jar: CookieJar,
) => Promise<Pick<AuthorizeWithFormsResult, 'code' | 'state' | 'error'>>;

const formAuthorizer: Authorizer = (url, script, jar) =>
  authorizeWithForms({
    fetch: (request) => fetch(request),
    authorizationUrl: url,
    username: script.username,
    password: script.password ?? DEMO_PASSWORD,
    untick: script.untick ?? [],
    decision: script.decision ?? 'approve',
    jar,
  });

/** The official SDK client, authorized by a scripted user. */
export class TestClient {
  readonly provider: DemoOAuthClientProvider;
  readonly client = new Client({ name: 'demo-test-client', version: '1.0.0' });
  /** Every authorization the client asked for, with what the user did. */
  readonly authorizations: {
    url: URL;
    result: Partial<AuthorizeWithFormsResult> &
      Pick<AuthorizeWithFormsResult, 'code' | 'state' | 'error'>;
  }[] = [];
  /** Every response the MCP endpoint gave (status and WWW-Authenticate). */
  readonly mcpResponses: { status: number; challenge: string | null }[] = [];
  readonly jar = new CookieJar();
  transport: StreamableHTTPClientTransport;
  script: UserScript;
  #pending: Promise<Pick<AuthorizeWithFormsResult, 'code' | 'state' | 'error'>> | undefined;

  constructor(
    readonly mcpUrl: string,
    script: UserScript,
    authorizer: Authorizer = formAuthorizer,
  ) {
    this.script = script;
    this.provider = new DemoOAuthClientProvider({
      redirectUrl: 'http://127.0.0.1/callback',
      clientName: 'Demo test client',
      onRedirect: (url) => {
        this.#pending = authorizer(url, this.script, this.jar).then((result) => {
          this.authorizations.push({ url, result });
          return result;
        });
      },
    });
    this.transport = this.#newTransport();
  }

  #newTransport(): StreamableHTTPClientTransport {
    return new StreamableHTTPClientTransport(new URL(this.mcpUrl), {
      authProvider: this.provider,
      fetch: async (input, init) => {
        const response = await this.provider.fetch(input, init);
        if (String(input instanceof Request ? input.url : input) === this.mcpUrl) {
          this.mcpResponses.push({
            status: response.status,
            challenge: response.headers.get('www-authenticate'),
          });
        }
        return response;
      },
    });
  }

  /** Completes a pending authorization: checks state, exchanges the code. */
  async #finish(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) throw new Error('no authorization was started');
    const result = await pending;
    if (!this.provider.checkState(result.state)) throw new Error('state mismatch');
    if (result.error || !result.code) {
      throw Object.assign(new Error(`authorization ended with ${result.error}`), {
        oauthError: result.error,
      });
    }
    await this.transport.finishAuth(result.code);
  }

  /** Runs `action`; on UnauthorizedError lets the scripted user authorize, then retries once. */
  async withAuthorization<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
      await this.#finish();
      return action();
    }
  }

  async connect(): Promise<void> {
    await this.withAuthorization(async () => {
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
    const result = await this.withAuthorization(() =>
      this.client.callTool({ name, arguments: args }),
    );
    const content = result.content as { type: string; text?: string }[];
    return { isError: result.isError === true, text: content.map((c) => c.text ?? '').join('\n') };
  }

  get accessToken(): string {
    const token = this.provider.tokens()?.access_token;
    if (!token) throw new Error('no access token');
    return token;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}
