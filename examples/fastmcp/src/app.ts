import { createServer } from 'node:net';
import {
  createExampleAuthorizationServer,
  createExamplePolicy,
  EXAMPLE_TOOLS,
} from '@mcp-auth-examples/shared';
import {
  type ExampleOptions,
  exampleAddress,
  exampleOrigin,
  exampleSigningKey,
} from '@mcp-auth-examples/shared/node';
import { FastMCPAuthWrapper } from '@mcp-auth/fastmcp';
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

// What every example shares (../shared): the policy (get_* → read, send_* → write, delete_* →
// admin, whoami for anyone), the four tools, the users alice/bob/carol (password `demo`).
const policy = createExamplePolicy();

/** Starts the example; `port: 0` picks a free port. */
export async function start(options: ExampleOptions = {}) {
  const address = exampleAddress(options);
  const host = address.host;
  const port = await resolvePort(address.port, host);
  // The public origin (MCP_AUTH_ISSUER behind a proxy): the issuer; the MCP URL is <origin>/mcp.
  const url = exampleOrigin(host, port);

  const authorizationServer = await createExampleAuthorizationServer({
    url,
    policy,
    signingKey: exampleSigningKey(), // HS256: MCP_AUTH_SECRET, or random per start
  });
  const auth = new FastMCPAuthWrapper({ policy, authorizationServer });
  // fastmcp's authenticate hook from the wrapper; protect() filters tools by the policy and
  // serves the OAuth endpoints + metadata on fastmcp's HTTP app.
  const server = auth.protect(
    new FastMCP({ ...auth.serverOptions(), name: 'fastmcp-example', version: '1.0.0' }),
  );
  // The shared tools in fastmcp's shape, added after protect(); the session is the AuthContext.
  for (const tool of EXAMPLE_TOOLS) {
    server.addTool({
      name: tool.name,
      parameters: z.object(tool.args),
      execute: async (args, { session }) => tool.run(args, session),
    });
  }
  await server.start({ transportType: 'httpStream', httpStream: { port, host, endpoint: '/mcp' } });
  return { url, mcpUrl: `${url}/mcp`, close: () => server.stop() };
}

// The issuer (and so the port) must be known before fastmcp starts: resolve port 0 first.
async function resolvePort(port: number, host: string): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, host, resolve));
  const { port: free } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}
