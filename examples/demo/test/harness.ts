// Test harness: the demo in-process on a free port, and the official MCP SDK clients (v1 and v2)
// driven through the real login and consent forms (core's scripted form browser).
import './express-under-vitest.js';
import {
  type AuthorizeWithFormsResult,
  authorizeWithForms,
  CookieJar,
} from '@mcp-auth/core/testing';
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2Transport,
  UnauthorizedError as V2UnauthorizedError,
} from '@modelcontextprotocol/client';
import {
  type OAuthClientProvider as V1OAuthClientProvider,
  UnauthorizedError as V1UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
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
  /** The tools whose bodies ran, in order (a refused call must leave no trace here). */
  ran: string[];
}

export async function startTestDemo(options: StartDemoOptions = {}): Promise<TestDemo> {
  const logs: string[] = [];
  const ran: string[] = [];
  const demo = await startDemo({
    port: 0,
    env: {},
    users: [...DEMO_USERS, DAVE],
    passwordIterations: 10_000,
    log: (line) => logs.push(line),
    onToolRun: (tool) => ran.push(tool),
    ...options,
  });
  return { demo, logs, ran };
}

/** What the scripted user does on the login and consent pages. */
export interface UserScript {
  username: string;
  password?: string;
  untick?: readonly string[];
  decision?: 'approve' | 'deny';
}

/** What an authorization ended with, at the client's redirect URI. */
export type AuthorizationOutcome = Pick<AuthorizeWithFormsResult, 'code' | 'state' | 'error'> &
  Partial<Pick<AuthorizeWithFormsResult, 'iss'>>;

/** Drives an authorization URL to the redirect back to the client (default: core's form driver). */
export type Authorizer = (
  url: URL,
  script: UserScript,
  jar: CookieJar,
) => Promise<AuthorizationOutcome>;

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

/**
 * Which official client: `v1` (`@modelcontextprotocol/sdk` 1.x, protocol 2025-11-25), `v2`
 * (`@modelcontextprotocol/client` 2.x pinned to 2026-07-28) or `v2-negotiate` (2.x, version
 * negotiation `auto`: probes with `server/discover`, falls back to the 2025 handshake).
 */
export type ClientKind = 'v1' | 'v2' | 'v2-negotiate';

interface AnyClient {
  connect(transport: never): Promise<void>;
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  readResource(params: { uri: string }): Promise<{ contents: unknown[] }>;
  close(): Promise<void>;
}

interface AnyTransport {
  finishAuth(code: string | URLSearchParams): Promise<void>;
  readonly sessionId: string | undefined;
  readonly protocolVersion?: string | undefined;
}

/** An official SDK client (v1 or v2), authorized by a scripted user. */
export class TestClient {
  readonly provider: DemoOAuthClientProvider;
  readonly client: AnyClient;
  /** Every authorization the client asked for, with what the user did. */
  readonly authorizations: {
    url: URL;
    result: Partial<AuthorizeWithFormsResult> & AuthorizationOutcome;
  }[] = [];
  /** Every response the MCP endpoint gave (status and WWW-Authenticate). */
  readonly mcpResponses: {
    method: string;
    status: number;
    challenge: string | null;
    sessionId: string | null;
  }[] = [];
  readonly jar = new CookieJar();
  transport: AnyTransport;
  script: UserScript;
  #pending: Promise<AuthorizationOutcome> | undefined;

  constructor(
    readonly mcpUrl: string,
    script: UserScript,
    authorizer: Authorizer = formAuthorizer,
    readonly kind: ClientKind = 'v1',
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
    this.client = (kind === 'v1'
      ? new V1Client({ name: 'demo-test-client', version: '1.0.0' })
      : new V2Client(
          { name: 'demo-test-client', version: '1.0.0' },
          { versionNegotiation: { mode: kind === 'v2' ? { pin: '2026-07-28' } : 'auto' } },
        )) as unknown as AnyClient;
    this.transport = this.#newTransport();
  }

  #newTransport(): AnyTransport {
    const fetchAndRecord = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await this.provider.fetch(input, init);
      if (String(input instanceof Request ? input.url : input) === this.mcpUrl) {
        this.mcpResponses.push({
          method: (input instanceof Request ? input.method : init?.method) ?? 'GET',
          status: response.status,
          challenge: response.headers.get('www-authenticate'),
          sessionId: response.headers.get('mcp-session-id'),
        });
      }
      return response;
    };
    const url = new URL(this.mcpUrl);
    return this.kind === 'v1'
      ? new V1Transport(url, {
          authProvider: this.provider as unknown as V1OAuthClientProvider,
          fetch: fetchAndRecord,
        })
      : (new V2Transport(url, {
          authProvider: this.provider,
          fetch: fetchAndRecord,
        }) as unknown as AnyTransport);
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
    if (this.kind === 'v1') await this.transport.finishAuth(result.code);
    else {
      // v2: code and iss (RFC 9207), checked by the SDK before the code is redeemed.
      await this.transport.finishAuth(
        new URLSearchParams({ code: result.code, ...(result.iss ? { iss: result.iss } : {}) }),
      );
    }
  }

  /** Runs `action`; on UnauthorizedError lets the scripted user authorize, then retries once. */
  async withAuthorization<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof V1UnauthorizedError) && !(error instanceof V2UnauthorizedError)) {
        throw error;
      }
      await this.#finish();
      return action();
    }
  }

  async connect(): Promise<void> {
    await this.withAuthorization(async () => {
      const transport = this.transport;
      try {
        await this.client.connect(transport as never);
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
    const result = (await this.withAuthorization(() =>
      this.client.callTool({ name, arguments: args }),
    )) as { isError?: boolean; content: { type: string; text?: string }[] };
    return {
      isError: result.isError === true,
      text: result.content.map((c) => c.text ?? '').join('\n'),
    };
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
