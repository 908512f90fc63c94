// Issue 14: the token service's machine-client tokens (client credentials grant).
import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../../src/jwt/decode.js';
import { createSetup, RESOURCE } from './helpers.js';

describe('issueClientCredentialsToken', () => {
  it('sub = client_id, mcp_principal "client", grantable scopes, its own grant, no refresh token', async () => {
    const { tokens } = await createSetup();
    const response = await tokens.issueClientCredentialsToken({
      clientId: 'agent',
      scopes: ['mcp:tools:get_weather'],
      resource: RESOURCE,
      grantableScopes: ['mcp:tools:get_weather', 'profile'],
    });
    expect(response.refresh_token).toBeUndefined();
    expect(response.scope).toBe('mcp:tools:get_weather');
    const context = await tokens.createAccessTokenVerifier().verify(response.access_token);
    expect(context).toMatchObject({ userId: 'agent', clientId: 'agent', principal: 'client' });
    expect(context.claims['mcp_grantable_scopes']).toEqual(['mcp:tools:get_weather', 'profile']);
    expect(context.grantId).toBeDefined();
    await tokens.revokeGrant(context.grantId!);
    await expect(
      tokens.createAccessTokenVerifier().verify(response.access_token),
    ).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('a token exchanged from a machine token stays a machine principal', async () => {
    const { tokens } = await createSetup();
    const issued = await tokens.issueClientCredentialsToken({
      clientId: 'agent',
      scopes: ['mcp:tools:get_weather'],
      resource: RESOURCE,
    });
    const subject = await tokens.createAccessTokenVerifier().verify(issued.access_token);
    const exchanged = await tokens.exchangeAccessToken({
      clientId: 'mcp-server',
      subject,
      audience: 'https://api.example.test/',
      scopes: ['mcp:tools:get_weather'],
    });
    const { payload } = decodeJwt(exchanged.access_token);
    expect(payload).toMatchObject({
      sub: 'agent',
      mcp_principal: 'client',
      act: { sub: 'mcp-server' },
    });
  });

  it('a user identity mapping can never set mcp_principal', async () => {
    const { tokens } = await createSetup({
      claims: () => ({ mcp_principal: 'client', role: 'viewer' }),
    });
    const response = await tokens.issueAccessTokenForIdentity({
      clientId: 'app',
      identity: { sub: 'alice', attributes: {}, grantableScopes: [] } as never,
      scopes: [],
      resource: RESOURCE,
    });
    const context = await tokens.createAccessTokenVerifier().verify(response.access_token);
    expect(context.principal).toBe('user');
    expect(context.claims['mcp_principal']).toBeUndefined();
    expect(context.claims['role']).toBe('viewer');
  });
});
