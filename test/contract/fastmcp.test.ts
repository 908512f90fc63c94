// The contract suite through @mcp-auth/fastmcp: FastMCPAuthWrapper on a FastMCP server with
// the httpStream transport (stateless), the authorization server embedded on its HTTP app, core's
// MCP guard in fastmcp's authenticate hook (403 step-up at the HTTP edge, denials inside MCP).
//
// fastmcp 4.x is built on MCP SDK v1: it serves the 2025-era protocol only. The suite runs the
// SDK v1 client and the SDK v2 client negotiating (which falls back to 2025-11-25) against it.
// The v2 client pinned to 2026-07-28 is NOT run through the flow: fastmcp's mcp-proxy (6.7) has a
// 2026-07-28 leg, but it refuses server instances built by SDK 1.x (`server/discover` does not
// offer 2026-07-28), so the pinned client fails to connect, by design (no fallback in pin mode).
// The suite asserts exactly that refusal instead; it turns red the day fastmcp serves 2026-07-28.
import { createServer } from 'node:net';
import { FastMCPAuthWrapper } from '@mcp-auth/fastmcp';
import { FastMCP } from 'fastmcp';
import { z } from 'zod';
import { defineAsHardeningCases } from './as-hardening-cases.js';
import { defineDpopCases } from './dpop-cases.js';
import { defineEnterpriseCases } from './enterprise-cases.js';
import { defineMachineClientCases } from './machine-clients-cases.js';
import { definePagesCases } from './pages-cases.js';
import { defineRateLimitCases } from './rate-limit-cases.js';
import { defineKeyRotationCases } from './key-rotation-cases.js';
import { defineObservabilityCases } from './observability-cases.js';
import { defineGuardCases } from './guard-cases.js';
import { defineContractSuite, type MountContract } from './suite.js';

const quiet = { debug() {}, error() {}, info() {}, log() {}, warn() {} };

// fastmcp needs its port before start(), and the issuer (which holds the port) is needed to
// build the wrapper: probe a free loopback port first.
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const mountFastmcp: MountContract = async (spec) => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spec.createServer(baseUrl);
  const auth = new FastMCPAuthWrapper({ policy: spec.policy, authorizationServer: server });
  const fastmcp = auth.protect(
    new FastMCP({ ...auth.serverOptions(), name: 'contract', version: '1.0.0', logger: quiet }),
  );
  for (const tool of spec.tools) {
    fastmcp.addTool({
      name: tool.name,
      description: tool.description,
      parameters: z.object(tool.shape),
      execute: async (args, { session }) => tool.run(args as Record<string, unknown>, session),
    });
  }
  await fastmcp.start({
    transportType: 'httpStream',
    httpStream: { port, host: '127.0.0.1', endpoint: '/mcp', stateless: true },
  });
  return {
    baseUrl,
    mcpUrl: server.resource,
    issuer: server.issuer,
    server,
    close: () => fastmcp.stop(),
  };
};

defineContractSuite('fastmcp', mountFastmcp, { servers: ['v1'] });
defineAsHardeningCases('fastmcp', mountFastmcp);
defineDpopCases('fastmcp', mountFastmcp);
defineEnterpriseCases('fastmcp', mountFastmcp);
defineMachineClientCases('fastmcp', mountFastmcp);
definePagesCases('fastmcp', mountFastmcp);
defineRateLimitCases('fastmcp', mountFastmcp);
defineKeyRotationCases('fastmcp', mountFastmcp);
defineObservabilityCases('fastmcp', mountFastmcp);

// The guard alone: the tools are added BEFORE protect(), so fastmcp runs them without
// protectTool's in-server check; only the edge guard (edge-guard.ts) decides.
defineGuardCases('fastmcp', async (spec) => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spec.createServer(baseUrl);
  const auth = new FastMCPAuthWrapper({ policy: spec.policy, authorizationServer: server });
  const fastmcp = new FastMCP({
    ...auth.serverOptions(),
    name: 'contract-unprotected',
    version: '1.0.0',
    logger: quiet,
  });
  for (const tool of spec.tools) {
    fastmcp.addTool({
      name: tool.name,
      description: tool.description,
      parameters: z.object(tool.shape),
      execute: async (args, { session }) => tool.run(args as Record<string, unknown>, session),
    });
  }
  auth.protect(fastmcp);
  await fastmcp.start({
    transportType: 'httpStream',
    httpStream: { port, host: '127.0.0.1', endpoint: '/mcp', stateless: true },
  });
  return { baseUrl, mcpUrl: server.resource, issuer: server.issuer, close: () => fastmcp.stop() };
});
