import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuthorizationServerOptions } from '@mcp-auth/core';
import type { Jwks } from '@mcp-auth/core/jwt';

/**
 * The demo's pre-registered machine clients (issue 14): MCP clients acting for themselves, not
 * for a person, through the client credentials grant. Both may hold `mcp:tools:read` only, so
 * the demo policy gives them `get_weather` and refuses them everything a viewer is refused.
 */

/** `client_secret_basic` machine client; its secret from `DEMO_AGENT_SECRET`. */
export const DEMO_AGENT_ID = 'demo-agent';
/** `private_key_jwt` (ES256) machine client; present only with `DEMO_AGENT_JWKS`. */
export const DEMO_AGENT_JWT_ID = 'demo-agent-jwt';
/** What the machine clients may be granted. */
export const MACHINE_SCOPE = 'mcp:tools:read';

/** The machine clients' settings, once resolved. */
export interface DemoMachineClients {
  /** `demo-agent`'s secret (never printed or logged). */
  readonly agentSecret: string;
  /** Where the secret came from: `DEMO_AGENT_SECRET`, or generated at start. */
  readonly agentSecretSource: 'env' | 'generated';
  /**
   * A generated secret's file (in a fresh temporary directory, readable by its owner only), for
   * the person running the demo: the banner names the file, never the secret. Removed by
   * {@link removeAgentSecretFile} when the demo stops.
   */
  readonly agentSecretFile: string | undefined;
  /** `demo-agent-jwt`'s public keys (`DEMO_AGENT_JWKS`); absent: no such client. */
  readonly agentJwks: Jwks | undefined;
}

/**
 * `DEMO_AGENT_SECRET` when set (≥ 16 characters), else a fresh random secret written to a file
 * only its owner can read (the directory 0700, the file 0600).
 */
export function resolveMachineClients(
  agentSecret: string | undefined,
  agentJwks: Jwks | undefined,
): DemoMachineClients {
  if (agentSecret !== undefined)
    return { agentSecret, agentSecretSource: 'env', agentSecretFile: undefined, agentJwks };
  const generated = randomBytes(24).toString('base64url');
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-auth-demo-')), `${DEMO_AGENT_ID}.secret`);
  writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
  return {
    agentSecret: generated,
    agentSecretSource: 'generated',
    agentSecretFile: file,
    agentJwks,
  };
}

/** Removes a generated secret's file and its directory (nothing when the secret came from the environment). */
export function removeAgentSecretFile(clients: DemoMachineClients): void {
  if (clients.agentSecretFile !== undefined)
    rmSync(dirname(clients.agentSecretFile), { recursive: true, force: true });
}

/**
 * `DEMO_AGENT_JWKS` read as a JWK Set of public keys, or a problem naming the variable (never
 * its content). The authorization server checks the keys themselves (public only, ≤ 10, no
 * private members) when it starts.
 */
export function parseAgentJwks(text: string): { jwks: Jwks } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'DEMO_AGENT_JWKS must be a JWK Set as JSON ({"keys":[…]})' };
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    !Array.isArray((value as { keys?: unknown }).keys)
  ) {
    return { problem: 'DEMO_AGENT_JWKS must be a JWK Set as JSON ({"keys":[…]})' };
  }
  return { jwks: value as Jwks };
}

type StaticClient = NonNullable<AuthorizationServerOptions['clients']>[number];

/** The static client configurations of the machine clients, for `createAuthorizationServer`. */
export function machineClientConfigs(clients: DemoMachineClients): StaticClient[] {
  const configs: StaticClient[] = [
    {
      clientId: DEMO_AGENT_ID,
      clientName: 'Demo agent (client credentials, client_secret_basic)',
      clientSecret: clients.agentSecret,
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      scope: MACHINE_SCOPE,
    },
  ];
  if (clients.agentJwks !== undefined) {
    configs.push({
      clientId: DEMO_AGENT_JWT_ID,
      clientName: 'Demo agent (client credentials, private_key_jwt)',
      jwks: clients.agentJwks,
      tokenEndpointAuthSigningAlg: 'ES256',
      grantTypes: ['client_credentials'],
      scope: MACHINE_SCOPE,
    });
  }
  return configs;
}
