// Issue 14 item 5: the demo's machine clients with the official MCP SDK v2 client. `demo-agent`
// (client_secret_basic, secret from DEMO_AGENT_SECRET or generated and shown by the banner) and
// `demo-agent-jwt` (private_key_jwt ES256, public keys from DEMO_AGENT_JWKS) get client
// credentials tokens for mcp:tools:read; the demo policy refuses them what it refuses a viewer.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  Client as V2Client,
  ClientCredentialsProvider,
  PrivateKeyJwtProvider,
  StreamableHTTPClientTransport as V2Transport,
} from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ClientCredentialsProvider as V1ClientCredentialsProvider,
  PrivateKeyJwtProvider as V1PrivateKeyJwtProvider,
} from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../src/banner.js';
import { DemoConfigError, readDemoSettings } from '../src/env.js';
import { startTestDemo, type TestDemo } from './harness.js';

const SECRET = 'demo-agent-test-secret-0123456789';
const text = (result: unknown) =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');

async function connect(t: TestDemo, provider: ClientCredentialsProvider | PrivateKeyJwtProvider) {
  const client = new V2Client({ name: 'demo-machine-test', version: '1.0.0' });
  await client.connect(new V2Transport(new URL(t.demo.mcpUrl), { authProvider: provider }));
  return client;
}

describe('demo machine clients (client credentials)', () => {
  let t: TestDemo;
  let privateJwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'agent-1', use: 'sig' };
    t = await startTestDemo({
      env: { DEMO_AGENT_SECRET: SECRET, DEMO_AGENT_JWKS: JSON.stringify({ keys: [publicJwk] }) },
    });
  });
  afterAll(async () => {
    await t?.demo.close();
  });

  it('demo-agent (client_secret_basic): get_weather answers; send_email is refused (scope_not_grantable) and its body never runs', async () => {
    const provider = new ClientCredentialsProvider({
      clientId: 'demo-agent',
      clientSecret: SECRET,
      expectedIssuer: t.demo.issuer,
    });
    const client = await connect(t, provider);
    try {
      expect(provider.tokens()?.scope).toBe('mcp:tools:read');
      expect(provider.tokens()?.refresh_token).toBeUndefined();
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('get_weather');
      expect(names).not.toContain('send_email');
      const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
      expect(weather.isError).not.toBe(true);
      const before = t.ran.length;
      const send = await client.callTool({
        name: 'send_email',
        arguments: { to: 'bob@example.com', subject: 'hi', body: 'x' },
      });
      expect(send.isError).toBe(true);
      // A clear denial: no step-up could give a machine client write.
      expect(text(send)).toBe(
        'Access denied (scope_not_grantable): rule "default-write" requires scope mcp:tools:write; this client cannot be granted mcp:tools:write, so a new token would not help',
      );
      expect(t.ran.slice(before)).not.toContain('send_email');
      const who = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })));
      expect(who).toMatchObject({
        userId: 'demo-agent',
        principal: 'client',
        clientId: 'demo-agent',
      });
      expect(
        t.logs.some((line) => /tool=send_email .*client="demo-agent".*allowed=false/.test(line)),
      ).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('demo-agent-jwt (private_key_jwt, ES256): the same read access', async () => {
    const provider = new PrivateKeyJwtProvider({
      clientId: 'demo-agent-jwt',
      privateKey: privateJwk as Record<string, unknown>,
      algorithm: 'ES256',
      expectedIssuer: t.demo.issuer,
    });
    const client = await connect(t, provider);
    try {
      expect(provider.tokens()?.scope).toBe('mcp:tools:read');
      const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Rome' } });
      expect(weather.isError).not.toBe(true);
    } finally {
      await client.close();
    }
  });

  it('the SDK v1 client (1.x auth-extensions): demo-agent and demo-agent-jwt read; send_email is scope_not_grantable', async () => {
    const providers = [
      new V1ClientCredentialsProvider({
        clientId: 'demo-agent',
        clientSecret: SECRET,
        expectedIssuer: t.demo.issuer,
      }),
      new V1PrivateKeyJwtProvider({
        clientId: 'demo-agent-jwt',
        privateKey: privateJwk as Record<string, unknown>,
        algorithm: 'ES256',
        expectedIssuer: t.demo.issuer,
      }),
    ];
    for (const provider of providers) {
      const client = new V1Client({ name: 'demo-machine-v1-test', version: '1.0.0' });
      await client.connect(new V1Transport(new URL(t.demo.mcpUrl), { authProvider: provider }));
      try {
        expect(provider.tokens()?.scope).toBe('mcp:tools:read');
        const weather = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
        expect(weather.isError).not.toBe(true);
        const send = await client.callTool({
          name: 'send_email',
          arguments: { to: 'bob@example.com', subject: 'hi', body: 'x' },
        });
        expect(send.isError).toBe(true);
        expect(text(send)).toMatch(/^Access denied \(scope_not_grantable\)/);
      } finally {
        await client.close();
      }
    }
  });

  it('the banner names both clients and never prints a secret that came from the environment', () => {
    const banner = formatBanner(t.demo);
    expect(banner).toMatch(/demo-agent\s+client_secret_basic, secret from DEMO_AGENT_SECRET/);
    expect(t.demo.machineClients.agentSecretFile).toBeUndefined();
    expect(banner).toMatch(
      /demo-agent-jwt\s+private_key_jwt \(ES256\), 1 key\(s\) from DEMO_AGENT_JWKS/,
    );
    expect(banner).not.toContain(SECRET);
    // How to use them, without the secret: the token endpoint and the README section.
    expect(banner).toContain(
      `curl -u demo-agent:<secret> -d grant_type=client_credentials ${t.demo.issuer}/token`,
    );
    expect(banner).toContain('examples/demo/README.md, "Machine clients"');
  });
});

