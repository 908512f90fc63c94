// The audit trail of the authorization server (issue 16 item 2): one event per grant lifecycle
// step — consent given, tokens issued, refreshed, reuse detected (refresh token and code),
// revoked (RFC 7009), grant revoked, consent withdrawn — with subject, client and grant, the
// chain intact, and no credential in any event. Driven through the real endpoints and forms.
import { describe, expect, it } from 'vitest';
import { toFetchHandler } from '../../src/http/fetch.js';
import {
  type AuditEvent,
  createAuditTrail,
  verifyAuditLog,
} from '../../src/observability/audit.js';
import { computeS256Challenge, generateCodeVerifier } from '../../src/pkce.js';
import { createAuthorizationServer } from '../../src/server/authorization-server.js';
import { DevIdentityProvider } from '../../src/server/identity/dev.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { authorizeWithForms } from '../../src/testing/browser.js';

const ISSUER = 'https://auth.example.test';
const RESOURCE = 'https://mcp.example.test/mcp';
const REDIRECT = 'http://127.0.0.1:8765/callback';

type Fetch = (request: Request) => Promise<Response>;

const form = (path: string, body: Record<string, string>) =>
  new Request(`${ISSUER}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

describe('audit events of the grant lifecycle', () => {
  it('consent, issue, refresh, reuse, code replay, revocation, grant revocation, consent withdrawal', async () => {
    const events: AuditEvent[] = [];
    const lines: string[] = [];
    const audit = createAuditTrail({
      chain: true,
      sink: {
        write: (line, event) => {
          lines.push(line);
          events.push(event);
        },
      },
    });
    const server = createAuthorizationServer({
      issuer: ISSUER,
      resource: RESOURCE,
      signingKey: 'lifecycle-test-secret-0123456789-abcdefghij',
      store: new MemoryStore(),
      scopesSupported: ['weather:read'],
      refreshTokenReuseGraceSeconds: 0,
      identityProvider: new DevIdentityProvider({
        iterations: 10_000,
        users: [{ username: 'alice', password: 'pw-alice', scopes: ['weather:read'] }],
      }),
      audit,
    });
    const fetch: Fetch = toFetchHandler(server);
    const registered = await fetch(
      new Request(`${ISSUER}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
        }),
      }),
    );
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const verifier = generateCodeVerifier();
    const url = new URL(`${ISSUER}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await computeS256Challenge(verifier),
      code_challenge_method: 'S256',
      scope: 'weather:read',
      resource: RESOURCE,
    }).toString();
    const { code } = await authorizeWithForms({
      fetch,
      authorizationUrl: url,
      username: 'alice',
      password: 'pw-alice',
    });
    const redeem = () =>
      fetch(
        form('/token', {
          grant_type: 'authorization_code',
          code: code!,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
          client_id: clientId,
        }),
      );
    const first = (await (await redeem()).json()) as {
      access_token: string;
      refresh_token: string;
    };
    const refresh = (token: string) =>
      fetch(
        form('/token', { grant_type: 'refresh_token', refresh_token: token, client_id: clientId }),
      );
    const rotated = (await (await refresh(first.refresh_token)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect((await refresh(first.refresh_token)).status).toBe(400); // reuse: the grant is revoked
    expect((await redeem()).status).toBe(400); // code replay
    expect(
      (await fetch(form('/revoke', { token: rotated.access_token, client_id: clientId }))).status,
    ).toBe(200);
    await server.revokeConsent('alice', clientId);
    await (await server.tokenService()).revokeGrant('a-grant-id');
    await audit.flush();

    const grantId = events.find((e) => e.type === 'token.issued')?.grantId;
    expect(grantId).toMatch(/^[\w-]{8,}$/);
    expect(events.map((e) => e.type)).toEqual([
      'consent.given',
      'token.issued',
      'token.refreshed',
      'token.reuse_detected',
      'token.reuse_detected',
      'token.revoked',
      'consent.withdrawn',
      'grant.revoked',
    ]);
    expect(events[0]).toMatchObject({ subject: 'alice', clientId, scopes: ['weather:read'] });
    expect(events[1]).toMatchObject({
      subject: 'alice',
      clientId,
      grantId,
      grantType: 'authorization_code',
      scopes: ['weather:read'],
    });
    expect(events[2]).toMatchObject({
      subject: 'alice',
      clientId,
      grantId,
      grantType: 'refresh_token',
    });
    expect(events[3]).toMatchObject({ clientId, grantId, code: 'refresh_token_reuse' });
    expect(events[4]).toMatchObject({ clientId, grantId, code: 'authorization_code_replay' });
    expect(events[5]).toMatchObject({
      subject: 'alice',
      clientId,
      grantId,
      detail: { tokenType: 'access_token' },
    });
    expect(events[6]).toMatchObject({ subject: 'alice', clientId });
    expect(events[7]).toMatchObject({ grantId: 'a-grant-id' });

    expect(await verifyAuditLog(lines.join('\n'))).toMatchObject({ ok: true, events: 8 });
    const text = lines.join('\n');
    for (const secret of [
      first.access_token,
      first.refresh_token,
      rotated.access_token,
      rotated.refresh_token,
      code!,
      verifier,
    ])
      expect(text.includes(secret)).toBe(false);
  });
});
