import type { Server } from 'node:http';

/** The settings every process of the example reads (the launcher passes them down). */
export function env(source: NodeJS.ProcessEnv = process.env) {
  const host = source['HOST'] ?? '127.0.0.1';
  const port = Number(source['AS_PORT'] ?? 3000);
  const at = (p: string | undefined, fallback: number) => `http://${host}:${Number(p ?? fallback)}`;
  return {
    host,
    port,
    /** The authorization server's origin: the one issuer of both services. */
    origin: at(source['AS_PORT'], 3000),
    /** The two resource servers (their MCP endpoints are `<url>/mcp`). */
    services: {
      notes: at(source['NOTES_PORT'], 3001),
      tasks: at(source['TASKS_PORT'], 3002),
    } as Record<string, string>,
    redisUrl: source['MCP_AUTH_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    /** Every process must use the same prefix: revocations are read where they were written. */
    keyPrefix: source['MCP_AUTH_REDIS_PREFIX'] ?? 'mcp-auth-multi:',
    /** Which resource server this process is. */
    service: source['SERVICE'],
  };
}

/**
 * Node's limits on a slow client, for `createServer(SERVER_TIMEOUTS, app)`: a request's headers
 * within 10 s, the whole request within 30 s (responses, such as an SSE stream, are not limited).
 */
export const SERVER_TIMEOUTS = Object.freeze({
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 2_000,
});

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(port, host, resolve);
  });
}
