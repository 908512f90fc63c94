// Signing-key rotation (issue 15 item 3, docs/key-rotation.md) through every contract mount:
// the adapter serves the ring's JWKS as it changes (publish-next → switch → retire), a resource
// server verifying through that JWKS over HTTP follows it, and the adapter's own guard accepts
// the retired key's tokens until the key is removed, then refuses them.
import { createRemoteKeySet, generateKeyPair, MemoryStore } from '@mcp-auth/core';
import {
  exportJwk,
  importKeyRing,
  type Jwk,
  type KeyRingDocument,
  verifyJwt,
} from '@mcp-auth/core/jwt';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSpec,
  contractServerOptions,
  createContractPolicy,
  READ,
  REDIRECT,
  rpc,
  TestClock,
} from './fixtures.js';
import type { ContractMount, MountContract } from './suite.js';

const PRIVATE = /"(d|p|q|dp|dq|qi)"\s*:/;

export function defineKeyRotationCases(name: string, mount: MountContract): void {
  describe(`${name}: signing-key rotation (issue 15 item 3)`, () => {
    let m: ContractMount;
    let ring: KeyRingDocument;
    const jwk: Record<'a' | 'b', { priv: Jwk; pub: Jwk }> = {} as never;

    beforeAll(async () => {
      for (const kid of ['a', 'b'] as const) {
        const pair = await generateKeyPair('ES256', { kid: `rot-${kid}`, extractable: true });
        jwk[kid] = { priv: await exportJwk(pair.privateKey), pub: await exportJwk(pair.publicKey) };
      }
      ring = { version: 1, keys: [{ status: 'current', jwk: jwk.a.priv }] };
      const policy = createContractPolicy();
      const clock = new TestClock();
      m = await mount(
        buildSpec(policy, (origin) =>
          contractServerOptions(origin, policy, new MemoryStore(), clock, {
            signingKey: undefined,
            signingKeys: async () => importKeyRing(JSON.stringify(ring)),
            keyRingReloadSeconds: 3600,
          }),
        ),
      );
      await m.server.ready();
    });
    afterAll(() => m?.close());

    async function mint(): Promise<string> {
      const tokens = await m.server.tokenService();
      const verifier = generateCodeVerifier();
      const code = await tokens.issueAuthorizationCode({
        clientId: 'rotation-client',
        redirectUri: REDIRECT,
        codeChallenge: await computeS256Challenge(verifier),
        codeChallengeMethod: 'S256',
        scopes: [READ],
        resource: m.mcpUrl,
        identity: { sub: 'alice', attributes: { role: 'viewer' }, grantableScopes: [READ] },
      });
      const issued = await tokens.redeemAuthorizationCode({
        code,
        clientId: 'rotation-client',
        redirectUri: REDIRECT,
        codeVerifier: verifier,
        issueRefreshToken: false,
      });
      return issued.access_token;
    }

    const whoami = (token: string) =>
      fetch(m.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: rpc('tools/call', { name: 'whoami', arguments: {} }),
        signal: AbortSignal.timeout(5000),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });

    const kids = async () => {
      const res = await fetch(`${m.baseUrl}/jwks.json`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toMatch(PRIVATE);
      return (JSON.parse(text) as { keys: Jwk[] }).keys.map((k) => k.kid);
    };

    const switchTo = async (keys: KeyRingDocument['keys']) => {
      ring = { version: 1, keys };
      await m.server.reloadSigningKeys();
    };

    it('ROTATE-C1: the adapter serves the JWKS of each step; old and new tokens work until retirement, then the old one is refused', async () => {
      const remote = createRemoteKeySet(`${m.baseUrl}/jwks.json`, { cooldownMs: 0 });
      expect(await kids()).toEqual(['rot-a']);
      const old = await mint();
      expect(await whoami(old)).toBe(200);
      await verifyJwt(old, remote, { typ: 'at+jwt' });

      await switchTo([
        { status: 'current', jwk: jwk.a.priv },
        { status: 'next', jwk: jwk.b.priv },
      ]);
      expect(await kids()).toEqual(['rot-a', 'rot-b']);

      await switchTo([
        { status: 'current', jwk: jwk.b.priv },
        { status: 'retired', jwk: jwk.a.pub },
      ]);
      expect(await kids()).toEqual(['rot-b', 'rot-a']);
      const fresh = await mint();
      expect(fresh).not.toBe(old);
      expect(await whoami(fresh)).toBe(200);
      expect(await whoami(old)).toBe(200);
      // The resource server verifying through the JWKS follows the switch (unknown kid → refetch).
      await verifyJwt(fresh, remote, { typ: 'at+jwt' });

      await switchTo([{ status: 'current', jwk: jwk.b.priv }]);
      expect(await kids()).toEqual(['rot-b']);
      expect(await whoami(fresh)).toBe(200);
      expect(await whoami(old)).toBe(401);
    });
  });
}