describe('demo machine clients without configuration', () => {
  let t: TestDemo;
  beforeAll(async () => {
    t = await startTestDemo();
  });
  afterAll(async () => {
    await t?.demo.close();
  });

  it('demo-agent gets a generated secret in a file only its owner can read — the banner names the file, never the secret; demo-agent-jwt is absent', async () => {
    const { agentSecret, agentSecretSource, agentSecretFile } = t.demo.machineClients;
    expect(agentSecretSource).toBe('generated');
    expect(agentSecretFile).toBeDefined();
    expect(readFileSync(agentSecretFile!, 'utf8').trim()).toBe(agentSecret);
    if (process.platform !== 'win32') {
      expect(statSync(agentSecretFile!).mode & 0o077).toBe(0);
      expect(statSync(dirname(agentSecretFile!)).mode & 0o077).toBe(0);
    }
    const banner = formatBanner(t.demo);
    expect(banner).not.toContain(agentSecret);
    expect(banner).toContain(`in ${agentSecretFile} (only you can read it`);
    expect(banner).toContain(`curl -u demo-agent:"$(cat ${agentSecretFile})"`);
    expect(banner).toMatch(/demo-agent-jwt\s+off/);
    expect(await t.demo.authServer.clients.getClient('demo-agent-jwt')).toBeUndefined();
    const provider = new ClientCredentialsProvider({
      clientId: 'demo-agent',
      clientSecret: agentSecret,
      expectedIssuer: t.demo.issuer,
    });
    const client = await connect(t, provider);
    await client.close();
    expect(provider.tokens()?.access_token).toBeDefined();
  });

  it('the generated secret’s file goes when the demo stops', async () => {
    const other = await startTestDemo();
    const file = other.demo.machineClients.agentSecretFile!;
    expect(existsSync(file)).toBe(true);
    await other.demo.close();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('bad DEMO_AGENT_SECRET / DEMO_AGENT_JWKS are named, never echoed', () => {
    let error: unknown;
    try {
      readDemoSettings({ DEMO_AGENT_SECRET: 'short', DEMO_AGENT_JWKS: '{"nope": secret-ish' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoConfigError);
    const problems = (error as DemoConfigError).problems.join('\n');
    expect(problems).toMatch(/DEMO_AGENT_SECRET must be at least 16 characters/);
    expect(problems).toMatch(/DEMO_AGENT_JWKS must be a JWK Set/);
    expect(problems).not.toContain('secret-ish');
    expect(problems).not.toContain('short');
  });
});
