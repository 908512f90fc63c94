// `mcp-auth grants list|revoke` and `mcp-auth clients delete` against a real Redis (a
// redis-server spawned on a free port) that an authorization server writes to: what the CLI
// revokes is refused by the server at once (issue 16 item 4).
import { createAuthorizationServer, DevIdentityProvider, toFetchHandler } from '@mcp-auth/core';
import { authorizeWithForms } from '@mcp-auth/core/testing';
import { RedisStore } from '@mcp-auth/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopAll, TestRedis } from '../../../test/support/processes.js';
import { runCli } from './helpers.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';
const PREFIX = 'cli-grants:';

let redis: TestRedis;
let store: RedisStore;
let server: ReturnType<typeof createAuthorizationServer>;
let handle: (request: Request) => Promise<Response>;

beforeAll(async () => {
  redis = await TestRedis.start();
  store = new RedisStore({ url: redis.url, keyPrefix: PREFIX });
  server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'cli-grants-secret-0123456789-abcdefghijkl',
    store,
    scopesSupported: ['weather:read'],
    identityProvider: new DevIdentityProvider({
      iterations: 10_000,
      users: [{ username: 'alice', password: 'pw', scopes: ['weather:read'] }],
    }),
  });
  handle = toFetchHandler(server);
}, 60_000);

afterAll(async () => {
  await store?.close();
  await stopAll();
});

async function signIn(clientName: string) {
  const registered = await handle(
    new Request(`${ISSUER}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: clientName,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    }),
  );
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const verifier = 'v'.repeat(43);
  const challenge = Buffer.from(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  ).toString('base64url');
  const url = new URL(`${ISSUER}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'weather:read',
    resource: RESOURCE,
  }).toString();
  const result = await authorizeWithForms({
    fetch: handle,
    authorizationUrl: url,
    username: 'alice',
    password: 'pw',
  });
  const token = await handle(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: result.code!,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: clientId,
      }).toString(),
    }),
  );
  expect(token.status).toBe(200);
  const tokens = (await token.json()) as { access_token: string; refresh_token: string };
  return { ...tokens, clientId };
}

const accepted = (token: string) =>
  server.tokenVerifier.verify(token).then(
    () => true,
    () => false,
  );

const store_ = () => ['--redis-url', redis.url, '--key-prefix', PREFIX];

describe('mcp-auth grants / clients against Redis', () => {
  it('grants list shows the grant (no token printed); grants revoke kills it for the server at once', async () => {
    const alice = await signIn('CLI Client');
    const listed = await runCli(['grants', 'list', '--user', 'alice', ...store_(), '--json']);
    expect(listed.code).toBe(0);
    const { grants } = JSON.parse(listed.stdout) as {
      grants: { grantId: string; clientId: string; clientName: string; scopes: string[] }[];
    };
    const grant = grants.find((g) => g.clientId === alice.clientId)!;
    expect(grant).toMatchObject({ clientName: 'CLI Client', scopes: ['weather:read'] });
    const table = await runCli(['grants', 'list', '--user', 'alice', ...store_()]);
    expect(table.stdout).toContain('CLI Client');
    for (const out of [listed.stdout, table.stdout]) {
      expect(out).not.toContain(alice.access_token);
      expect(out).not.toContain(alice.refresh_token);
    }

    expect(await accepted(alice.access_token)).toBe(true);
    const revoked = await runCli([
      'grants',
      'revoke',
      '--user',
      'alice',
      '--grant',
      grant.grantId,
      ...store_(),
    ]);
    expect(revoked.code).toBe(0);
    expect(await accepted(alice.access_token)).toBe(false);
    const again = await runCli([
      'grants',
      'revoke',
      '--user',
      'alice',
      '--grant',
      grant.grantId,
      ...store_(),
    ]);
    expect(again.code).toBe(1);
  });

  it('grants revoke --all, and clients delete: every token of the client is refused, its registration gone', async () => {
    const one = await signIn('One');
    const two = await signIn('Two');
    const all = await runCli([
      'grants',
      'revoke',
      '--user',
      'alice',
      '--all',
      ...store_(),
      '--json',
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).revoked).toBeGreaterThanOrEqual(2);
    expect(await accepted(one.access_token)).toBe(false);
    expect(await accepted(two.access_token)).toBe(false);

    const three = await signIn('Three');
    expect(await accepted(three.access_token)).toBe(true);
    const deleted = await runCli(['clients', 'delete', '--client', three.clientId, ...store_()]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await accepted(three.access_token)).toBe(false);
    expect(await server.clients.getClient(three.clientId)).toBeUndefined();
  });

  it('usage errors exit 2; an unreachable Redis fails without printing the URL (it may hold a password)', async () => {
    expect((await runCli(['grants', 'list', '--user', 'alice'])).code).toBe(2);
    expect((await runCli(['grants', 'revoke', '--user', 'a', ...store_()])).code).toBe(2);
    const closed = await freePort();
    const down = await runCli([
      'grants',
      'list',
      '--user',
      'alice',
      '--redis-url',
      `redis://:hunter2-secret@127.0.0.1:${closed}`,
    ]);
    expect(down.code).not.toBe(0);
    expect(down.stdout + down.stderr).not.toContain('hunter2-secret');
  });
});
