/**
 * Shared pieces of the HTTP benchmark's MCP SDK v2 server processes (`bench/http/v2-*.ts`):
 * the same `get_weather` tool server as the v1 variants, on `@modelcontextprotocol/server` 2.x
 * (`McpServer` + `createMcpHandler`), served on Express 5 through `toNodeHandler` from
 * `@modelcontextprotocol/node`. `createMcpHandler` calls its factory once per HTTP request
 * (protocol 2026-07-28 is stateless; the 2025-era fallback is its stateless idiom too), so every
 * variant builds one `McpServer` per request: there is no session layout to choose on v2.
 *
 * The servers print `port=<n> core=<url>` and answer `/__bench/*` like the v1 ones
 * (see bench/http/common.ts).
 */
import { type McpServer as McpServerV2, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** The protocol revision the v2 variants are driven with. */
export const V2_PROTOCOL_VERSION = '2026-07-28';

/** The v2 tool server of every v2 variant: one `get_weather` tool with a zod input schema. */
export function createV2ToolServer(): McpServerV2 {
  const mcp = new McpServer({ name: 'bench-weather', version: '1.0.0' });
  mcp.registerTool(
    'get_weather',
    { description: 'Current weather of a city', inputSchema: z.object({ city: z.string() }) },
    async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}` }] }),
  );
  return mcp;
}

/**
 * The headers of a 2026-07-28 `tools/call` of `get_weather`, as `@modelcontextprotocol/client`
 * 2.4 pinned to 2026-07-28 sends them (captured from the real client; see bench/README.md).
 */
export function v2ToolCallHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': V2_PROTOCOL_VERSION,
    'mcp-method': 'tools/call',
    'mcp-name': 'get_weather',
  };
}

/**
 * The body of that call: the per-request envelope the v2 SDK requires in `params._meta`
 * (protocol version, client info, client capabilities), keys as the real client sends them.
 */
export function v2ToolCallBody(id: string | number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'get_weather',
      arguments: { city: 'Paris' },
      _meta: {
        'io.modelcontextprotocol/protocolVersion': V2_PROTOCOL_VERSION,
        'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
}
