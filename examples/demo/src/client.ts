// A small MCP client for the demo, on the official SDK v2 (`@modelcontextprotocol/client`):
// `npm run client [url] [--dpop]` in examples/demo (or `npx -y pnpm@10.34.9 --filter ./examples/demo client [url] [--dpop]`).
// With `--dpop` it holds a DPoP key (the SDK's DpopSession): tokens bound to it, every request signed.
// It registers, prints the authorization URL for you to open, waits for the redirect on a
// loopback port, then lists the tools and calls get_weather and whoami. It never prints a token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallToolResult,
  Client,
  DpopSession,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { DemoOAuthClientProvider } from './oauth-client.js';

const args = process.argv.slice(2);
const mcpUrl = new URL(
  args.find((arg) => !arg.startsWith('--')) ??
    process.env['MCP_URL'] ??
    'http://localhost:3000/mcp',
);
const useDpop = args.includes('--dpop');

/** Waits for the authorization server to redirect the browser back to the loopback listener. */
class LoopbackCallback {
  readonly #server: Server;
  #waiting:
    | { resolve: (params: URLSearchParams) => void; reject: (error: Error) => void }
    | undefined;
  provider!: DemoOAuthClientProvider;

  constructor() {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      const code = url.searchParams.get('code');
      const error = url.searchParams.get('error');
      const stateOk = this.provider.checkState(url.searchParams.get('state'));
      const ok = Boolean(code) && stateOk && !error;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        ok
          ? '<!doctype html><title>Signed in</title><p>Signed in. You can close this tab and return to the terminal.</p>'
          : '<!doctype html><title>Not signed in</title><p>Authorization failed. See the terminal.</p>',
      );
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (!waiting) return;
      if (ok) waiting.resolve(url.searchParams);
      else if (!stateOk && !error)
        waiting.reject(new Error('The redirect carried the wrong state'));
      else waiting.reject(new Error(`Authorization failed: ${error ?? 'no code'}`));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/callback`;
  }

  next(): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  close(): void {
    this.#server.close();
  }
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

async function main(): Promise<void> {
  const callback = new LoopbackCallback();
  const redirectUrl = await callback.listen();
  let pendingCode: Promise<URLSearchParams> | undefined;
  // --dpop: the provider's dpop() hands the SDK a key; its transport then signs a proof for
  // every token and MCP request (withDpop) and presents the token as `DPoP`.
  const session = useDpop ? await DpopSession.create() : undefined;
  const provider = new (class extends DemoOAuthClientProvider {
    dpop(): DpopSession | undefined {
      return session;
    }
  })({
    redirectUrl,
    clientName: 'mcp-auth demo client script',
    onRedirect: (url) => {
      pendingCode = callback.next();
      console.log(
        `\nOpen this URL in your browser and sign in (alice, bob or carol; password "demo"):\n\n  ${url.href}\n`,
      );
      console.log(`Waiting for the redirect to ${redirectUrl} …`);
    },
  });
  callback.provider = provider;

  const transportFor = () => new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  let transport = transportFor();
  // `auto`: probe with server/discover and speak 2026-07-28 when the server does (the demo
  // does), else fall back to the 2025 handshake.
  const client = new Client(
    { name: 'mcp-auth-demo-client', version: '0.1.0' },
    { versionNegotiation: { mode: 'auto' } },
  );

  // Runs `action`; when the server asks for (more) authorization, waits for the user, then retries.
  const withAuthorization = async <T>(action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || !pendingCode) throw error;
      const params = await pendingCode;
      pendingCode = undefined;
      // code and iss (RFC 9207): the SDK checks the issuer before redeeming the code.
      await transport.finishAuth(params);
      console.log(`Authorized with scopes: ${provider.grantedScopes.join(' ') || '(none)'}`);
      if (session)
        console.log(
          `Token type: ${provider.tokens()?.token_type ?? '?'} (bound to the client's DPoP key)`,
        );
      return action();
    }
  };

  try {
    await withAuthorization(async () => {
      // A failed connect closes the transport: each attempt gets a fresh one.
      const attempt = transport;
      try {
        await client.connect(attempt);
      } catch (error) {
        transport = transportFor();
        throw error;
      }
    });
    console.log(`Connected to ${mcpUrl.href}`);

    const { tools } = await client.listTools();
    console.log(`\nTools you may call: ${tools.map((t) => t.name).join(', ') || '(none)'}`);

    const weather = await withAuthorization(() =>
      client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } }),
    );
    console.log(`\nget_weather → ${textOf(weather)}`);

    const whoami = await withAuthorization(() =>
      client.callTool({ name: 'whoami', arguments: {} }),
    );
    console.log(`\nwhoami → ${textOf(whoami)}`);
  } finally {
    await client.close().catch(() => {});
    callback.close();
  }
}

main().catch((error: unknown) => {
  console.error(`\nThe client failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
